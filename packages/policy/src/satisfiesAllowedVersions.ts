import { compileAllowedVersions } from './compileAllowedVersions.js';
import { parseWindowsVersionOrThrow } from './compareWindowsVersions.js';

/**
 * Whether a Windows version satisfies an `allowedVersions` range. The range is node-semver syntax
 * (`>=1.0.0`, `^2.1`, `~1.4.2`, `1.2 - 1.5`, `1.2.x`, `||`) whose versions may have four parts;
 * comparison is numeric on all four parts. A three-part literal means revision 0 (`<=1.2.3` excludes
 * `1.2.3.5`); write `<=1.2.3.x` or `<1.2.4` to include every revision. An empty range or `*`
 * allows every version.
 *
 * @throws {InvalidVersionRangeError} when the range cannot be read.
 * @throws {InvalidWindowsVersionError} when the version is not a Windows version.
 *
 * @example
 * ```ts
 * satisfiesAllowedVersions('10.0.19045.3803', '>=10.0.19045.3000 <10.0.22000'); // true
 * satisfiesAllowedVersions('1.2.3.5', '<=1.2.3');                                // false
 * ```
 */
export function satisfiesAllowedVersions(version: string, range: string): boolean {
  const test = compileAllowedVersions(range);
  return test(parseWindowsVersionOrThrow(version));
}
