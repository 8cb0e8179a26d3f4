/**
 * One winmdm server process of the fleet benchmark, run as a child so that its CPU time and memory
 * are its own: plain HTTP with --dev-auth on loopback, on SQLite or PostgreSQL, over a database
 * importFleet.ts prepared. With PostgreSQL the benchmark runs two of these on one database
 * (replicas behind a load balancer).
 *
 * Configuration comes in WINMDM_BENCH_FLEET (JSON). IPC: `ready` once listening; `cpu` (CPU time
 * used, µs), `rss` (peak resident set), `status` (how many devices are converged on the current
 * desired state, and how many applied nodes carry the changed values), `change` (replace a policy
 * document and bump the policy epoch, as `PUT /mdm/windows/policies/{id}` does), `dbBytes` (the
 * database's size), `profile-start`/`profile-stop` (a CPU profile of one wave, with
 * WINMDM_BENCH_PROFILE=<dir>), `stop`.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { PostgresStore, SqliteStore, startWinmdmServer, type JsonObject, type Store } from '@winmdm/server';

export interface FleetServerConfig {
  store: 'sqlite' | 'postgres';
  /** SQLite: the database file. */
  dbPath?: string;
  pgUrl?: string;
  pgSchema?: string;
  /** The bundle (JSON file) importFleet.ts imports; the replica given it owns the data (drops the PostgreSQL schema on stop). */
  bundlePath?: string;
}

export type FleetServerRequest =
  | { type: 'cpu' | 'rss' | 'dbBytes' | 'stop' }
  /** With WINMDM_BENCH_PROFILE=<dir>: start a CPU profile, or write it to `<dir>/fleet-<name>-<pid>.cpuprofile`. */
  | { type: 'profile-start' }
  | { type: 'profile-stop'; name: string }
  | { type: 'status'; organizationId: string; changedPrefix: string }
  | { type: 'change'; policy: JsonObject; organizationId: string };

export type FleetServerAnswer =
  | { type: 'ready'; url: string }
  | { type: 'cpu'; micros: number }
  | { type: 'rss'; maxRssBytes: number; memory: NodeJS.MemoryUsage }
  | { type: 'dbBytes'; bytes: number }
  | { type: 'status'; devices: number; converged: number; changedApplied: number; unapplied: number }
  | { type: 'changed' }
  | { type: 'profiled'; path: string | undefined }
  | { type: 'error'; message: string };

const config = JSON.parse(process.env['WINMDM_BENCH_FLEET'] ?? '{}') as FleetServerConfig;

/**
 * Plain SQL over a second connection, for what the benchmark checks (not a store operation). A
 * device is converged on the current desired state when its convergence fingerprint is the one
 * StorePolicySource gives now: `r{revision}.e{policy epoch}`.
 */
const STATUS_SQL = (p: (name: 'org' | 'pattern') => string): string => `SELECT
    (SELECT count(*) FROM devices WHERE organization_id = ${p('org')}) AS devices,
    (SELECT count(*) FROM devices d JOIN organizations o ON o.id = d.organization_id
      WHERE d.organization_id = ${p('org')} AND d.converged_fingerprint = 'r' || d.revision || '.e' || o.policy_epoch) AS converged,
    (SELECT count(*) FROM node_states WHERE status = 'applied' AND value LIKE ${p('pattern')}) AS changed_applied,
    (SELECT count(*) FROM node_states WHERE status <> 'applied') AS unapplied`;

async function main(): Promise<void> {
  const store: Store =
    config.store === 'postgres'
      ? PostgresStore.open({ connectionString: config.pgUrl ?? '', schema: config.pgSchema ?? 'winmdm_bench_fleet' })
      : SqliteStore.open(config.dbPath ?? '');
  const server = await startWinmdmServer({ store, logger: pino({ level: 'silent' }), port: 0, tls: false, devAuth: true });

  const sqlite = config.store === 'sqlite' ? new Database(config.dbPath ?? '', { readonly: false }) : undefined;
  const pgClient =
    config.store === 'postgres'
      ? new pg.Client({ connectionString: config.pgUrl, options: `-c search_path=${config.pgSchema ?? 'winmdm_bench_fleet'}` })
      : undefined;
  await pgClient?.connect();

  const profileDir = process.env['WINMDM_BENCH_PROFILE'];
  const inspector = profileDir ? new Session() : undefined;
  inspector?.connect();
  await inspector?.post('Profiler.enable');

  const answer = async (request: FleetServerRequest): Promise<FleetServerAnswer> => {
    switch (request.type) {
      case 'profile-start':
        await inspector?.post('Profiler.start');
        return { type: 'profiled', path: undefined };
      case 'profile-stop': {
        if (!inspector || !profileDir) return { type: 'profiled', path: undefined };
        const { profile } = await inspector.post('Profiler.stop');
        const path = join(profileDir, `fleet-${request.name}-${process.pid}.cpuprofile`);
        // The directory is the operator's to name; a fresh one must not lose the wave's profile.
        mkdirSync(profileDir, { recursive: true });
        writeFileSync(path, JSON.stringify(profile));
        return { type: 'profiled', path };
      }
      case 'cpu': {
        const usage = process.cpuUsage();
        return { type: 'cpu', micros: usage.user + usage.system };
      }
      case 'rss':
        return { type: 'rss', maxRssBytes: process.resourceUsage().maxRSS * 1024, memory: process.memoryUsage() };
      case 'status': {
        const pattern = `${request.changedPrefix}%`;
        const row = sqlite
          ? (sqlite.prepare(STATUS_SQL((name) => `@${name}`)).get({ org: request.organizationId, pattern }) as Record<string, number>)
          : ((await pgClient!.query(STATUS_SQL((name) => (name === 'org' ? '$1' : '$2')), [request.organizationId, pattern])).rows[0] as Record<string, string>);
        return {
          type: 'status',
          devices: Number(row['devices']),
          converged: Number(row['converged']),
          changedApplied: Number(row['changed_applied']),
          unapplied: Number(row['unapplied']),
        };
      }
      case 'change': {
        const id = request.policy['id'] as string;
        await store.transaction(async (tx) => {
          await tx.putDocument('policies', id, request.organizationId, request.policy);
          await tx.bumpPolicyEpoch(request.organizationId);
        });
        return { type: 'changed' };
      }
      case 'dbBytes': {
        if (sqlite) {
          // Everything committed goes into the main file first, so that the figure is the data, not the log.
          sqlite.pragma('wal_checkpoint(TRUNCATE)');
          const size = (path: string): number => {
            try {
              return statSync(path).size;
            } catch {
              return 0;
            }
          };
          return { type: 'dbBytes', bytes: size(config.dbPath ?? '') + size(`${config.dbPath ?? ''}-wal`) };
        }
        const row = (
          await pgClient!.query(
            `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`,
            [config.pgSchema],
          )
        ).rows[0] as { bytes: string };
        return { type: 'dbBytes', bytes: Number(row.bytes) };
      }
      case 'stop':
        await server.close();
        sqlite?.close();
        await pgClient?.end();
        if (config.bundlePath && store instanceof PostgresStore) await store.dropSchema();
        await store.close();
        process.exit(0);
    }
  };
  process.on('message', (request: FleetServerRequest) => {
    answer(request).then(
      (a) => process.send?.(a),
      (error: unknown) => process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies FleetServerAnswer),
    );
  });
  process.send?.({ type: 'ready', url: server.mdmUrl } satisfies FleetServerAnswer);
}

await main();
