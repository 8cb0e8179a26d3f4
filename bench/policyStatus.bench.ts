/**
 * `GET /mdm/windows/policies/{id}/status` at fleet scale: 100,000 devices (10,000 with --quick),
 * each with the ten settings of one policy in a realistic mix of states, on SQLite (and on
 * PostgreSQL when WINMDM_BENCH_PG_URL names one). The answer comes from the fleet-status aggregate
 * the node writes keep, so its cost must not grow with the node rows: the target is under 100 ms.
 *
 *   npm run bench -- --only policy-status
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent } from 'undici';
import { importBundle, PostgresStore, SqliteStore, startWinmdmServer, type NodeStateRow, type Store } from '@winmdm/server';
import { median, quantile, type BenchModule, type BenchResult } from './harness.js';

const POLICY = 'pol-contoso-baseline';
const SETTINGS = Array.from({ length: 10 }, (_, i) => `./Device/Vendor/MSFT/Policy/Config/Bench/Setting${i}`);
const TOKEN = 'demo-contoso-admin-token';
const BUNDLE = new URL('../fixtures/demo/bundle.json', import.meta.url);

/** A node's state in the mix: mostly applied or verified, a few of every state an admin acts on. */
function stateOf(device: number, setting: number): Pick<NodeStateRow, 'status' | 'code' | 'tries'> {
  const x = (device * 31 + setting * 17) % 1000;
  if (x < 15) return { status: 'failed', code: [500, 404, 405][x % 3] as number, tries: 1 };
  if (x < 25) return { status: 'drifted', code: 200, tries: 0 };
  if (x < 30) return { status: 'quarantined', code: 405, tries: 3 };
  if (x < 40) return { status: 'pending', code: null, tries: 0 };
  if (x < 60) return { status: 'verified', code: 200, tries: 0 };
  return { status: 'applied', code: 200, tries: 0 };
}

async function fill(store: Store, devices: number): Promise<void> {
  const batch = 500;
  for (let start = 0; start < devices; start += batch) {
    await store.transaction(async (tx) => {
      for (let d = start; d < Math.min(devices, start + batch); d++) {
        const id = `bench-${String(d).padStart(6, '0')}`;
        await tx.upsertNodeStates(
          id,
          SETTINGS.map((locUri, s) => ({
            locUri,
            kind: 'csp',
            value: '1',
            lastCommand: 'Replace',
            sessionId: '1',
            updatedAt: '2026-12-01T00:00:00.000Z',
            actual: null,
            retryAt: null,
            checkedAt: null,
            policyId: POLICY,
            ...stateOf(d, s),
          })),
        );
      }
    });
  }
  await store.transaction((tx) => tx.compactNodeStatusCounts());
}

async function measure(name: string, store: Store, devices: number, quick: boolean): Promise<BenchResult[]> {
  await store.migrate();
  await importBundle(store, JSON.parse(readFileSync(BUNDLE, 'utf8')));
  const filled = Date.now();
  await fill(store, devices);
  const fillSeconds = (Date.now() - filled) / 1000;
  const server = await startWinmdmServer({ store, logger: pino({ level: 'silent' }), port: 0, tls: false });
  const agent = new Agent({ connections: 1 });
  const headers = { authorization: `Bearer ${TOKEN}` };
  const time = async (path: string): Promise<number> => {
    const t0 = process.hrtime.bigint();
    const r = await agent.request({ origin: server.origin, path, method: 'GET', headers });
    const body = await r.body.text();
    if (r.statusCode !== 200) throw new Error(`${path}: HTTP ${r.statusCode} ${body.slice(0, 200)}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const sample = async (path: string): Promise<number[]> => {
    for (let i = 0; i < 5; i++) await time(path);
    const out: number[] = [];
    for (let i = 0; i < (quick ? 10 : 40); i++) out.push(await time(path));
    return out;
  };
  try {
    const whole = await sample(`/mdm/windows/policies/${POLICY}/status`);
    const first = (await (await agent.request({ origin: server.origin, path: `/mdm/windows/policies/${POLICY}/status?status=failed&limit=100`, method: 'GET', headers })).body.json()) as {
      data: { devices: { failed: { nextCursor: string | null } } };
    };
    const cursor = first.data.devices.failed.nextCursor ?? '';
    const page = await sample(`/mdm/windows/policies/${POLICY}/status?status=failed&limit=100&cursor=${cursor}`);
    const note = `${devices.toLocaleString('en')} devices × ${SETTINGS.length} settings (${(devices * SETTINGS.length).toLocaleString('en')} node rows, filled in ${fillSeconds.toFixed(0)} s); target < 100 ms`;
    return [
      { name: `policy-status (${name}): GET /policies/{id}/status`, unit: 'ms', median: median(whole), p99: quantile(whole, 0.99), n: whole.length, note },
      { name: `policy-status (${name}): the next page of failed devices`, unit: 'ms', median: median(page), p99: quantile(page, 0.99), n: page.length },
    ];
  } finally {
    await agent.close();
    await server.close();
  }
}

export const policyStatusBench: BenchModule = {
  name: 'policy-status',
  async run({ quick }) {
    const devices = quick ? 10_000 : 100_000;
    const dir = mkdtempSync(join(tmpdir(), 'winmdm-bench-status-'));
    const results: BenchResult[] = [];
    const sqlite = SqliteStore.open(join(dir, 'winmdm.db'));
    try {
      results.push(...(await measure('SQLite', sqlite, devices, quick)));
    } finally {
      await sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const pgUrl = process.env['WINMDM_BENCH_PG_URL'];
    if (pgUrl !== undefined) {
      const schema = `winmdm_bench_status_${process.pid}`;
      const pg = PostgresStore.open({ connectionString: pgUrl, schema });
      try {
        results.push(...(await measure('PostgreSQL', pg, devices, quick)));
      } finally {
        await pg.dropSchema();
        await pg.close();
      }
    }
    return results;
  },
};
