/** A Windows version as its four numeric parts (`major.minor.build.revision`). */
export type WindowsVersionParts = readonly [number, number, number, number];

/** The largest value of one part: Windows stores file and product versions as four 16-bit parts. */
export const MAX_VERSION_PART = 65535;

const VERSION = /^(0|[1-9]\d{0,4})(?:\.(0|[1-9]\d{0,4}))?(?:\.(0|[1-9]\d{0,4}))?(?:\.(0|[1-9]\d{0,4}))?$/;

/**
 * Parses a Windows version: one to four dot-separated decimal parts without leading zeros, each at
 * most 65535; missing parts are 0 (`1.2` is `1.2.0.0`). Returns `undefined` for anything else
 * (prerelease tags, a `v` prefix, five parts).
 *
 * @example
 * ```ts
 * parseWindowsVersion('10.0.19045.3803'); // [10, 0, 19045, 3803]
 * parseWindowsVersion('2.1');             // [2, 1, 0, 0]
 * ```
 */
export function parseWindowsVersion(version: string): WindowsVersionParts | undefined {
  const m = VERSION.exec(version);
  if (m === null) return undefined;
  const parts = [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)] as const;
  for (const p of parts) if (p > MAX_VERSION_PART) return undefined;
  return parts;
}
