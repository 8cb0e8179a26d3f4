import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, test } from 'vitest';
import { DeviceModel } from '@winmdm/device-sim';
import { importBundle, PostgresStore, SqliteStore, type Store } from '@winmdm/server';
import { parseMessage } from '@winmdm/syncml';
import { freePort, startServe } from '../support/cli.js';
import { demoBundle, deviceAnswer, windowsFirstMessage } from '../support/fleet.js';
import { pgAvailable, pgUrl, uniqueSchema } from '../../packages/server/test/support/postgres.js';

const WIN_ID = 'DEMO-LAPTOP-003';
const DEVICE_ID = 'dev-contoso-003';
const msg1 = windowsFirstMessage(WIN_ID);

async function post(url: string, body: string): Promise<{ status: number; body: string }> {
  const response = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/vnd.syncml.dm+xml' } });
  return { status: response.statusCode, body: await response.body.text() };
}

interface Backend {
  name: string;
  skip: boolean;
  args(dir: string): string[];
  env(): Record<string, string>;
  open(dir: string): Store;
}

const schema = uniqueSchema('winmdm_crash');
const backends: Backend[] = [
  {
    name: 'SQLite',
    skip: false,
    args: (dir) => ['--data-dir', dir],
    env: () => ({}),
    open: (dir) => SqliteStore.open(join(dir, 'winmdm.db')),
  },
  {
    name: 'PostgreSQL',
    skip: !pgAvailable,
    args: (dir) => ['--data-dir', dir, '--pg', pgUrl],
    env: () => ({ WINMDM_PG_SCHEMA: schema }),
    open: () => PostgresStore.open({ connectionString: pgUrl, schema }),
  },
];

afterAll(async () => {
  if (pgAvailable) {
    const store = PostgresStore.open({ connectionString: pgUrl, schema });
    await store.dropSchema();
    await store.close();
  }
});

for (const backend of backends) {
  describe.skipIf(backend.skip)(`killing the server (SIGKILL) mid-message: ${backend.name}`, () => {
    for (const point of ['before-commit', 'after-commit'] as const) {
      test(`at ${point} of the device's acknowledgement: nothing acknowledged is lost, nothing is applied twice`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'winmdm-crash-'));
        const setup = backend.open(dir);
        await setup.migrate();
        if (backend.name === 'PostgreSQL') {
          // One schema for both points: start each from a clean device.
          await setup.transaction(async (tx) => {
            await tx.deleteNodeStates(DEVICE_ID, (await tx.getNodeStates(DEVICE_ID)).map((n) => n.locUri));
            if (await tx.getDevice(DEVICE_ID)) await tx.updateDeviceReport(DEVICE_ID, {}, null);
          });
        }
        await importBundle(setup, demoBundle());
        await setup.close();
        const port = await freePort();
        const args = [...backend.args(dir), '--port', String(port), '--no-tls', '--dev-auth'];
        const url = `http://127.0.0.1:${port}/ManagementServer/MDM.svc`;
        const model = new DeviceModel();
        try {
          // Message 2 of the server's life is the device's acknowledgement of the first answer.
          const crashing = await startServe(args, { env: { ...backend.env(), WINMDM_TEST_HOOKS: '1', WINMDM_CRASH_AT: `${point}:2` } });
          const first = await post(url, msg1.replace('<SessionID>1</SessionID>', `<SessionID>${point === 'before-commit' ? 7 : 8}</SessionID>`));
          expect(first.status).toBe(200);
          const commands = parseMessage(first.body);
          expect(commands.body.filter((c) => c.kind === 'Replace').length).toBeGreaterThan(0);
          const ack = deviceAnswer(commands, model);
          await expect(post(url, ack)).rejects.toThrow();
          expect((await crashing.exited).signal).toBe('SIGKILL');

          // What survived the crash.
          const store = backend.open(dir);
          const survived = await store.transaction(async (tx) => ({ nodes: await tx.getNodeStates(DEVICE_ID), device: await tx.getDevice(DEVICE_ID) }));
          await store.close();
          if (point === 'before-commit') {
            expect(survived.nodes.every((n) => n.status === 'sent')).toBe(true);
          } else {
            expect(survived.nodes.length).toBeGreaterThan(0);
            expect(survived.nodes.every((n) => n.status === 'applied')).toBe(true);
          }

          // The device retries the same message against the restarted server.
          const restarted = await startServe(args, { env: backend.env() });
          try {
            const retry = await post(url, ack);
            expect(retry.status).toBe(200);
            const again = await post(url, ack);
            expect(again.body).toBe(retry.body);
            const check = backend.open(dir);
            const final = await check.transaction(async (tx) => ({ nodes: await tx.getNodeStates(DEVICE_ID), device: await tx.getDevice(DEVICE_ID) }));
            await check.close();
            expect(final.nodes.length).toBe(survived.nodes.length);
            expect(final.nodes.every((n) => n.status === 'applied' && n.code === 200)).toBe(true);
            if (point === 'after-commit') {
              // The retry was answered from the log: the committed state was not applied again.
              expect(final.nodes).toEqual(survived.nodes);
              expect(final.device?.report).toEqual(survived.device?.report);
            }
          } finally {
            await restarted.stop();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}
