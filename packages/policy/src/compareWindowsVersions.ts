import { InvalidWindowsVersionError } from './PolicyError.js';
import { parseWindowsVersion, type WindowsVersionParts } from './parseWindowsVersion.js';

/** Parses a version or throws {@link InvalidWindowsVersionError}. */
export function parseWindowsVersionOrThrow(version: string): WindowsVersionParts {
  const parts = parseWindowsVersion(version);
  if (parts === undefined) {
    throw new InvalidWindowsVersionError(
      `Invalid Windows version "${version}": expected 1 to 4 dot-separated numbers, each 0-65535`,
    );
  }
  return parts;
}

/** Compares parsed versions part by part. */
export function compareVersionParts(a: WindowsVersionParts, b: WindowsVersionParts): -1 | 0 | 1 {
  for (let i = 0; i < 4; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Compares two Windows versions numerically on all four parts (`10.0.19045.3803` vs
 * `10.0.19045.10`: the fourth part counts; missing parts are 0, so `1.2` equals `1.2.0.0`).
 * Returns -1, 0 or 1, so it can be passed to `Array.prototype.sort`.
 *
 * @throws {InvalidWindowsVersionError} when either argument is not a Windows version.
 *
 * @example
 * ```ts
 * compareWindowsVersions('10.0.19045.3803', '10.0.19045.10'); // 1
 * ['2.0', '1.10.0.1', '1.9'].sort(compareWindowsVersions);  // ['1.9', '1.10.0.1', '2.0']
 * ```
 */
export function compareWindowsVersions(a: string, b: string): -1 | 0 | 1 {
  return compareVersionParts(parseWindowsVersionOrThrow(a), parseWindowsVersionOrThrow(b));
}
