/**
 * Internal: how one data value relates to its ADMX element: typing (coercion), canonical wire
 * spelling, and element lookup. Decode, encode, equality and validation all go through here, so
 * they cannot disagree about what a value means.
 */
import type { AdmxDataValue, AdmxIssueCode } from './AdmxBackedValue.js';
import type { AdmxElement, AdmxEnumElement, AdmxEnumItem, AdmxPolicy } from './AdmxDefinition.js';
import { AdmxValueError } from './errors.js';

/** The multi-string separator of multiText and list values (written `&#xF000;`). */
export const SEPARATOR = '\uF000';

interface ElementIndex {
  exact: Map<string, AdmxElement>;
  folded: Map<string, AdmxElement | null>;
}

// Policies are plain immutable-by-convention data; index each once.
const indexes = new WeakMap<AdmxPolicy, ElementIndex>();

function indexOf(policy: AdmxPolicy): ElementIndex {
  let index = indexes.get(policy);
  if (index === undefined) {
    const exact = new Map<string, AdmxElement>();
    const folded = new Map<string, AdmxElement | null>();
    for (const element of policy.elements) {
      if (!exact.has(element.id)) exact.set(element.id, element);
      const key = element.id.toLowerCase();
      // null marks ids that differ only in case within one policy: no case-insensitive match then.
      folded.set(key, folded.has(key) ? null : element);
    }
    index = { exact, folded };
    indexes.set(policy, index);
  }
  return index;
}

/**
 * The element a data id names: the exact id first, otherwise the one element whose id matches
 * case-insensitively. Ids are matched without regard to case because admins retype them by hand;
 * that is safe because validation and encoding with a policy always write the definition's own
 * spelling, so the device receives the exact id either way.
 */
export function findElement(policy: AdmxPolicy, id: string): AdmxElement | undefined {
  const index = indexOf(policy);
  return index.exact.get(id) ?? index.folded.get(id.toLowerCase()) ?? undefined;
}

/** Result of typing a raw value for an element. */
export type Coerced =
  | { ok: true; value: AdmxDataValue }
  | { ok: false; code: AdmxIssueCode; message: string };

function describe(raw: unknown): string {
  if (Array.isArray(raw)) return 'a list';
  if (raw === null) return 'null';
  if (typeof raw === 'string') return `the string ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)}`;
  if (typeof raw === 'number' || typeof raw === 'boolean') return `${typeof raw} ${String(raw)}`;
  return typeof raw;
}

/** An integer from a JavaScript integer or a decimal string (`15`, `+015`, `-3`). */
export function parseInteger(raw: unknown): bigint | undefined {
  if (typeof raw === 'number') return Number.isInteger(raw) ? BigInt(raw) : undefined;
  if (typeof raw === 'string' && /^[+-]?[0-9]+$/.test(raw)) return BigInt(raw);
  return undefined;
}

/** A number when it is exact in JavaScript, otherwise its decimal string (longDecimal above 2^53). */
function integerValue(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

function enumItemMatches(item: AdmxEnumItem, raw: unknown): boolean {
  switch (item.value.type) {
    case 'decimal':
    case 'longDecimal': {
      const wanted = parseInteger(raw);
      return wanted !== undefined && wanted === BigInt(item.value.value);
    }
    case 'string':
      return (typeof raw === 'string' || typeof raw === 'number') && String(raw) === item.value.value;
    case 'delete':
      // An item that deletes the value has no value a payload could carry.
      return false;
  }
}

/** How an enum item's value is spelled for messages. */
function enumItemSpelling(item: AdmxEnumItem): string | undefined {
  return item.value.type === 'delete' ? undefined : String(item.value.value);
}

function coerceEnum(element: AdmxEnumElement, raw: unknown): Coerced {
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    return { ok: false, code: 'wrong-type', message: `expected one of the enum's item values, got ${describe(raw)}` };
  }
  const item = element.items.find((i) => enumItemMatches(i, raw));
  if (item === undefined) {
    const allowed = element.items.map(enumItemSpelling).filter((v) => v !== undefined);
    return {
      ok: false,
      code: 'enum-value-not-allowed',
      message: `${JSON.stringify(String(raw))} is not one of the allowed values ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
    };
  }
  const value = item.value;
  if (value.type === 'string') return { ok: true, value: value.value };
  if (value.type === 'delete') return wrongType('a value', raw);
  return { ok: true, value: integerValue(BigInt(value.value)) };
}

function wrongType(expected: string, raw: unknown): Coerced {
  return { ok: false, code: 'wrong-type', message: `expected ${expected}, got ${describe(raw)}` };
}

/**
 * Types a raw value (from JSON or from a payload string) for its element, without checking
 * bounds: text → string, multiText/list → string[] (a string is split at U+F000), decimal →
 * integer, boolean → boolean (`true`/`false`/`1`/`0`), enum → the matching item's value.
 */
export function coerce(element: AdmxElement, raw: unknown): Coerced {
  switch (element.type) {
    case 'text':
      if (typeof raw === 'string') return { ok: true, value: raw };
      if (typeof raw === 'number' && Number.isFinite(raw)) return { ok: true, value: String(raw) };
      return wrongType('a string', raw);
    case 'multiText':
    case 'list':
      if (typeof raw === 'string') return { ok: true, value: raw === '' ? [] : raw.split(SEPARATOR) };
      if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return { ok: true, value: [...raw] };
      return wrongType('a list of strings (or one string joined with U+F000)', raw);
    case 'decimal':
    case 'longDecimal': {
      const value = parseInteger(raw);
      return value === undefined ? wrongType('an integer', raw) : { ok: true, value: integerValue(value) };
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (raw === 1 || raw === 0) return { ok: true, value: raw === 1 };
      if (typeof raw === 'string') {
        const word = raw.toLowerCase();
        if (word === 'true' || word === '1') return { ok: true, value: true };
        if (word === 'false' || word === '0') return { ok: true, value: false };
      }
      return wrongType('true or false', raw);
    case 'enum':
      return coerceEnum(element, raw);
  }
}

/**
 * The payload spelling of a value, before XML escaping: booleans `true`/`false`, numbers in
 * decimal, lists joined with U+F000. Throws `AdmxValueError` for anything else.
 */
export function wireString(value: unknown, id: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AdmxValueError(`data "${id}" is ${String(value)}, which has no payload spelling`);
    return String(value);
  }
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value.join(SEPARATOR);
  throw new AdmxValueError(
    `data "${id}" must be a string, number, boolean or list of strings, got ${describe(value)}`,
  );
}

/**
 * The canonical payload spelling of a value: typed through its element when the policy knows it
 * (so `"015"` and `15` spell `15`, `"1"` and `true` spell `true`), else as given.
 */
export function canonicalWire(element: AdmxElement | undefined, raw: unknown, id: string): string {
  if (element !== undefined) {
    const typed = coerce(element, raw);
    if (typed.ok) return wireString(typed.value, id);
  }
  return wireString(raw, id);
}

/** One data entry in canonical form: the id as the policy spells it (if known), the wire string. */
export interface CanonicalEntry {
  id: string;
  wire: string;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The data of a value in canonical order: by id ignoring case, then by exact id, then by value.
 * Throws `AdmxValueError` when `data` is not an object or a value has no payload spelling.
 */
export function canonicalEntries(data: unknown, policy: AdmxPolicy | undefined): CanonicalEntry[] {
  if (data === undefined) return [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new AdmxValueError(`data must be an object mapping element ids to values, got ${describe(data)}`);
  }
  const entries = Object.entries(data).map(([id, raw]): CanonicalEntry => {
    const element = policy === undefined ? undefined : findElement(policy, id);
    return { id: element?.id ?? id, wire: canonicalWire(element, raw, id) };
  });
  return entries.sort(
    (a, b) =>
      compareStrings(a.id.toLowerCase(), b.id.toLowerCase()) || compareStrings(a.id, b.id) || compareStrings(a.wire, b.wire),
  );
}
