import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { DeviceSimulator, type DeviceModel, type DeviceSimulatorOptions } from '@winmdm/device-sim';
import { serializeMessage, type Command, type SyncMLMessage } from '@winmdm/syncml';
import {
  importBundle,
  issueDeviceCertificate,
  SqliteStore,
  startWinmdmServer,
  type Store,
  type WinmdmServer,
  type WinmdmServerOptions,
} from '@winmdm/server';
import { demoBundle, testLogger, tokens } from '../../packages/server/test/support/server.js';
import { checkDocumented } from '../../packages/server/test/support/openapi.js';

export { checkDocumented, OpenApiChecker } from '../../packages/server/test/support/openapi.js';

export { demoBundle, testLogger, type DemoBundle } from '../../packages/server/test/support/server.js';
export const adminToken = tokens.contosoAdmin;
export const P = './Device/Vendor/MSFT/Policy/Config/';

const firstMessage = readFileSync(new URL('../../fixtures/syncml/win10-msg1-client-session-start.xml', import.meta.url), 'utf8');

/**
 * The first message of a real Windows 10 session (fixtures/syncml/win10-msg1-client-session-start.xml)
 * as the device `winId` would send it, optionally in another session.
 */
export function windowsFirstMessage(winId: string, sessionId?: string): string {
  const message = firstMessage.replaceAll('1E08C6E95D8BB843B1278FF45BC60CC6', winId);
  return sessionId === undefined ? message : message.replace('<SessionID>1</SessionID>', `<SessionID>${sessionId}</SessionID>`);
}

/** A server with TLS and the local CA in a temporary directory, the demo fleet imported, and device certificates on demand. */
export interface Fleet {
  server: WinmdmServer;
  store: Store;
  dir: string;
  /** A simulator for a demo device, authenticated with a certificate issued and registered for it. */
  device(winId: string, options?: Partial<DeviceSimulatorOptions>): Promise<DeviceSimulator>;
  /** Calls the management API. */
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startFleet(
  options: Partial<WinmdmServerOptions> & { store?: Store; bundle?: unknown } = {},
): Promise<Fleet> {
  const dir = mkdtempSync(join(tmpdir(), 'winmdm-fleet-'));
  const store = options.store ?? SqliteStore.open(join(dir, 'winmdm.db'));
  await store.migrate();
  await importBundle(store, options.bundle ?? demoBundle());
  const server = await startWinmdmServer({ logger: testLogger, port: 0, tls: { dataDir: dir }, ...options, store });
  const ca = server.ca;
  if (!ca) throw new Error('fleet server has no CA');
  const sims: DeviceSimulator[] = [];
  return {
    server,
    store,
    dir,
    device: async (winId, simOptions = {}) => {
      const issued = await issueDeviceCertificate(store, ca, winId, join(dir, 'devices'));
      const sim = new DeviceSimulator({
        url: server.mdmUrl,
        winId,
        tls: { cert: readFileSync(issued.certPath), key: readFileSync(issued.keyPath), ca: ca.certPem },
        ...simOptions,
      });
      sims.push(sim);
      return sim;
    },
    api: async (method, path, body, token = adminToken) => {
      const dispatcher = new Agent({ connect: { ca: ca.certPem } });
      try {
        const response = await fetch(`${server.origin}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          dispatcher,
        });
        const json = (await response.json()) as Record<string, unknown>;
        checkDocumented(server, method, path, response.status, json);
        return { status: response.status, json };
      } finally {
        await dispatcher.close();
      }
    },
    close: async () => {
      await Promise.all(sims.map((s) => s.close()));
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The LocURIs of the commands of one kind a session received, sorted. */
export function received(summary: { received: { commands: { kind: string; locUri?: string }[] }[] }, kind: string): string[] {
  return summary.received
    .flatMap((m) => m.commands)
    .filter((c) => c.kind === kind)
    .map((c) => c.locUri ?? '')
    .sort();
}

/** Every non-Status command a session received. */
export function commandsOf(summary: { received: { commands: { kind: string; locUri?: string }[] }[] }): { kind: string; locUri?: string }[] {
  return summary.received.flatMap((m) => m.commands).filter((c) => c.kind !== 'Status');
}

/**
 * The device's answer to a server message, as Windows would give it: a Status for the SyncHdr, then
 * the statuses and results of the model applying each command (for tests that drive the endpoint
 * one raw message at a time).
 */
export function deviceAnswer(server: SyncMLMessage, model: DeviceModel): string {
  const body: Command[] = [
    { kind: 'Status', cmdId: 1, msgRef: server.header.msgId, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] },
  ];
  const results: Command[] = [];
  for (const command of server.body) {
    if (command.kind === 'Status') continue;
    const applied = model.apply(command, { msgRef: server.header.msgId, firstCmdId: body.length + 1 });
    body.push(...applied.statuses);
    results.push(...applied.results);
  }
  let id = 0;
  const all = [...body, ...results].map((c) => ({ ...c, cmdId: ++id }));
  return serializeMessage({
    header: { ...server.header, msgId: server.header.msgId + 1, target: server.header.source, source: server.header.target },
    body: all,
    final: true,
  });
}
