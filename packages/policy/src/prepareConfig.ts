import type { Config } from './ConfigValueSchema.js';
import { canonicalize } from './canonicalize.js';
import { compareCodeUnits } from './compareCodeUnits.js';
import { normalizeOmaUri } from './normalizeOmaUri.js';

/** A raw key that lost to another raw key of the same config normalising alike. */
export interface DuplicateConfigKey {
  raw: string;
  key: string;
}

/** A config object ready to merge: normalised keys (unique) and canonical values, in parallel. */
export interface PreparedConfig {
  keys: string[];
  values: unknown[];
  duplicates: DuplicateConfigKey[];
  /** Whether `keys` are in code-unit order (see {@link prepareConfig}). */
  sorted: boolean;
}

/**
 * Preparation is memoised per config object: enumerating a large object (V8 keeps objects with
 * hundreds of keys in dictionary mode) and normalising its keys is a large part of the cost of a
 * merge, and the same policy documents are resolved for many devices. The documents are therefore
 * treated as immutable; a WeakMap lets them be collected as usual.
 */
const cache = new WeakMap<Config, PreparedConfig>();

function canonicalValue(value: unknown): unknown {
  return typeof value === 'object' ? canonicalize(value) : value;
}

/**
 * Normalises a config object's keys and canonicalises its values. When raw keys normalise alike, the
 * greatest raw key in code-unit order wins and the others are listed as duplicates.
 */
export function prepareConfig(config: Config): PreparedConfig {
  const cached = cache.get(config);
  if (cached !== undefined) {
    if (!cached.sorted) sortPrepared(cached);
    return cached;
  }
  const keys: string[] = [];
  const values: unknown[] = [];
  const duplicates: DuplicateConfigKey[] = [];
  // Only a key that changes under normalisation can collide with another, so those are set aside
  // (by normalised key) and settled after the others; unchanged keys are unique as object keys.
  let changed: Map<string, string[]> | undefined;
  for (const raw of Object.keys(config)) {
    const value = config[raw];
    if (value === undefined) continue;
    const key = normalizeOmaUri(raw);
    if (key !== raw) {
      changed ??= new Map();
      const group = changed.get(key);
      if (group === undefined) changed.set(key, [raw]);
      else group.push(raw);
      continue;
    }
    keys.push(key);
    values.push(canonicalValue(value));
  }
  if (changed !== undefined) {
    for (const [key, raws] of changed) {
      const writtenAsIs = Object.hasOwn(config, key) && config[key] !== undefined;
      const all = writtenAsIs ? [key, ...raws] : raws;
      const winner = all.reduce((a, b) => (b > a ? b : a));
      for (const raw of all) if (raw !== winner) duplicates.push({ raw, key });
      if (!writtenAsIs) {
        keys.push(key);
        values.push(canonicalValue(config[winner]));
      } else if (winner !== key) {
        values[keys.indexOf(key)] = canonicalValue(config[winner]);
      }
    }
  }
  const prepared = { keys, values, duplicates, sorted: false };
  cache.set(config, prepared);
  return prepared;
}

/**
 * Puts a prepared config's keys in code-unit order. The merge then meets keys in sorted runs, which
 * the final sort of the effective keys (TimSort) merges in far fewer comparisons. This is done on a
 * document's second use only: sorting costs more than it saves in a single resolution, so documents
 * resolved once (freshly loaded) do not pay for it, and documents resolved again and again do once.
 */
function sortPrepared(prepared: PreparedConfig): void {
  const { keys, values } = prepared;
  const order = keys.map((_, i) => i).sort((a, b) => compareCodeUnits(keys[a] as string, keys[b] as string));
  prepared.keys = order.map((i) => keys[i] as string);
  prepared.values = order.map((i) => values[i]);
  prepared.sorted = true;
}
