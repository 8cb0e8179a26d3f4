/**
 * Resolve throughput: one device with 1 base policy + 20 assignments + 5 enforced policies of 500
 * keys each (issue 7: ≥ 2,000 resolutions/s on one core), paired with a bare last-writer-wins merge
 * of the same configs as the baseline; the same device with policy documents never seen before
 * (cold: the per-document preparation is memoised, see prepareConfig); and a sweep of total keys
 * from 1k to 100k showing that the cost per key stays flat (within 2×); and resolution shared
 * across devices in the fleet benchmark's sharing pattern (fleet/resolveShared.ts).
 *
 * Keys are drawn from a shared pool so that most keys are set by several layers, as in real
 * tenants where baselines and team policies tune the same CSPs. Each pool key has a common value
 * that a policy sets three times in four and departs from otherwise, so about a quarter of the
 * overlaps are conflicts. About one key in ten is written in the `./Vendor/MSFT/...` form that must
 * be normalised, and about one value in twenty is an object (`{ value, format }` or an ADMX-backed
 * `{ state, data }`).
 */
import {
  resolveEffectivePolicy,
  type ConfigValue,
  type Device,
  type ResolveInput,
  type WinPolicy,
} from '@winmdm/policy';
import {
  median,
  opsPerSecond,
  pairedNsPerOp,
  quantile,
  sampleNsPerOp,
  type BenchModule,
  type BenchResult,
  noteSweepSpread,
} from './harness.js';
import { keyPool, poolConfig, prng, randomValue, type PoolKey } from './generate.js';
import { sharedResolveFigures } from './fleet/resolveShared.js';

function makePolicy(id: string, keysPerPolicy: number, pool: readonly PoolKey[], random: () => number): WinPolicy {
  return { id, name: `Policy ${id}`, version: 1, config: poolConfig(keysPerPolicy, pool, random) };
}

/**
 * A device with 1 base + 20 assignments (priorities 0-9, so ties happen) + 5 enforced policies of
 * `keysPerPolicy` keys each, drawn from a pool of `poolSize` keys, and 20 device overrides.
 */
export function makeResolveInput(keysPerPolicy: number, poolSize: number, seed = 1): ResolveInput {
  const random = prng(seed);
  const pool = keyPool(poolSize, random);
  const id = (n: number): string => `65f0000000000000000000${n.toString(16).padStart(2, '0')}`;
  const policies: WinPolicy[] = [];
  for (let n = 0; n < 26; n++) policies.push(makePolicy(id(n), keysPerPolicy, pool, random));
  const deviceConfig: Record<string, ConfigValue> = {};
  for (let i = 0; i < 20; i++) deviceConfig[(pool[Math.floor(random() * poolSize)] as PoolKey).key] = randomValue(random);
  const device: Device = {
    id: 'bench-device',
    tags: ['bench'],
    winPolicyId: id(0),
    winPolicyAssignments: Array.from({ length: 20 }, (_, i) => ({ winPolicyId: id(i + 1), priority: i % 10 })),
    config: deviceConfig,
    winPolicyAssignmentsEnforced: Array.from({ length: 5 }, (_, i) => ({
      winPolicyId: id(i + 21),
      priority: i % 3,
      automationRule: {
        id: `rule-${i}`,
        name: `Rule ${i}`,
        deviceAudiences: [{ id: `aud-${i}`, name: 'Bench', reasons: ['tag:bench'] }],
      },
    })),
  };
  return { device, policies };
}

/** Every policy sets 500 keys drawn from a pool of 2,000: each key is set by ~6.5 layers on average. */
const KEYS_PER_POLICY = 500;
const POOL_RATIO = 2000 / (26 * 500);

/**
 * The floor any resolver pays to produce the effective config of the same input: the configs
 * copied into one object in precedence order (last writer wins), without normalisation,
 * provenance, conflicts or sorting. Used as the paired baseline.
 */
function naiveMerge(input: ResolveInput): Record<string, unknown> {
  const byId = new Map(input.policies.map((p) => [p.id, p]));
  const device = input.device;
  const assigned = [...(device.winPolicyAssignments ?? [])].sort((a, b) => b.priority - a.priority);
  const enforced = [...(device.winPolicyAssignmentsEnforced ?? [])].sort((a, b) => b.priority - a.priority);
  return Object.assign(
    {},
    byId.get(device.winPolicyId)?.config,
    ...assigned.map((a) => byId.get(a.winPolicyId)?.config),
    device.config,
    ...enforced.map((e) => byId.get(e.winPolicyId)?.config),
  );
}

export const resolveBench: BenchModule = {
  name: 'resolve',
  async run({ quick }) {
    const results: BenchResult[] = [];
    const input = makeResolveInput(KEYS_PER_POLICY, Math.round(26 * KEYS_PER_POLICY * POOL_RATIO));
    const samples = quick ? 15 : 60;
    const batch = quick ? 20 : 50;

    const { a: resolveNs, b: naiveNs } = pairedNsPerOp(
      () => resolveEffectivePolicy(input),
      () => naiveMerge(input),
      { samples, batch },
    );
    const ops = opsPerSecond('resolve: 1 base + 20 assignments + 5 enforced × 500 keys', resolveNs);
    const baseline = 1e9 / median(naiveNs);
    ops.baseline = baseline;
    ops.ratio = ops.median / baseline;
    ops.note =
      `${Math.round(median(resolveNs) / 1000)} µs/op; baseline: bare last-writer-wins Object.assign of the same configs; ` +
      `target ≥ 2,000 ops/s: ${ops.median >= 2000 ? 'met' : 'NOT met on this machine'}`;
    results.push(ops);

    // Cold: documents never resolved before, so the per-config preparation (key normalisation,
    // sorting, canonical values) is paid inside the measurement, as for freshly loaded policies.
    const coldSamples = quick ? 6 : 20;
    const warmup = 2;
    const fresh = Array.from({ length: coldSamples + warmup }, () => structuredClone(input));
    let next = 0;
    const coldNs = sampleNsPerOp(() => resolveEffectivePolicy(fresh[next++] as ResolveInput), {
      samples: coldSamples,
      batch: 1,
      warmup,
    });
    const cold = opsPerSecond('resolve, cold (documents never seen before)', coldNs);
    cold.note = `${Math.round(median(coldNs) / 1000)} µs/op`;
    results.push(cold);

    results.push(...sharedResolveFigures(quick));

    const sweep: BenchResult[] = [];
    for (const total of [1_000, 3_000, 10_000, 30_000, 100_000]) {
      const perPolicy = Math.round(total / 26);
      const sweepInput = makeResolveInput(perPolicy, Math.max(perPolicy, Math.round(total * POOL_RATIO)), total);
      const keys = perPolicy * 26;
      const sweepBatch = Math.max(1, Math.round((quick ? 100_000 : 400_000) / keys));
      const perOp = sampleNsPerOp(() => resolveEffectivePolicy(sweepInput), { samples: quick ? 9 : 25, batch: sweepBatch });
      const perKey = perOp.map((v) => v / keys);
      sweep.push({
        name: `resolve sweep: ${keys} total keys`,
        unit: 'ns/key',
        median: median(perKey),
        p99: quantile(perKey, 0.99),
        n: perKey.length,
      });
    }
    results.push(...noteSweepSpread(sweep));
    return results;
  },
};
