/**
 * The benchmark harness's building blocks. Every figure is a median over repeated runs after
 * warm-up; paired comparisons alternate A and B in the same process so that a noisy machine
 * moves both.
 */

/** One line of the report (and one object of `--json`). */
export interface BenchResult {
  name: string;
  /** What `median` and `p99` count, e.g. `ops/s`, `µs/op`, `ns/key`, `sessions/s`, `ms`, `MiB`. */
  unit: string;
  median: number;
  p99?: number;
  /** How many samples the median is taken over. */
  n: number;
  /** For paired runs: the baseline's median in the same unit, and `median / baseline`. */
  baseline?: number;
  ratio?: number;
  /** Free-form remark printed beside the figure (e.g. a target and whether it was met). */
  note?: string;
}

/** Options every benchmark module receives. */
export interface BenchOptions {
  /** A smoke run: fewer and shorter samples, the whole suite in under a minute. */
  quick: boolean;
}

/** A benchmark module: a name for filtering and a function producing its figures. */
export interface BenchModule {
  name: string;
  run(options: BenchOptions): Promise<BenchResult[]>;
}

/** The median of a list of numbers (the list is not modified). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The q-quantile (0..1) of a list of numbers by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/**
 * Times `fn` in samples: each sample runs it `batch` times and records nanoseconds per call.
 * Warm-up samples are discarded so that the JIT has settled before anything is recorded.
 */
export function sampleNsPerOp(
  fn: () => unknown,
  { samples, batch, warmup = Math.max(2, Math.ceil(samples / 5)) }: { samples: number; batch: number; warmup?: number },
): number[] {
  const out: number[] = [];
  for (let s = 0; s < warmup + samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    const ns = Number(process.hrtime.bigint() - t0) / batch;
    if (s >= warmup) out.push(ns);
  }
  return out;
}

/**
 * Times A and B alternately (A, B, A, B, ...) and returns both sample lists, so that drift in
 * machine load affects both sides alike.
 */
export function pairedNsPerOp(
  a: () => unknown,
  b: () => unknown,
  options: { samples: number; batch: number; warmup?: number },
): { a: number[]; b: number[] } {
  const as: number[] = [];
  const bs: number[] = [];
  const warmup = options.warmup ?? Math.max(2, Math.ceil(options.samples / 5));
  for (let s = 0; s < warmup + options.samples; s++) {
    const [sa] = sampleNsPerOp(a, { samples: 1, batch: options.batch, warmup: 0 });
    const [sb] = sampleNsPerOp(b, { samples: 1, batch: options.batch, warmup: 0 });
    if (s >= warmup) {
      as.push(sa as number);
      bs.push(sb as number);
    }
  }
  return { a: as, b: bs };
}

/** Turns ns-per-op samples into an ops/s figure (median and the slow-tail p99 in ops/s). */
export function opsPerSecond(name: string, nsSamples: readonly number[]): BenchResult {
  return {
    name,
    unit: 'ops/s',
    median: 1e9 / median(nsSamples),
    p99: 1e9 / quantile(nsSamples, 0.99),
    n: nsSamples.length,
  };
}

/**
 * Notes on the last point of a size sweep how much the cost per key varies across it (the target:
 * flat within 2x), and returns the sweep.
 */
export function noteSweepSpread(sweep: BenchResult[]): BenchResult[] {
  const costs = sweep.map((r) => r.median);
  const spread = Math.max(...costs) / Math.min(...costs);
  const last = sweep.at(-1);
  if (last) last.note = `max/min ns per key across the sweep: ${spread.toFixed(2)}× (target ≤ 2×: ${spread <= 2 ? 'met' : 'NOT met'})`;
  return sweep;
}
