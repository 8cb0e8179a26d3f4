import semver from 'semver';
import { InvalidVersionRangeError } from './PolicyError.js';
import { encodeWindowsVersion } from './encodeWindowsVersion.js';
import { MAX_VERSION_PART, type WindowsVersionParts } from './parseWindowsVersion.js';

const OPERATOR_ONLY = /^(?:<=|>=|<|>|=|~>|~|\^)$/;
const COMPARATOR = /^(<=|>=|<|>|=|~>|~|\^)?v?([0-9xX*.]+)$/;
const PART = /^(?:0|[1-9]\d*|[xX*])$/;

interface Partial {
  /** The numeric leading parts (0 to 4 of them). */
  nums: number[];
  /** Whether all four parts are fixed: written with 3 or 4 numbers and no wildcard (`1.2.3` is `1.2.3.0`). */
  full: boolean;
}

function invalid(range: string, why: string): InvalidVersionRangeError {
  return new InvalidVersionRangeError(`Invalid allowedVersions range "${range}": ${why}`);
}

function parsePartial(text: string, range: string): Partial {
  const parts = (text.startsWith('v') ? text.slice(1) : text).split('.');
  if (parts.length > 4 || parts.some((p) => !PART.test(p))) throw invalid(range, `"${text}" is not a version`);
  const nums: number[] = [];
  let wildcard = false;
  for (const p of parts) {
    if (p === 'x' || p === 'X' || p === '*') {
      wildcard = true;
      continue;
    }
    if (wildcard) throw invalid(range, `"${text}" has a number after a wildcard`);
    const n = Number(p);
    if (n > MAX_VERSION_PART) throw invalid(range, `"${text}" has a part above ${MAX_VERSION_PART}`);
    nums.push(n);
  }
  return { nums, full: !wildcard && nums.length >= 3 };
}

function enc(a: number, b: number, c: number, d: number): string {
  return encodeWindowsVersion([a, b, c, d]);
}

/**
 * Rewrites one comparator (`op` + partial version) into encoded semver comparators. Partials of up
 * to two parts mean the same in both worlds and pass through; three- and four-part literals are
 * encoded. Two cases need more than a substitution because node-semver would read the encoded third
 * part as a patch level: a caret on `0.0.c[.d]` (semver allows patch changes only, which would pin
 * the fourth part) and a four-part wildcard `a.b.c.x`.
 */
function translateComparator(op: string, text: string, range: string): string {
  const { nums, full } = parsePartial(text, range);
  const operator = op === '~>' ? '~' : op;
  if (nums.length <= 2) return `${operator}${nums.length === 0 ? '*' : nums.join('.')}`;
  const [a, b, c] = nums as [number, number, number];
  if (full) {
    const lo = enc(a, b, c, nums[3] ?? 0);
    if (operator === '^' && a === 0 && b === 0) return `>=${lo} <${enc(0, 0, c + 1, 0)}`;
    return `${operator}${lo}`;
  }
  const lo = enc(a, b, c, 0);
  const hi = enc(a, b, c + 1, 0);
  switch (operator) {
    case '':
    case '=':
      return `>=${lo} <${hi}`;
    case '>=':
      return `>=${lo}`;
    case '>':
      return `>=${hi}`;
    case '<':
      return `<${lo}`;
    case '<=':
      return `<${hi}`;
    case '~':
      return `~${lo}`;
    default: // '^'
      return a === 0 && b === 0 ? `>=${lo} <${hi}` : `^${lo}`;
  }
}

function translateSet(set: string, range: string): string {
  const trimmed = set.trim();
  if (trimmed === '') return '*';
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(trimmed);
  // A hyphen range `A - B` is exactly `>=A <=B` in node-semver, partials included.
  if (hyphen !== null) {
    return `${translateComparator('>=', hyphen[1] as string, range)} ${translateComparator('<=', hyphen[2] as string, range)}`;
  }
  const tokens = trimmed.split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let token = tokens[i] as string;
    // node-semver accepts an operator standing apart from its version (`>= 1.2.3`).
    if (OPERATOR_ONLY.test(token)) {
      const next = tokens[++i];
      if (next === undefined) throw invalid(range, `"${token}" has no version`);
      token += next;
    }
    const m = COMPARATOR.exec(token);
    if (m === null) throw invalid(range, `"${token}" is not a comparator`);
    out.push(translateComparator(m[1] ?? '', m[2] as string, range));
  }
  return out.join(' ');
}

/**
 * Compiles an `allowedVersions` range (node-semver syntax, with 3- or 4-part Windows versions) into
 * a predicate over parsed versions. A three-part literal is the four-part version with revision 0
 * (`1.2.3` is `1.2.3.0`); `1.2.3.x` covers every revision of 1.2.3. Prerelease tags are not
 * Windows versions and are rejected.
 *
 * @throws {InvalidVersionRangeError} when the range cannot be read.
 */
export function compileAllowedVersions(range: string): (version: WindowsVersionParts) => boolean {
  const translated = range.split('||').map((set) => translateSet(set, range)).join(' || ');
  let compiled: semver.Range;
  try {
    compiled = new semver.Range(translated);
  } catch (cause) {
    throw new InvalidVersionRangeError(`Invalid allowedVersions range "${range}"`, { cause });
  }
  return (version) => compiled.test(encodeWindowsVersion(version));
}
