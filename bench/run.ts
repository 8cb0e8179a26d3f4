/**
 * `npm run bench`: runs every benchmark module and prints one table.
 *
 *   npm run bench                       the full run (under ten minutes)
 *   npm run bench -- --quick            a smoke run (under a minute)
 *   npm run bench -- --json out.json    also writes the figures as JSON
import { policyStatusBench } from './policyStatus.bench.js';
import { nodeStatesBench } from './nodestates.bench.js';

const modules: BenchModule[] = [codecBench, resolveBench, planBench, checkinBench, routerBench, nodeStatesBench, fleetBench, policyStatusBench];
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { BenchModule, BenchResult } from './harness.js';
import { codecBench } from './codec.bench.js';
import { resolveBench } from './resolve.bench.js';
import { planBench } from './plan.bench.js';
import { checkinBench } from './checkin.bench.js';
import { routerBench } from './router.bench.js';
import { fleetBench } from './fleet.bench.js';
import { policyStatusBench } from './policyStatus.bench.js';
import { nodeStatesBench } from './nodestates.bench.js';

const modules: BenchModule[] = [codecBench, resolveBench, planBench, checkinBench, routerBench, nodeStatesBench, fleetBench, policyStatusBench];

function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function table(results: readonly BenchResult[]): string {
  const rows = [
    ['benchmark', 'unit', 'median', 'p99', 'n', 'baseline', 'ratio', 'note'],
    ...results.map((r) => [r.name, r.unit, format(r.median), format(r.p99), String(r.n), format(r.baseline), format(r.ratio), r.note ?? '']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row, index) => {
      const line = row.map((cell, i) => (i >= 2 && i <= 6 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
      return index === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { quick: { type: 'boolean' }, json: { type: 'string' }, only: { type: 'string', multiple: true } },
});
const quick = values.quick ?? false;
const selected = values.only ? modules.filter((m) => values.only!.some((o) => m.name.includes(o))) : modules;
const machine = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
console.log(`winmdm benchmarks (${quick ? 'quick' : 'full'}) on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n`);

const results: BenchResult[] = [];
const started = Date.now();
for (const module of selected) {
  const t0 = Date.now();
  process.stdout.write(`running ${module.name}...`);
  const figures = await module.run({ quick });
  results.push(...figures);
  process.stdout.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
console.log(`\n${table(results)}\n\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ ...machine, quick, date: new Date().toISOString(), results }, null, 2)}\n`);
  console.log(`figures written to ${values.json}`);
}
