/**
 * Canonical forms of JSON-like values. Output of the resolver is built from canonical values so that
 * the key order of the input's objects never shows in the output, and so that deep equality is
 * cheap to decide.
 */

/**
 * Returns a copy of `value` in which every plain object has its keys in code-unit order and
 * `undefined` properties are left out (as `JSON.stringify` would). Primitives are returned as is;
 * arrays keep their order (their order is data).
 */
export function canonicalize<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(canonicalize) as T;
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = source[key];
    if (v === undefined) continue;
    setOwn(out, key, canonicalize(v));
  }
  return out as T;
}

/** `JSON.stringify` of the canonical form: equal for deeply equal values whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value)) ?? 'undefined';
}

/** Deep equality of JSON-like values (key order ignored, array order significant). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(rb, k) || !deepEqual(ra[k], rb[k])) return false;
  }
  return true;
}

/**
 * Sets an own data property, also for the key `__proto__` (which a plain assignment would turn into
 * a prototype change).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
