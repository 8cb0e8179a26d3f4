/**
 * The benchmark's lean load generator against the real server: for every message winmdm sends in
 * the sessions the benchmarks drive (a first check-in with settings and inventory, a converged
 * check-in, a delta after a policy change), LeanDevice's answer is byte-identical to what the
 * simulator sent, and a fleet driven by LeanDevice ends with exactly the node states the
 * simulator's leaves behind.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from 'undici';
import { DeviceSimulator, LeanDevice, type LeanExchange } from '@winmdm/device-sim';
import { importBundle, SqliteStore, startWinmdmServer, type Store, type WinmdmServer } from '@winmdm/server';
import { testLogger } from '../support/fleet.js';

const ORG = 'org-lean';
const POLICY = 'pol-lean';

/** Policy CSP integers and strings, Personalization URLs (with a query string to escape), and a boolean. */
function policyConfig(version: number): Record<string, string | number | boolean> {
  const config: Record<string, string | number | boolean> = {};
  for (let i = 0; i < 40; i++) {
    if (i % 5 === 4) config[`./Device/Vendor/MSFT/Personalization/Setting${i}`] = `https://cdn.example.com/${i}.jpg?v=${i < 5 ? version : 1}&size=large`;
    else if (i % 7 === 0) config[`./Vendor/MSFT/Policy/Config/Experience/Setting${i}`] = i < 5 ? version % 2 === 0 : true;
    else config[`./Device/Vendor/MSFT/Policy/Config/Area${i % 6}/Setting${i}`] = i < 5 ? version * 10 + i : i % 3 === 0 ? String(i) : i;
  }
  return config;
}

interface Exchange {
  request: string;
  response: string;
}

/** A pass-through proxy in front of the server that keeps every request and answer. */
async function recordingProxy(target: string): Promise<{ url: string; exchanges: Exchange[]; close(): Promise<void> }> {
  const exchanges: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      void request(target, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body }).then(async (r) => {
        const text = await r.body.text();
        exchanges.push({ request: body, response: text });
        res.writeHead(r.statusCode, { 'content-type': 'application/vnd.syncml.dm+xml' });
        res.end(text);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ManagementServer/MDM.svc`,
    exchanges,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let store: Store;
let server: WinmdmServer;
beforeAll(async () => {
  store = SqliteStore.open(':memory:');
  await store.migrate();
  await importBundle(store, {
    organizations: [{ id: ORG, name: 'Lean', plan: { features: ['policy-assignments', 'automation-rules'], limits: {} } }],
    policies: [{ id: POLICY, organizationId: ORG, name: 'Lean baseline', version: 1, config: policyConfig(1) }],
    devices: ['LEAN-SIM', 'LEAN-LEAN'].map((winId) => ({
      id: `dev-${winId}`,
      organizationId: ORG,
      winId,
      displayName: winId,
      tags: ['lean'],
      winPolicyId: POLICY,
      winPolicyAssignments: [],
      config: {},
    })),
  });
  server = await startWinmdmServer({ store, logger: testLogger, port: 0, tls: false, devAuth: true });
});
afterAll(async () => {
  await server.close();
  await store.close();
});

/** The policy change of the fleet benchmark, in small: 5 settings get new values. */
async function changePolicy(): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.putDocument('policies', POLICY, ORG, { id: POLICY, organizationId: ORG, name: 'Lean baseline', version: 2, config: policyConfig(2) });
    await tx.bumpPolicyEpoch(ORG);
  });
}

describe('LeanDevice against the winmdm endpoint', () => {
  test('answers every server message of a first check-in, a converged one and a delta exactly like the simulator, and leaves the same node states', async () => {
    const proxy = await recordingProxy(server.mdmUrl);
    const sim = new DeviceSimulator({ url: proxy.url, winId: 'LEAN-SIM', firstSessionId: 41 });
    const lean = new LeanDevice({ url: server.mdmUrl, winId: 'LEAN-LEAN' });
    const recordedLean = new LeanDevice({ url: proxy.url, winId: 'LEAN-SIM' });
    try {
      const sessions: Exchange[][] = [];
      for (const step of ['first', 'converged', 'delta'] as const) {
        if (step === 'delta') await changePolicy();
        const before = proxy.exchanges.length;
        await sim.runSession();
        sessions.push(proxy.exchanges.slice(before));
        const result = await lean.runSession();
        expect(result.messages).toBe(sessions.at(-1)?.length);
      }

      // What the server sent in each session: the first has 40 Replace and the inventory Gets, the second nothing, the third 5 Replace.
      const commands = sessions.map((s) => [...s[0]!.response.matchAll(/<(Replace|Get)><CmdID>/g)].map((m) => m[1]));
      expect(commands[0]!.filter((k) => k === 'Replace')).toHaveLength(40);
      expect(commands[0]!.filter((k) => k === 'Get').length).toBeGreaterThan(10);
      expect(commands[1]).toEqual([]);
      expect(commands[2]).toEqual(['Replace', 'Replace', 'Replace', 'Replace', 'Replace']);

      for (const [index, session] of sessions.entries()) {
        const sessionId = String(41 + index);
        expect(recordedLean.firstMessage(sessionId)).toBe(session[0]!.request);
        const exchange: LeanExchange = { sessionId, msgId: 1 };
        for (const [i, { response }] of session.entries()) {
          expect(recordedLean.answer(response, exchange).reply).toBe(session[i + 1]?.request);
        }
      }

      const nodes = await store.transaction(async (tx) => ({ sim: await tx.getNodeStates('dev-LEAN-SIM'), lean: await tx.getNodeStates('dev-LEAN-LEAN') }));
      const shape = (rows: typeof nodes.sim) => rows.map((n) => ({ locUri: n.locUri, status: n.status, value: n.value, code: n.code, lastCommand: n.lastCommand }));
      expect(nodes.lean.length).toBe(40);
      expect(shape(nodes.lean)).toEqual(shape(nodes.sim));
      expect(nodes.lean.every((n) => n.status === 'applied')).toBe(true);
    } finally {
      await sim.close();
      await lean.close();
      await recordedLean.close();
      await proxy.close();
    }
  });
});
