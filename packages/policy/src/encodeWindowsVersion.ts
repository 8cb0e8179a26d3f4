import type { WindowsVersionParts } from './parseWindowsVersion.js';

/**
 * Encodes a four-part Windows version as a semver version that sorts the same way:
 * `a.b.c.d` becomes `a.b.(c·65536 + d)`. Because `d` is at most 65535, the third semver part orders
 * first by `c` and then by `d`, so node-semver's ordering (and its ranges, whose literals are
 * encoded the same way) agree with a four-part numeric comparison.
 */
export function encodeWindowsVersion(parts: WindowsVersionParts): string {
  return `${parts[0]}.${parts[1]}.${parts[2] * 65536 + parts[3]}`;
}
