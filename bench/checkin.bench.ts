/**
 * Check-ins per second and session latency at 64 concurrent devices (LeanDevice: the simulator's
 * answers, byte for byte, at a third of its CPU, so the client does not cap the raw baseline), for the
 * fast path (a converged device: nothing to send) and for a first check-in with 200 settings, on
 * SQLite and on PostgreSQL, with connections kept alive and with a new mutual-TLS connection per
 * session — each paired, run by run and alternating, with a raw node:http(s) server that reads the
 * same request bodies and answers the same response bytes. Also the server's peak RSS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { LeanDevice } from '@winmdm/device-sim';
import { median, type BenchModule, type BenchResult } from './harness.js';
import { ask, child, exited, postgresReachable } from './children.js';
import { drive, percentiles, recordingProxy, type DriveResult } from './checkin/drive.js';
import type { FleetServerConfig, FleetServerMessage } from './checkin/fleetServer.js';
import { winIdOf } from './checkin/benchFleet.js';
import type { RawServerMessage, RawTemplates } from './checkin/rawServer.js';

const CONCURRENCY = 64;
const SETTINGS = 200;
interface Pair {
  winmdm: DriveResult[];
  raw: DriveResult[];
  /** The server process's CPU time per session (user + system), in µs, for each winmdm run. */
  cpuPerSession: number[];
  /** The load generator's (this process's) CPU time per session, in µs, for each raw run. */
  clientCpuPerSession: number[];
}

function rate(r: DriveResult): number {
  return r.sessions / r.seconds;
}

function figures(name: string, unit: string, pair: Pair, target: { ratio?: number; p99?: number; rate?: number }): BenchResult[] {
  const ours = median(pair.winmdm.map(rate));
  const base = median(pair.raw.map(rate));
  const lat = percentiles(pair.winmdm.flatMap((r) => r.latencies));
  const baseLat = percentiles(pair.raw.flatMap((r) => r.latencies));
  const errors = pair.winmdm.reduce((n, r) => n + r.errors, 0);
  const firstError = pair.winmdm.find((r) => r.firstError)?.firstError;
  const ratio = ours / base;
  const notes: string[] = [];
  if (target.ratio !== undefined) notes.push(`target ratio ≥ ${target.ratio} ${ratio >= target.ratio ? 'MET' : 'MISSED'}`);
  if (target.rate !== undefined) notes.push(`target ≥ ${target.rate}/s ${ours >= target.rate ? 'MET' : 'MISSED'}`);
  notes.push(`server CPU ≈ ${median(pair.cpuPerSession).toFixed(0)} µs/session`);
  notes.push(`client CPU ≈ ${median(pair.clientCpuPerSession).toFixed(0)} µs/session`);
  if (errors > 0) notes.push(`${errors} errors (${firstError ?? ''})`);
  const p99Note =
    target.p99 !== undefined ? `target p99 < ${target.p99} ms ${lat.p99 < target.p99 ? 'MET' : 'MISSED'}; raw p50 ${baseLat.p50.toFixed(2)} p99 ${baseLat.p99.toFixed(2)}` : `raw p50 ${baseLat.p50.toFixed(2)} p99 ${baseLat.p99.toFixed(2)}`;
  return [
    {
      name,
      unit,
      median: ours,
      n: pair.winmdm.length,
      baseline: base,
      ratio,
      note: notes.join('; '),
    },
    { name: `${name} latency`, unit: 'ms', median: lat.p50, p99: lat.p99, n: pair.winmdm.flatMap((r) => r.latencies).length, note: p99Note },
  ];
}

async function paired(reps: number, cpu: () => Promise<number>, a: () => Promise<DriveResult>, b: () => Promise<DriveResult>): Promise<Pair> {
  const pair: Pair = { winmdm: [], raw: [], cpuPerSession: [], clientCpuPerSession: [] };
  for (let i = 0; i < reps; i++) {
    const before = await cpu();
    const result = await a();
    const used = (await cpu()) - before;
    pair.winmdm.push(result);
    pair.cpuPerSession.push(used / Math.max(1, result.completed));
    const client = process.cpuUsage();
    const raw = await b();
    const clientUsed = process.cpuUsage(client);
    pair.raw.push(raw);
    pair.clientCpuPerSession.push((clientUsed.user + clientUsed.system) / Math.max(1, raw.completed));
  }
  return pair;
}

async function benchStore(kind: 'sqlite' | 'postgres', quick: boolean, pgUrl: string): Promise<BenchResult[]> {
  const durationMs = quick ? 1200 : 4000;
  const warmupMs = quick ? 300 : 800;
  const reps = quick ? 1 : 3;
  const certDevices = quick ? 700 : 2600;
  const pool = certDevices + (quick ? 2500 : 9000);
  const dir = mkdtempSync(join(tmpdir(), `winmdm-bench-${kind}-`));
  const config: FleetServerConfig = {
    store: kind,
    dir,
    pgUrl,
    pgSchema: `winmdm_bench_${process.pid}`,
    pool,
    certDevices,
    settings: SETTINGS,
  };
  const fleet = await child<Extract<FleetServerMessage, { type: 'ready' }>>(
    './checkin/fleetServer.ts',
    { WINMDM_BENCH: JSON.stringify(config) },
    true,
  );
  const ca = fleet.ready.caPem;
  const raw = await child<RawServerMessage>('./checkin/rawServer.ts', {
    WINMDM_BENCH_RAW: JSON.stringify({
      certPem: readFileSync(join(dir, 'tls', 'server.crt'), 'utf8'),
      keyPem: readFileSync(join(dir, 'tls', 'server.key'), 'utf8'),
      caPem: ca,
    }),
  });
  const keepAlive = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 60_000 });
  const setTemplates = (templates: RawTemplates): void => void raw.process.send({ type: 'templates', templates });
  const tls = (i: number) => ({
    cert: readFileSync(join(fleet.ready.certDir, `${winIdOf(i)}.crt`)),
    key: readFileSync(join(fleet.ready.certDir, `${winIdOf(i)}.key`)),
    ca,
  });
  const cpu = async (): Promise<number> => (await ask<Extract<FleetServerMessage, { type: 'cpu' }>>(fleet.process, { type: 'cpu' })).micros;
  const results: BenchResult[] = [];
  const label = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const sims: LeanDevice[] = [];
  const track = (sim: LeanDevice): LeanDevice => (sims.push(sim), sim);
  try {
    // The fast path: 64 devices that already have everything.
    const converged = Array.from({ length: CONCURRENCY }, (_, i) => track(new LeanDevice({ url: fleet.ready.http, winId: winIdOf(i), dispatcher: keepAlive })));
    for (const sim of converged) {
      await sim.runSession();
      await sim.runSession();
    }
    const recordFast = await recordingProxy(fleet.ready.http);
    const probe = new LeanDevice({ url: recordFast.url, winId: winIdOf(0) });
    await probe.runSession();
    await probe.close();
    await recordFast.close();
    const fastAnswer = recordFast.answers[0] ?? '';
    setTemplates({ first: fastAnswer, later: fastAnswer });
    const rawFast = Array.from({ length: CONCURRENCY }, (_, i) => track(new LeanDevice({ url: raw.ready.http, winId: winIdOf(i), dispatcher: keepAlive })));
    results.push(
      ...figures(
        `check-in fast path, ${label}, kept alive`,
        'sessions/s',
        await paired(
          reps,
          cpu,
          () => drive({ concurrency: CONCURRENCY, durationMs, warmupMs, device: (w) => converged[w] }),
          () => drive({ concurrency: CONCURRENCY, durationMs, warmupMs, device: (w) => rawFast[w] }),
        ),
        { ratio: 0.4, p99: 20 },
      ),
    );

    // A first check-in with 200 settings: every session is a device the server has never seen.
    let fresh = certDevices;
    const freshDevice = (url: string): LeanDevice | undefined =>
      fresh < pool ? new LeanDevice({ url, winId: winIdOf(fresh++), dispatcher: keepAlive }) : undefined;
    const recordFirst = await recordingProxy(fleet.ready.http);
    const first = freshDevice(recordFirst.url) as LeanDevice;
    await first.runSession();
    await first.close();
    await recordFirst.close();
    setTemplates({ first: recordFirst.answers[0] ?? '', later: recordFirst.answers.at(-1) ?? '' });
    let rawCounter = 0;
    results.push(
      ...figures(
        `check-in first, ${SETTINGS} settings, ${label}, kept alive`,
        'sessions/s',
        await paired(
          reps,
          cpu,
          () => drive({ concurrency: CONCURRENCY, durationMs, warmupMs, device: () => freshDevice(fleet.ready.http), done: (s) => s.close() }),
          () =>
            drive({
              concurrency: CONCURRENCY,
              durationMs,
              warmupMs,
              device: () => new LeanDevice({ url: raw.ready.http, winId: winIdOf(rawCounter++ % pool), dispatcher: keepAlive }),
              done: (s) => s.close(),
            }),
        ),
        // Issue 15 asks ≥ 300/s on SQLite kept alive (issue 7 asked 500).
        kind === 'sqlite' ? { rate: 300, p99: 100 } : { p99: 100 },
      ),
    );

    // A new mutual-TLS connection per session.
    setTemplates({ first: fastAnswer, later: fastAnswer });
    const mtls = (url: string, i: number): LeanDevice =>
      track(new LeanDevice({ url, winId: winIdOf(i), tls: tls(i), connection: 'per-session' }));
    const mtlsConverged = Array.from({ length: CONCURRENCY }, (_, i) => mtls(fleet.ready.https, i));
    const mtlsRaw = Array.from({ length: CONCURRENCY }, (_, i) => mtls(raw.ready.https, i));
    results.push(
      ...figures(
        `check-in fast path, ${label}, new mTLS connection per session`,
        'sessions/s',
        await paired(
          reps,
          cpu,
          () => drive({ concurrency: CONCURRENCY, durationMs, warmupMs, device: (w) => mtlsConverged[w] }),
          () => drive({ concurrency: CONCURRENCY, durationMs, warmupMs, device: (w) => mtlsRaw[w] }),
        ),
        { ratio: 0.7 },
      ),
    );
    setTemplates({ first: recordFirst.answers[0] ?? '', later: recordFirst.answers.at(-1) ?? '' });
    let freshTls = CONCURRENCY;
    let rawTls = 0;
    results.push(
      ...figures(
        `check-in first, ${SETTINGS} settings, ${label}, new mTLS connection per session`,
        'sessions/s',
        await paired(
          reps,
          cpu,
          () =>
            drive({
              concurrency: CONCURRENCY,
              durationMs,
              warmupMs,
              device: () =>
                freshTls < certDevices
                  ? new LeanDevice({ url: fleet.ready.https, winId: winIdOf(freshTls), tls: tls(freshTls++), connection: 'per-session' })
                  : undefined,
              done: (s) => s.close(),
            }),
          () =>
            drive({
              concurrency: CONCURRENCY,
              durationMs,
              warmupMs,
              device: () => {
                const i = rawTls++ % certDevices;
                return new LeanDevice({ url: raw.ready.https, winId: winIdOf(i), tls: tls(i), connection: 'per-session' });
              },
              done: (s) => s.close(),
            }),
        ),
        { ratio: 0.7 },
      ),
    );

    const rss = await ask<Extract<FleetServerMessage, { type: 'rss' }>>(fleet.process, { type: 'rss' });
    const mib = rss.maxRssBytes / 1024 / 1024;
    results.push({ name: `server peak RSS, ${label}`, unit: 'MiB', median: mib, n: 1, note: `target < 300 MiB ${mib < 300 ? 'MET' : 'MISSED'}` });
    return results;
  } finally {
    await Promise.all(sims.map((s) => s.close()));
    await keepAlive.close();
    raw.process.send({ type: 'stop' });
    fleet.process.send({ type: 'stop' });
    await Promise.all([raw.process, fleet.process].map(exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

export const checkinBench: BenchModule = {
  name: 'checkin',
  async run({ quick }) {
    const pgUrl = process.env['WINMDM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    // WINMDM_BENCH_STORES=sqlite (or postgres) runs one store only, e.g. when profiling.
    const only = process.env['WINMDM_BENCH_STORES'];
    const results = only === 'postgres' ? [] : await benchStore('sqlite', quick, pgUrl);
    if (only === 'sqlite') return results;
    if (await postgresReachable(pgUrl)) results.push(...(await benchStore('postgres', quick, pgUrl)));
    else results.push({ name: 'check-in on PostgreSQL', unit: '', median: Number.NaN, n: 0, note: `skipped: ${pgUrl} not reachable` });
    const fast = (store: string): BenchResult | undefined => results.find((r) => r.name === `check-in fast path, ${store}, kept alive`);
    const sqlite = fast('SQLite');
    const postgres = fast('PostgreSQL');
    if (sqlite && postgres) {
      const ratio = postgres.median / sqlite.median;
      results.push({
        name: 'check-in fast path, PostgreSQL against SQLite (same run)',
        unit: 'ratio',
        median: ratio,
        n: Math.min(sqlite.n, postgres.n),
        baseline: sqlite.median,
        note: `target ≥ 0.4 ${ratio >= 0.4 ? 'MET' : 'MISSED'} (PostgreSQL ${postgres.median.toFixed(0)}/s, SQLite ${sqlite.median.toFixed(0)}/s)`,
      });
    }
    return results;
  },
};
