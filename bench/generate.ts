/**
 * Seeded generators of realistic policy content, shared by the resolve and fleet benchmarks: keys
 * drawn from a shared pool (so that most keys are set by several layers), each with a common value
 * that a policy sets three times in four and departs from otherwise (so about a quarter of the
 * overlaps are conflicts); about one key in ten written in the `./Vendor/MSFT/...` form that must be
 * normalised, and about one value in twenty an object (`{ value, format }` or an ADMX-backed
 * `{ state, data }`).
 */
import type { ConfigValue } from '@winmdm/policy';

/** A small seeded PRNG (mulberry32) so that every run measures the same input. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AREAS = ['Security', 'DeviceLock', 'Defender', 'Update', 'Browser', 'Experience', 'Privacy', 'Start', 'System', 'WiFi'];

export function randomValue(random: () => number): ConfigValue {
  const r = random();
  if (r < 0.03) return { value: Math.floor(random() * 4), format: 'int' };
  if (r < 0.05) return { state: 'enabled', data: { Element_VALUE: `v${Math.floor(random() * 3)}` } };
  if (r < 0.5) return Math.floor(random() * 3);
  if (r < 0.8) return String(Math.floor(random() * 3));
  return random() < 0.5;
}

/** One key of the shared pool and the value most policies give it. */
export interface PoolKey {
  key: string;
  common: ConfigValue;
}

/** A pool of `size` Policy CSP keys. */
export function keyPool(size: number, random: () => number): PoolKey[] {
  return Array.from({ length: size }, (_, i) => ({
    key: `${random() < 0.1 ? './Vendor/MSFT' : './Device/Vendor/MSFT'}/Policy/Config/${AREAS[i % AREAS.length]}/Setting${i}`,
    common: randomValue(random),
  }));
}

/** A config of `keys` keys picked from `pool`, each with the pool's common value three times in four. */
export function poolConfig(keys: number, pool: readonly PoolKey[], random: () => number): Record<string, ConfigValue> {
  const config: Record<string, ConfigValue> = {};
  const picked = new Set<number>();
  while (picked.size < Math.min(keys, pool.length)) picked.add(Math.floor(random() * pool.length));
  for (const i of picked) {
    const { key, common } = pool[i] as PoolKey;
    config[key] = random() < 0.75 ? common : randomValue(random);
  }
  return config;
}
