import type { AdmxBackedValue } from './AdmxBackedValue.js';
import type { AdmxPolicy } from './AdmxDefinition.js';
import { canonicalEntries } from './elementValue.js';
import { AdmxValueError } from './errors.js';
import { describeChar, escapeXmlAttribute, firstInvalidXmlChar } from './xmlText.js';

function attribute(text: string, what: string): string {
  const bad = firstInvalidXmlChar(text);
  if (bad !== -1) {
    throw new AdmxValueError(`${what} holds ${describeChar(text, bad)} at index ${bad}, which XML cannot carry`);
  }
  return escapeXmlAttribute(text);
}

/**
 * Writes an ADMX-backed value as the canonical payload a Policy CSP node takes:
 * `<enabled/>` followed by `<data id="…" value="…"/>` for each entry sorted by id (case-insensitive,
 * then exact), or `<disabled/>` alone (data ignored). Values are XML-attribute-escaped, lists are
 * joined with `&#xF000;` (written as that character reference, as Microsoft documents), booleans
 * are `true`/`false`, tab/CR/LF are written as character references so they survive attribute
 * normalisation.
 *
 * Canonical means equal values encode byte-identically, whatever their key order: the planner
 * compares encodings. With the policy, ids take the definition's spelling and values its canonical
 * form (`"015"` → `15`, `"1"` → `true` for a boolean, an enum value → the item's value), so values
 * that are equal for {@link admxBackedValuesEqual} with that policy encode identically too.
 * Encoding does not validate (use `validateAdmxBackedValue` first); it throws `AdmxValueError`
 * only for what cannot be written at all: a state other than enabled/disabled, data that is not an
 * object, a value of another type, a non-finite number, a character XML cannot carry.
 *
 * @example
 * ```ts
 * encodeAdmxBackedValue({ state: 'enabled', data: { b: ['x', 'y'], a: 15 } });
 * // '<enabled/><data id="a" value="15"/><data id="b" value="x&#xF000;y"/>'
 * ```
 */
export function encodeAdmxBackedValue(value: AdmxBackedValue, policy?: AdmxPolicy): string {
  if (typeof value !== 'object' || value === null) {
    throw new AdmxValueError(`ADMX-backed value must be an object with a state, got ${value === null ? 'null' : typeof value}`);
  }
  if (value.state === 'disabled') return '<disabled/>';
  if (value.state !== 'enabled') {
    throw new AdmxValueError(`ADMX-backed value state must be "enabled" or "disabled", got ${JSON.stringify(value.state)}`);
  }
  let out = '<enabled/>';
  for (const entry of canonicalEntries(value.data, policy)) {
    out += `<data id="${attribute(entry.id, 'data id')}" value="${attribute(entry.wire, `data "${entry.id}"`)}"/>`;
  }
  return out;
}
