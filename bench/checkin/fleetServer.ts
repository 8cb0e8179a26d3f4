/**
 * The server side of the check-in benchmark, run as a child process so that its memory and CPU
 * are its own: a winmdm server on SQLite or PostgreSQL with a generated fleet (one policy of
 * `settings` CSP values, `pool` devices), listening twice on the same store — plain HTTP with
 * --dev-auth for the kept-alive runs, and HTTPS with client certificates for the mutual-TLS runs.
 *
 * Configuration comes in WINMDM_BENCH (JSON); it answers over IPC: `ready` once listening,
 * `rss` with its peak resident set size, and exits on `stop`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  importBundle,
  LocalCa,
  PostgresStore,
  SqliteStore,
  startWinmdmServer,
  type Store,
} from '@winmdm/server';
import { benchPolicyConfig, winIdOf } from './benchFleet.js';

export interface FleetServerConfig {
  store: 'sqlite' | 'postgres';
  dir: string;
  pgUrl?: string;
  pgSchema?: string;
  /** Devices in the fleet (`BENCH-00000`...). */
  pool: number;
  /** Devices that get a client certificate (the first ones of the pool). */
  certDevices: number;
  /** CSP values in the policy every device gets. */
  settings: number;
}

export type FleetServerMessage =
  | { type: 'ready'; http: string; https: string; caPem: string; certDir: string }
  | { type: 'rss'; maxRssBytes: number }
  | { type: 'cpu'; micros: number };

const config = JSON.parse(process.env['WINMDM_BENCH'] ?? '{}') as FleetServerConfig;

async function main(): Promise<void> {
  const store: Store =
    config.store === 'postgres'
      ? PostgresStore.open({ connectionString: config.pgUrl ?? '', schema: config.pgSchema ?? 'winmdm_bench' })
      : SqliteStore.open(join(config.dir, 'winmdm.db'));
  await store.migrate();
  const org = 'org-bench';
  await importBundle(store, {
    organizations: [{ id: org, name: 'Bench', plan: { features: ['policy-assignments', 'automation-rules'], limits: {} } }],
    policies: [{ id: 'pol-bench', organizationId: org, name: 'Bench baseline', version: 1, config: benchPolicyConfig(config.settings) }],
    devices: Array.from({ length: config.pool }, (_, i) => ({
      id: `dev-bench-${i}`,
      organizationId: org,
      winId: winIdOf(i),
      displayName: `Bench device ${i}`,
      tags: ['bench'],
      winPolicyId: 'pol-bench',
      winPolicyAssignments: [],
      config: {},
    })),
  });
  const logger = pino({ level: 'silent' });
  const http = await startWinmdmServer({ store, logger, port: 0, tls: false, devAuth: true });
  const https = await startWinmdmServer({ store, logger, port: 0, tls: { dataDir: config.dir } });
  const ca = https.ca as LocalCa;
  const certDir = join(config.dir, 'certs');
  mkdirSync(certDir, { recursive: true });
  const registrations: { thumbprints: string[]; deviceId: string }[] = [];
  for (let i = 0; i < config.certDevices; i++) {
    const issued = ca.issue('client', winIdOf(i));
    writeFileSync(join(certDir, `${winIdOf(i)}.crt`), issued.certPem);
    writeFileSync(join(certDir, `${winIdOf(i)}.key`), issued.keyPem);
    registrations.push({ thumbprints: [issued.thumbprints.sha256, issued.thumbprints.sha1], deviceId: `dev-bench-${i}` });
  }
  await store.transaction(async (tx) => {
    for (const r of registrations) await tx.putDeviceCert({ ...r, createdAt: new Date().toISOString() });
  });

  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: usage.user + usage.system } satisfies FleetServerMessage);
    } else if (message.type === 'rss') {
      process.send?.({ type: 'rss', maxRssBytes: process.resourceUsage().maxRSS * 1024 } satisfies FleetServerMessage);
    } else if (message.type === 'stop') {
      void Promise.all([http.close(), https.close()])
        .then(async () => {
          if (store instanceof PostgresStore) await store.dropSchema();
          await store.close();
        })
        .finally(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', http: http.mdmUrl, https: https.mdmUrl, caPem: ca.certPem, certDir } satisfies FleetServerMessage);
}

await main();
