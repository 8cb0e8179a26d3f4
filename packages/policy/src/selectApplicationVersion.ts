import { canonicalJson } from './canonicalize.js';
import { compileAllowedVersions } from './compileAllowedVersions.js';
import { compareVersionParts, parseWindowsVersionOrThrow } from './compareWindowsVersions.js';
import type { WindowsVersionParts } from './parseWindowsVersion.js';

/**
 * Chooses the catalog version to install: the highest version (four-part numeric order) that
 * satisfies `allowedVersions`, or the highest of all when no range is given. Returns `undefined`
 * when none satisfies the range. Equal versions written differently (`1.2` and `1.2.0.0`) are
 * ordered by their text and then their content, so the choice never depends on list order.
 *
 * @throws {InvalidVersionRangeError} when the range cannot be read.
 * @throws {InvalidWindowsVersionError} when a catalog version is not a Windows version.
 *
 * @example
 * ```ts
 * selectApplicationVersion(
 *   [{ version: '1.0.0' }, { version: '1.2.0.1234' }, { version: '2.0' }],
 *   '>=1.0.0 <2',
 * ); // { version: '1.2.0.1234' }
 * ```
 */
export function selectApplicationVersion<T extends { readonly version: string }>(
  versions: readonly T[],
  allowedVersions?: string,
): T | undefined {
  const test = allowedVersions === undefined ? undefined : compileAllowedVersions(allowedVersions);
  let best: T | undefined;
  let bestParts: WindowsVersionParts | undefined;
  for (const candidate of versions) {
    const parts = parseWindowsVersionOrThrow(candidate.version);
    if (test !== undefined && !test(parts)) continue;
    if (best === undefined || bestParts === undefined || isBetter(candidate, parts, best, bestParts)) {
      best = candidate;
      bestParts = parts;
    }
  }
  return best;
}

function isBetter<T extends { readonly version: string }>(
  candidate: T,
  parts: WindowsVersionParts,
  best: T,
  bestParts: WindowsVersionParts,
): boolean {
  const byParts = compareVersionParts(parts, bestParts);
  if (byParts !== 0) return byParts > 0;
  if (candidate.version !== best.version) return candidate.version > best.version;
  return canonicalJson(candidate) > canonicalJson(best);
}
