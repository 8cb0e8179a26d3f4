import type { AdmxBackedValue } from './AdmxBackedValue.js';
import type { AdmxPolicy } from './AdmxDefinition.js';
import { decodeAdmxBackedValue } from './decodeAdmxBackedValue.js';
import { canonicalEntries } from './elementValue.js';
import { AdmxValueError } from './errors.js';

type Comparable = { state: string; entries: { id: string; wire: string }[] } | { raw: string };

function comparable(value: AdmxBackedValue | string, policy: AdmxPolicy | undefined): Comparable {
  let decoded: AdmxBackedValue;
  if (typeof value === 'string') {
    try {
      decoded = decodeAdmxBackedValue(value, policy);
    } catch (err) {
      if (err instanceof AdmxValueError) return { raw: value.trim() };
      throw err;
    }
  } else {
    decoded = value;
  }
  const state = String(decoded.state).toLowerCase();
  if (state === 'disabled') return { state, entries: [] };
  const entries = canonicalEntries(decoded.data, policy)
    .map((e) => ({ id: e.id.toLowerCase(), wire: e.wire }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.wire < b.wire ? -1 : a.wire > b.wire ? 1 : 0));
  return { state, entries };
}

/**
 * Whether two ADMX-backed values mean the same, e.g. the desired value and the device's report of
 * it. Insensitive to the case of tags (`<Enabled/>`, `<Data>`), the order of data, whitespace,
 * XML escaping, number-vs-string spelling (`15` equals `"15"`) and the case of element ids (ids
 * are compared case-insensitively). Two `disabled` values are equal whatever data they carry.
 *
 * With the policy, values are compared as their element types them: `"015"` equals `15` for a
 * decimal, `"1"` equals `true` for a boolean, a U+F000-joined string equals the list of its parts.
 * Either side may be a payload string; a string that is not a valid payload equals only the same
 * string (after trimming), so a garbled device report never passes for the desired value.
 *
 * @example
 * ```ts
 * admxBackedValuesEqual('<Enabled/><Data id="x" value="15"/>', { state: 'enabled', data: { X: 15 } }); // true
 * ```
 */
export function admxBackedValuesEqual(
  a: AdmxBackedValue | string,
  b: AdmxBackedValue | string,
  policy?: AdmxPolicy,
): boolean {
  const left = comparable(a, policy);
  const right = comparable(b, policy);
  if ('raw' in left || 'raw' in right) return 'raw' in left && 'raw' in right && left.raw === right.raw;
  return (
    left.state === right.state &&
    left.entries.length === right.entries.length &&
    left.entries.every((e, i) => e.id === right.entries[i]?.id && e.wire === right.entries[i]?.wire)
  );
}
