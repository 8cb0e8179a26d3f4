/**
 * Prints where a CPU profile's time goes: self time by function (top N) and the time spent inside
 * (inclusive) a few functions of interest. For the profiles WINMDM_BENCH_PROFILE writes.
 *
 *   node --import tsx bench/profileTop.ts <file.cpuprofile> [top=25] [function names to total inclusively...]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, topArg, ...inclusive] = process.argv.slice(2);
if (!file) throw new Error('usage: profileTop.ts <file.cpuprofile> [top] [functions...]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: Node): string => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}`;
const self = new Map<string, number>();
const inside = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const node = byId.get(id);
  if (!node) return;
  total += dt;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = byId.get(at)?.callFrame.functionName ?? '';
    if (inclusive.includes(name) && !seen.has(name)) {
      seen.add(name);
      inside.set(name, (inside.get(name) ?? 0) + dt);
    }
  }
});
const idle = self.get('(idle) ') ?? 0;
console.log(`total ${(total / 1000).toFixed(0)} ms, busy ${((total - idle) / 1000).toFixed(0)} ms`);
const pct = (v: number): string => `${((100 * v) / (total - idle)).toFixed(1)}%`.padStart(6);
for (const [name, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))) {
  if (name !== '(idle) ') console.log(`${(v / 1000).toFixed(0).padStart(7)} ms ${pct(v)}  ${name}`);
}
for (const name of inclusive) console.log(`inside ${name}: ${((inside.get(name) ?? 0) / 1000).toFixed(0)} ms ${pct(inside.get(name) ?? 0)}`);
