import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { afterAll, expect, test } from 'vitest';
import { DeviceSimulator } from '@winmdm/device-sim';
import { SqliteStore } from '@winmdm/server';
import { parseMessage, statusCode } from '@winmdm/syncml';
import { freePort, runCli, startServe } from '../support/cli.js';
import { adminToken, demoBundle, windowsFirstMessage } from '../support/fleet.js';

/**
 * SIGTERM while simulated devices are in the middle of their sessions: the process stops
 * accepting, answers what it accepted, exits 0, and every result a device reported in a message
 * the server answered is in the store afterwards.
 */
const DEVICES = 12;
const dir = mkdtempSync(join(tmpdir(), 'winmdm-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the server acknowledged, per device and LocURI: the last event of each node as the device saw it. */
type NodeEvent = { kind: 'acknowledged'; code: number; command: string } | { kind: 'sent' };
const seen = new Map<string, Map<string, NodeEvent>>();

function record(request: string, response: string): void {
  const sent = parseMessage(request);
  const nodes = seen.get(sent.header.source.locURI) ?? new Map<string, NodeEvent>();
  seen.set(sent.header.source.locURI, nodes);
  for (const c of sent.body) {
    if (c.kind !== 'Status' || !['Add', 'Replace', 'Delete'].includes(c.cmd)) continue;
    for (const uri of c.targetRefs) nodes.set(uri, { kind: 'acknowledged', code: statusCode(c), command: c.cmd });
  }
  // The answer may carry new commands for the same nodes: those are in flight again.
  for (const c of parseMessage(response).body) {
    if (c.kind === 'Status' || !('items' in c)) continue;
    for (const item of c.items) if (item.target?.locURI) nodes.set(item.target.locURI, { kind: 'sent' });
  }
}

test('SIGTERM under load: no accepted request is cut, no acknowledged result is lost, exit 0', async () => {
  const bundle = demoBundle();
  const template = bundle.devices.find((d) => d.id === 'dev-contoso-003')!;
  for (let i = 0; i < DEVICES; i++) bundle.devices.push({ ...template, id: `dev-load-${i}`, winId: `LOAD-${i}`, displayName: `Load ${i}` });
  bundle.devices.push({ ...template, id: 'dev-slow', winId: 'SLOW-1', displayName: 'Slow upload' });
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle));
  const db = join(dir, 'winmdm.db');
  expect((await runCli(['import', join(dir, 'bundle.json'), '--db', db])).code).toBe(0);

  const port = await freePort();
  const serve = await startServe(['--db', db, '--data-dir', dir, '--no-tls', '--dev-auth', '--port', String(port), '--shutdown-timeout', '60'], {
    // Debug: a line with the request id of every request the server accepted.
    env: { WINMDM_LOG_LEVEL: 'debug' },
  });
  const origin = `http://127.0.0.1:${port}`;

  // One pool for every client, which gives each request an id (X-Request-Id, which the server logs)
  // and sees each request body with its answer.
  const pool = new Pool(origin, { connections: DEVICES * 2 });
  type Options = { method: string; path: string; body?: unknown; headers?: Record<string, string> };
  type Answer = { statusCode: number; body: { text(): Promise<string> } };
  const request = pool.request.bind(pool) as unknown as (o: Options) => Promise<Answer>;
  const failedIds: string[] = [];
  const send = async (options: Options): Promise<Answer> => {
    const id = randomUUID();
    let response: Answer;
    try {
      response = await request({ ...options, headers: { ...options.headers, 'x-request-id': id } });
    } catch (error) {
      failedIds.push(id);
      throw error;
    }
    const text = await response.body.text();
    if (response.statusCode === 200 && options.path.startsWith('/ManagementServer/')) record(String(options.body), text);
    return { ...response, body: { text: async () => text } };
  };
  Object.assign(pool, { request: send });

  let stopping = false;
  let completed = 0;
  const failures: unknown[] = [];
  const loops = Array.from({ length: DEVICES }, async (_, i) => {
    const sim = new DeviceSimulator({ url: `${origin}/ManagementServer/MDM.svc`, winId: `LOAD-${i}`, dispatcher: pool });
    // Every round changes two settings of the device, so that every session carries results.
    for (let round = 0; round < 8 && !stopping; round++) {
      try {
        const patched = await send({
          method: 'PATCH',
          path: `/mdm/windows/devices/dev-load-${i}`,
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ winPolicyAssignments: round % 2 === 0 ? [{ winPolicyId: 'pol-contoso-strict-passwords', priority: 1 }] : [] }),
        });
        expect(patched.statusCode).toBe(200);
        await patched.body.text();
        await sim.runSession();
        completed++;
      } catch (error) {
        failures.push(error);
        return;
      }
    }
  });

  const until = async (what: string, done: () => boolean): Promise<void> => {
    for (let i = 0; i < 1200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
    if (!done()) throw new Error(`timed out waiting for ${what}`);
  };
  // Once the load is well under way, one more device starts a message whose body is still on its
  // way when the signal comes: a request in flight for certain.
  await until('every device to finish a session', () => completed >= DEVICES);
  const message = Buffer.from(windowsFirstMessage('SLOW-1'));
  const socket = connect(port, '127.0.0.1');
  let raw = '';
  socket.on('data', (d) => (raw += String(d)));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(
    `POST /ManagementServer/MDM.svc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/vnd.syncml.dm+xml\r\n` +
      `Content-Length: ${message.length}\r\nX-Request-Id: slow-upload\r\n\r\n`,
  );
  socket.write(message.subarray(0, 100));
  await until('the server to accept the slow request', () => /"reqId":"slow-upload"[^\n]*"request received"/.test(serve.output()));
  serve.child.kill('SIGTERM');
  await until('the server to begin stopping', () => serve.output().includes('stopping'));
  socket.end(message.subarray(100));
  await ended;
  // The accepted request got its whole answer (and the server closed the connection after it).
  expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(parseMessage(raw.slice(raw.indexOf('\r\n\r\n') + 4)).header.target.locURI).toBe('SLOW-1');
  const exit = await serve.exited;
  stopping = true;
  await Promise.all(loops);
  await pool.close();

  expect(exit).toEqual({ code: 0, signal: null });
  const out = serve.output();
  expect(out).toContain('stopping');
  expect(out).not.toContain('connection closed before the answer was sent');
  expect(out).toMatch(/"drained":true[^\n]*"msg":"stopped"/);
  // The requests that failed are the ones that came after the stop (a refused connection, or a
  // keep-alive connection closed as idle before the request reached it): the server never saw
  // their id. Every request it did see was answered in full.
  expect(failures.length).toBe(failedIds.length);
  for (const id of failedIds) expect(out).not.toContain(id);
  for (const failure of failures) {
    expect(['ERR_SIM_NETWORK', 'ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']).toContain((failure as { code?: string }).code);
  }
  const answered = [...out.matchAll(/"reqId":"([^"]+)"[^\n]*"msg":"request answered"/g)].length;
  expect(answered).toBeGreaterThan(completed);

  // Every result the server answered is in the store: applied for a 2xx, gone after a Delete.
  const store = SqliteStore.open(db);
  let checked = 0;
  try {
    for (const [winId, nodes] of seen) {
      const row = await store.transaction((tx) => tx.getDeviceByWinId(winId));
      const states = new Map((await store.transaction((tx) => tx.getNodeStates(row!.id))).map((n) => [n.locUri, n]));
      for (const [uri, event] of nodes) {
        if (event.kind !== 'acknowledged' || event.code < 200 || event.code >= 300) continue;
        checked++;
        if (event.command === 'Delete') expect(states.has(uri), `${winId} ${uri}`).toBe(false);
        else expect(states.get(uri)?.status, `${winId} ${uri}`).toBe('applied');
      }
    }
  } finally {
    await store.close();
  }
  expect(checked).toBeGreaterThan(DEVICES * 4);
}, 180_000);
