/**
 * The fleet benchmark: what an operator lives through. A generated fleet (bench/fleet/fleetShape.ts:
 * 3 bases, 20 assignment sets, 5 rules on tags, 3% of devices with overrides; ~200 settings per
 * device) enrolls — every device's first full session (the first-enrollment wave) — and converges.
 * Then one policy change: five settings of the fleet baseline, a policy every device has, get new
 * values; and every device checks in (the delta wave), 64 at a time, until the whole fleet has
 * converged on the new desired state.
 *
 * On SQLite with one server process, and on PostgreSQL with two server processes on one database
 * (replicas behind a load balancer: each device alternates between them from wave to wave).
 * Reported per store: server CPU per session (all server processes), sessions/s against a raw
 * node:http server answering the recorded bytes of the same exchange (driven by the same lean
 * client, right after the wave: a wave happens once, so it cannot be interleaved), p50/p99, time to
 * converge, peak RSS, database bytes per device, and a projection to 100k and 1M devices. The
 * checks that make the figures mean something are figures too: converged devices, applied changed
 * values (5 per device), unapplied nodes (0).
 *
 *   npm run bench -- --only fleet            20,000 devices (WINMDM_BENCH_FLEET_DEVICES overrides)
 *   npm run bench -- --only fleet --quick     1,000 devices, both stores in under two minutes
 *   WINMDM_BENCH_PROFILE=<dir>                a CPU profile of each server process per wave
 *   WINMDM_BENCH_STORES=sqlite (or postgres)  one store only
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { LeanDevice } from '@winmdm/device-sim';
import type { BenchModule, BenchResult } from './harness.js';
import { ask, child, exited, postgresReachable } from './children.js';
import { recordingProxy, drive } from './checkin/drive.js';
import type { RawServerMessage, RawTemplates } from './checkin/rawServer.js';
import { fleetShape, type FleetShape } from './fleet/fleetShape.js';
import type { FleetServerAnswer, FleetServerConfig } from './fleet/fleetServer.js';
import { p50p99, wave, type WaveResult } from './fleet/wave.js';

const CONCURRENCY = 64;
/** ~200 effective settings per device (see fleetShape). */
const SHAPE = { baseKeys: 120, policyKeys: 8, poolSize: 300, overrideKeys: 5 };
const CHANGED_PREFIX = 'changed-';

type Replica = { process: import('node:child_process').ChildProcess; url: string };

async function question<T extends FleetServerAnswer['type']>(replica: Replica, message: object, type: T): Promise<Extract<FleetServerAnswer, { type: T }>> {
  const answer = await ask<FleetServerAnswer>(replica.process, message);
  if (answer.type !== type) throw new Error(`fleet server answered ${JSON.stringify(answer)} to ${JSON.stringify(message)}`);
  return answer as Extract<FleetServerAnswer, { type: T }>;
}

async function serverCpu(replicas: readonly Replica[]): Promise<number> {
  let micros = 0;
  for (const r of replicas) micros += (await question(r, { type: 'cpu' }, 'cpu')).micros;
  return micros;
}

function bundleOf(fleet: FleetShape): object {
  return {
    organizations: [{ id: fleet.organizationId, name: 'Fleet', plan: { features: ['policy-assignments', 'automation-rules'], limits: {} } }],
    policies: fleet.policies,
    automationRules: fleet.automationRules,
    devices: fleet.devices,
  };
}

interface StoreRun {
  label: string;
  first: WaveResult & { serverCpu: number; raw: number; rawClientCpu: number };
  delta: WaveResult & { serverCpu: number; raw: number; rawClientCpu: number; convergeSeconds: number };
  status: { afterFirst: Extract<FleetServerAnswer, { type: 'status' }>; afterDelta: Extract<FleetServerAnswer, { type: 'status' }> };
  rssMiB: number[];
  /** At the end: each server's current RSS, V8 heap used and total, and memory outside the heap (MiB). */
  memory: string[];
  dbBytesPerDevice: number;
}

/** sessions/s of a raw node:http server answering `templates`, driven by LeanDevices like the wave. */
async function rawRate(url: string, templates: RawTemplates, raw: { process: import('node:child_process').ChildProcess }, winIds: readonly string[], sessions: number, dispatcher: Agent): Promise<{ rate: number; clientCpu: number }> {
  raw.process.send({ type: 'templates', templates });
  let n = 0;
  const cpu = process.cpuUsage();
  const result = await drive({
    concurrency: CONCURRENCY,
    durationMs: 60_000,
    warmupMs: 0,
    device: () => (n < sessions ? new LeanDevice({ url, winId: winIds[n++ % winIds.length] as string, dispatcher }) : undefined),
  });
  const used = process.cpuUsage(cpu);
  return { rate: result.sessions / result.seconds, clientCpu: (used.user + used.system) / Math.max(1, result.completed) };
}

async function runStore(kind: 'sqlite' | 'postgres', fleet: FleetShape, pgUrl: string): Promise<StoreRun> {
  const dir = mkdtempSync(join(tmpdir(), `winmdm-fleet-${kind}-`));
  const bundlePath = join(dir, 'bundle.json');
  writeFileSync(bundlePath, JSON.stringify(bundleOf(fleet)));
  const schema = `winmdm_bench_fleet_${process.pid}`;
  const base: FleetServerConfig =
    kind === 'sqlite' ? { store: 'sqlite', dbPath: join(dir, 'winmdm.db') } : { store: 'postgres', pgUrl, pgSchema: schema };
  const replicas: Replica[] = [];
  const dispatcher = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 60_000 });
  const raw = await child<RawServerMessage>('./checkin/rawServer.ts', { WINMDM_BENCH_RAW: JSON.stringify({ certPem: '', keyPem: '', caPem: '' }) });
  try {
    const start = async (config: FleetServerConfig): Promise<void> => {
      const c = await child<FleetServerAnswer>('./fleet/fleetServer.ts', { WINMDM_BENCH_FLEET: JSON.stringify(config) });
      if (c.ready.type !== 'ready') throw new Error(`fleet server: ${JSON.stringify(c.ready)}`);
      replicas.push({ process: c.process, url: c.ready.url });
    };
    const imported = await child<{ type: string }>('./fleet/importFleet.ts', { WINMDM_BENCH_FLEET: JSON.stringify({ ...base, bundlePath }) });
    await exited(imported.process);
    await start({ ...base, bundlePath });
    if (kind === 'postgres') await start(base);
    const urls = replicas.map((r) => r.url);
    const winIds = fleet.devices.map((d) => d.winId);
    const [probe, ...rest] = winIds as [string, ...string[]];

    // The first-enrollment wave. The first device's session goes through a recording proxy, for
    // the raw baseline's bytes; then everybody else.
    const runWave = async (w: number, phase: string): Promise<{ result: WaveResult; templates: RawTemplates; cpu: number }> => {
      const proxy = await recordingProxy(urls[0] as string);
      const recorded = await wave({ winIds: [probe], urls: [proxy.url], wave: w, concurrency: 1, dispatcher });
      await proxy.close();
      if (recorded.errors > 0) throw new Error(`probe session of wave ${w}: ${recorded.firstError ?? ''}`);
      for (const r of replicas) await question(r, { type: 'profile-start' }, 'profiled');
      const cpu0 = await serverCpu(replicas);
      const result = await wave({ winIds: rest, urls, wave: w, concurrency: CONCURRENCY, dispatcher });
      const cpu = (await serverCpu(replicas)) - cpu0;
      for (const r of replicas) await question(r, { type: 'profile-stop', name: `${kind}-${phase}` }, 'profiled');
      return { result, templates: { first: proxy.answers[0] ?? '', later: proxy.answers.at(-1) ?? '' }, cpu };
    };
    const first = await runWave(1, 'first');
    const afterFirst = await question(replicas[0]!, { type: 'status', organizationId: fleet.organizationId, changedPrefix: CHANGED_PREFIX }, 'status');
    const rawFirst = await rawRate(raw.ready.http, first.templates, raw, winIds, Math.min(rest.length, 3000), dispatcher);

    // The policy change, then every device checks in.
    const changedAt = performance.now();
    await question(replicas[0]!, { type: 'change', policy: fleet.changedBaseline(), organizationId: fleet.organizationId }, 'changed');
    const delta = await runWave(2, 'delta');
    const convergeSeconds = (performance.now() - changedAt) / 1000;
    const afterDelta = await question(replicas[0]!, { type: 'status', organizationId: fleet.organizationId, changedPrefix: CHANGED_PREFIX }, 'status');
    const rawDelta = await rawRate(raw.ready.http, delta.templates, raw, winIds, Math.min(rest.length, 5000), dispatcher);

    const rssMiB: number[] = [];
    const memory: string[] = [];
    const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
    for (const r of replicas) {
      const answer = await question(r, { type: 'rss' }, 'rss');
      rssMiB.push(answer.maxRssBytes / 1024 / 1024);
      const m = answer.memory;
      memory.push(`now rss ${mib(m.rss)}, heap ${mib(m.heapUsed)}/${mib(m.heapTotal)}, external ${mib(m.external)}`);
    }
    const dbBytes = (await question(replicas[0]!, { type: 'dbBytes' }, 'dbBytes')).bytes;
    return {
      label: kind === 'sqlite' ? 'SQLite' : 'PostgreSQL, 2 server processes',
      first: { ...first.result, serverCpu: first.cpu / Math.max(1, first.result.sessions), raw: rawFirst.rate, rawClientCpu: rawFirst.clientCpu },
      delta: { ...delta.result, serverCpu: delta.cpu / Math.max(1, delta.result.sessions), raw: rawDelta.rate, rawClientCpu: rawDelta.clientCpu, convergeSeconds },
      status: { afterFirst, afterDelta },
      rssMiB,
      memory,
      dbBytesPerDevice: dbBytes / fleet.devices.length,
    };
  } finally {
    await dispatcher.close();
    raw.process.send({ type: 'stop' });
    // The first replica owns the data (it drops the PostgreSQL schema): it stops last.
    for (const r of [...replicas].reverse()) {
      r.process.send({ type: 'stop' });
      await exited(r.process);
    }
    await exited(raw.process);
    rmSync(dir, { recursive: true, force: true });
  }
}

function projection(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function figures(run: StoreRun, devices: number): BenchResult[] {
  const out: BenchResult[] = [];
  const waveFigures = (name: string, w: StoreRun['first'], extra: string): void => {
    const rate = w.sessions / w.seconds;
    const lat = p50p99(w.latencies);
    out.push({
      name: `fleet ${name}, ${run.label}`,
      unit: 'sessions/s',
      median: rate,
      n: w.sessions,
      baseline: w.raw,
      ratio: rate / w.raw,
      note:
        `server CPU ≈ ${w.serverCpu.toFixed(0)} µs/session; client CPU ≈ ${w.clientCpuPerSession.toFixed(0)} µs/session (raw run: ${w.rawClientCpu.toFixed(0)}); ` +
        `${w.commands} commands received${w.errors > 0 ? `; ${w.errors} ERRORS (${w.firstError ?? ''})` : ''}${extra}`,
    });
    out.push({ name: `fleet ${name} latency, ${run.label}`, unit: 'ms', median: lat.p50, p99: lat.p99, n: w.latencies.length });
  };
  const a = run.status.afterFirst;
  waveFigures('first-enrollment wave', run.first, `; after it: ${a.converged}/${a.devices} devices converged, ${a.unapplied} nodes not applied`);
  const d = run.status.afterDelta;
  const changesOk = d.changedApplied === 5 * devices;
  waveFigures(
    'delta wave (5 settings changed on every device)',
    run.delta,
    `; after it: ${d.converged}/${d.devices} devices converged, ${d.changedApplied} changed values applied (expected ${5 * devices}: ${changesOk ? 'ok' : 'WRONG'}), ${d.unapplied} nodes not applied`,
  );
  const deltaRate = run.delta.sessions / run.delta.seconds;
  const firstRate = run.first.sessions / run.first.seconds;
  out.push({
    name: `fleet time to converge after the change, ${devices} devices, ${run.label}`,
    unit: 's',
    median: run.delta.convergeSeconds,
    n: 1,
    note: `projected at this rate (${deltaRate.toFixed(0)}/s): 100k devices ${projection(100_000 / deltaRate)}, 1M ${projection(1_000_000 / deltaRate)}; server CPU for the whole wave: 100k ${((100_000 * run.delta.serverCpu) / 1e6 / 60).toFixed(1)} core-min, 1M ${((1_000_000 * run.delta.serverCpu) / 1e6 / 60).toFixed(0)} core-min`,
  });
  out.push({
    name: `fleet first-enrollment of the whole fleet, ${run.label}`,
    unit: 's',
    median: run.first.seconds,
    n: 1,
    note: `projected at this rate (${firstRate.toFixed(0)}/s): 100k devices ${projection(100_000 / firstRate)}, 1M ${projection(1_000_000 / firstRate)}`,
  });
  out.push({
    name: `fleet database bytes per device, ${run.label}`,
    unit: 'KiB',
    median: run.dbBytesPerDevice / 1024,
    n: 1,
    note: `projected: 100k devices ${((run.dbBytesPerDevice * 1e5) / 2 ** 30).toFixed(1)} GiB, 1M ${((run.dbBytesPerDevice * 1e6) / 2 ** 30).toFixed(0)} GiB`,
  });
  out.push({
    name: `fleet server peak RSS, ${run.label}`,
    unit: 'MiB',
    median: Math.max(...run.rssMiB),
    n: run.rssMiB.length,
    note: `peak ${run.rssMiB.map((m) => m.toFixed(0)).join(' + ')} MiB (${run.memory.join('; ')}); target < 300 MiB ${Math.max(...run.rssMiB) < 300 ? 'MET' : 'MISSED'}; the server's caches are bounded`,
  });
  return out;
}

export const fleetBench: BenchModule = {
  name: 'fleet',
  async run({ quick }) {
    const devices = Number(process.env['WINMDM_BENCH_FLEET_DEVICES'] ?? (quick ? 1_000 : 20_000));
    const fleet = fleetShape({ devices, ...SHAPE, seed: 15 });
    const pgUrl = process.env['WINMDM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    const only = process.env['WINMDM_BENCH_STORES'];
    const results: BenchResult[] = [];
    if (only !== 'postgres') results.push(...figures(await runStore('sqlite', fleet, pgUrl), devices));
    if (only !== 'sqlite') {
      if (await postgresReachable(pgUrl)) results.push(...figures(await runStore('postgres', fleet, pgUrl), devices));
      else results.push({ name: 'fleet on PostgreSQL', unit: '', median: Number.NaN, n: 0, note: `skipped: ${pgUrl} not reachable` });
    }
    return results;
  },
};
