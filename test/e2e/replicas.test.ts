import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceSimulator } from '@winmdm/device-sim';
import { importBundle, PostgresStore } from '@winmdm/server';
import { freePort, startServe, type ServeProcess } from '../support/cli.js';
import { adminToken, commandsOf, demoBundle, P } from '../support/fleet.js';
import { pgAvailable, pgUrl, uniqueSchema } from '../../packages/server/test/support/postgres.js';

/**
 * Two `winmdm serve` processes sharing one PostgreSQL, behind a load balancer that sends every
 * request to the next replica: consecutive messages of one session land on different processes.
 */
describe.skipIf(!pgAvailable)('two replicas on one PostgreSQL', () => {
  const schema = uniqueSchema('winmdm_replicas');
  let dir: string;
  let replicas: ServeProcess[] = [];
  let balancer: Server;
  let url: string;
  let origin: string;
  const hits = [0, 0];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'winmdm-replicas-'));
    const store = PostgresStore.open({ connectionString: pgUrl, schema });
    await store.migrate();
    await importBundle(store, demoBundle());
    await store.close();
    const ports = [await freePort(), await freePort()];
    replicas = await Promise.all(
      ports.map((port) =>
        startServe(['--pg', pgUrl, '--data-dir', dir, '--port', String(port), '--no-tls', '--dev-auth'], {
          env: { WINMDM_PG_SCHEMA: schema },
        }),
      ),
    );
    let next = 0;
    balancer = createServer((req, res) => {
      const target = next++ % 2;
      hits[target] = (hits[target] ?? 0) + 1;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        request(`http://127.0.0.1:${ports[target]}${req.url ?? '/'}`, {
          method: req.method as 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) },
          body: Buffer.concat(chunks),
        }).then(
          async (r) => {
            const body = Buffer.from(await r.body.arrayBuffer());
            res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type'] ?? 'text/plain') });
            res.end(body);
          },
          () => {
            res.writeHead(502);
            res.end();
          },
        );
      });
    });
    await new Promise<void>((r) => balancer.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(balancer.address() as AddressInfo).port}`;
    url = `${origin}/ManagementServer/MDM.svc`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => (balancer ? balancer.close(() => r()) : r()));
    await Promise.all(replicas.map((r) => r.stop()));
    const store = PostgresStore.open({ connectionString: pgUrl, schema });
    await store.dropSchema();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('concurrent devices whose messages alternate between replicas converge, and stay consistent through a change', async () => {
    const devices = ['DEMO-LAPTOP-001', 'DEMO-DESKTOP-002', 'DEMO-LAPTOP-003'].map((winId) => new DeviceSimulator({ url, winId }));
    try {
      const first = await Promise.all(devices.map((d) => d.runSession()));
      for (const s of first) expect(commandsOf(s).length).toBeGreaterThan(0);
      expect(hits[0]).toBeGreaterThan(0);
      expect(hits[1]).toBeGreaterThan(0);
      const second = await Promise.all(devices.map((d) => d.runSession()));
      for (const s of second) expect(commandsOf(s)).toEqual([]);

      const patched = await request(`${origin}/mdm/windows/devices/dev-contoso-003`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ winPolicyAssignments: [{ winPolicyId: 'pol-contoso-strict-passwords', priority: 1 }] }),
      });
      expect(patched.statusCode).toBe(200);
      await patched.body.dump();

      const third = await Promise.all(devices.map((d) => d.runSession()));
      expect(commandsOf(third[0]!)).toEqual([]);
      expect(commandsOf(third[1]!)).toEqual([]);
      expect(commandsOf(third[2]!).map((c) => `${c.kind} ${c.locUri}`).sort()).toEqual([
        `Replace ${P}DeviceLock/DevicePasswordExpiration`,
        `Replace ${P}DeviceLock/MinDevicePasswordLength`,
      ]);

      // What the shared store says matches what each device holds.
      const store = PostgresStore.open({ connectionString: pgUrl, schema });
      try {
        for (const [i, id] of ['dev-contoso-001', 'dev-contoso-002', 'dev-contoso-003'].entries()) {
          const nodes = await store.transaction((tx) => tx.getNodeStates(id));
          expect(nodes.length).toBeGreaterThan(0);
          for (const node of nodes) {
            expect(node.status).toBe('applied');
            if (node.kind === 'csp') expect(devices[i]!.model.get(node.locUri)).toBe(node.value);
          }
        }
      } finally {
        await store.close();
      }
    } finally {
      await Promise.all(devices.map((d) => d.close()));
    }
  });
});
