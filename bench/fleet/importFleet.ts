/**
 * Migrates the fleet benchmark's database and imports its bundle, in a process of its own, so that
 * the servers' peak RSS is what serving costs, not what reading a 20,000-device bundle costs.
 * Configuration as fleetServer.ts (WINMDM_BENCH_FLEET, with `bundlePath`); answers `imported` over
 * IPC and exits.
 */
import { readFileSync } from 'node:fs';
import { importBundle, PostgresStore, SqliteStore, type Store } from '@winmdm/server';
import type { FleetServerConfig } from './fleetServer.js';

const config = JSON.parse(process.env['WINMDM_BENCH_FLEET'] ?? '{}') as FleetServerConfig;
const store: Store =
  config.store === 'postgres'
    ? PostgresStore.open({ connectionString: config.pgUrl ?? '', schema: config.pgSchema ?? 'winmdm_bench_fleet' })
    : SqliteStore.open(config.dbPath ?? '');
await store.migrate();
await importBundle(store, JSON.parse(readFileSync(config.bundlePath ?? '', 'utf8')));
await store.close();
process.send?.({ type: 'imported' }, () => process.exit(0));
