import type { AdmxBackedValue, AdmxDataValue, AdmxIssue } from './AdmxBackedValue.js';
import type { AdmxElement, AdmxPolicy } from './AdmxDefinition.js';
import { decodeAdmxBackedValue } from './decodeAdmxBackedValue.js';
import { coerce, findElement, parseInteger, SEPARATOR } from './elementValue.js';
import { AdmxValueError } from './errors.js';
import { describeChar, firstInvalidXmlChar } from './xmlText.js';

/** The outcome of {@link validateAdmxBackedValue}: `value` is present exactly when `issues` is empty. */
export interface AdmxValidationResult {
  value?: AdmxBackedValue;
  issues: AdmxIssue[];
}

// ADMX schema defaults (decimalElement / longDecimalElement / textElement / multiTextElement).
const DEFAULT_MIN_VALUE = 0;
const DEFAULT_MAX_VALUE = 9999;
const DEFAULT_MAX_LENGTH = 1023;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasRequired(element: AdmxElement): boolean {
  return 'required' in element && element.required;
}

/** Checks of a typed value against its element's bounds; pushes issues, returns nothing. */
function checkBounds(element: AdmxElement, value: AdmxDataValue, id: string, issues: AdmxIssue[]): void {
  const at = (...rest: number[]): (string | number)[] => ['data', id, ...rest];
  const checkChars = (text: string, path: (string | number)[]): boolean => {
    const bad = firstInvalidXmlChar(text);
    if (bad === -1) return true;
    issues.push({
      code: 'invalid-character',
      path,
      message: `holds ${describeChar(text, bad)} at index ${bad}, which XML (and so the payload) cannot carry`,
    });
    return false;
  };
  switch (element.type) {
    case 'text': {
      const text = value as string;
      if (!checkChars(text, at())) return;
      const max = element.maxLength ?? DEFAULT_MAX_LENGTH;
      if (text.length > max) {
        issues.push({ code: 'text-too-long', path: at(), message: `is ${text.length} characters long; "${element.id}" allows at most ${max}` });
      }
      if (element.required && text === '') {
        issues.push({ code: 'required-element-missing', path: at(), message: `"${element.id}" is required and must not be empty` });
      }
      return;
    }
    case 'multiText':
    case 'list': {
      const strings = value as string[];
      const max = element.type === 'multiText' ? (element.maxLength ?? DEFAULT_MAX_LENGTH) : undefined;
      strings.forEach((text, index) => {
        if (!checkChars(text, at(index))) return;
        if (text === '') {
          issues.push({ code: 'invalid-list-item', path: at(index), message: 'is empty; a multi-string value cannot hold an empty string' });
        } else if (text.includes(SEPARATOR)) {
          issues.push({ code: 'invalid-list-item', path: at(index), message: 'holds U+F000, the separator between strings' });
        } else if (max !== undefined && text.length > max) {
          issues.push({ code: 'text-too-long', path: at(index), message: `is ${text.length} characters long; each string of "${element.id}" allows at most ${max}` });
        }
      });
      if (element.type === 'multiText') {
        const maxStrings = element.maxStrings ?? 0;
        if (maxStrings > 0 && strings.length > maxStrings) {
          issues.push({ code: 'too-many-strings', path: at(), message: `has ${strings.length} strings; "${element.id}" allows at most ${maxStrings}` });
        }
        if (element.required && strings.length === 0) {
          issues.push({ code: 'required-element-missing', path: at(), message: `"${element.id}" is required and must hold at least one string` });
        }
      }
      return;
    }
    case 'decimal':
    case 'longDecimal': {
      const n = parseInteger(value);
      const min = element.minValue ?? DEFAULT_MIN_VALUE;
      const max = element.maxValue ?? DEFAULT_MAX_VALUE;
      if (n !== undefined && (n < BigInt(min) || n > BigInt(max))) {
        issues.push({ code: 'decimal-out-of-range', path: at(), message: `${n} is outside ${min}..${max} allowed for "${element.id}"` });
      }
      return;
    }
    case 'enum':
      if (typeof value === 'string') checkChars(value, at());
      return;
    case 'boolean':
      return;
  }
}

/**
 * Validates an ADMX-backed value against its policy's definition and returns it in canonical form.
 * The value arrives as an admin wrote it in a policy's `config`: either the payload string
 * (`<enabled/><data id="…" value="…"/>`, any published spelling; see `decodeAdmxBackedValue`) or
 * `{ state, data }`. Both are checked the same way, and problems come back as issues, never
 * thrown:
 *
 * - `invalid-payload`: the string is not a payload, or the input is not a value at all;
 * - `wrong-type`: a state other than enabled/disabled, `data` not an object, a value of the wrong
 *   type for its element;
 * - `unknown-element`, `duplicate-element`: a data id the policy does not have / has twice;
 * - `required-element-missing`: a required text, multiText, decimal, longDecimal or enum absent
 *   (or an empty string / empty list);
 * - `enum-value-not-allowed`: not one of the items' values (the `<decimal value>` or `<string>`
 *   of an item, exactly as Microsoft's examples send them; item positions are not accepted);
 * - `decimal-out-of-range`: outside `minValue`..`maxValue`, defaulting to ADMX's 0..9999;
 * - `text-too-long`: over `maxLength` (default 1023; per string for multiText);
 * - `too-many-strings`, `invalid-list-item`, `invalid-character`.
 *
 * The returned value (only when there are no issues) is canonical: ids in the definition's
 * spelling (ids match case-insensitively), values typed by their element, data sorted by id. A
 * `disabled` value is returned as `{ state: 'disabled' }`; its data is not checked.
 *
 * @example
 * ```ts
 * const { value, issues } = validateAdmxBackedValue('<Enabled/><Data id="l_galdownloadinitialdelay_value" value="15"/>', policy);
 * // value: { state: 'enabled', data: { L_GalDownloadInitialDelay_VALUE: 15 } }, issues: []
 * ```
 */
export function validateAdmxBackedValue(value: AdmxBackedValue | string, policy: AdmxPolicy): AdmxValidationResult {
  let input: unknown = value;
  if (typeof value === 'string') {
    try {
      input = decodeAdmxBackedValue(value, policy);
    } catch (err) {
      if (!(err instanceof AdmxValueError)) throw err;
      return { issues: [{ code: 'invalid-payload', path: [], message: err.message }] };
    }
  }
  if (!isRecord(input)) {
    return {
      issues: [{ code: 'invalid-payload', path: [], message: `expected a payload string or { state, data }, got ${input === null ? 'null' : typeof input}` }],
    };
  }
  const state = input['state'];
  if (state !== 'enabled' && state !== 'disabled') {
    return {
      issues: [{ code: 'wrong-type', path: ['state'], message: `state must be "enabled" or "disabled", got ${JSON.stringify(state) ?? 'undefined'}` }],
    };
  }
  if (state === 'disabled') return { value: { state }, issues: [] };

  const data = input['data'];
  if (data !== undefined && !isRecord(data)) {
    return { issues: [{ code: 'wrong-type', path: ['data'], message: 'data must be an object mapping element ids to values' }] };
  }
  const issues: AdmxIssue[] = [];
  const typed = new Map<string, AdmxDataValue>();
  const givenAs = new Map<string, string>();
  for (const [id, raw] of Object.entries(data ?? {})) {
    const element = findElement(policy, id);
    if (element === undefined) {
      issues.push({
        code: 'unknown-element',
        path: ['data', id],
        message: `policy "${policy.name}" has no element "${id}"` +
          (policy.elements.length > 0 ? `; its elements are ${policy.elements.map((e) => `"${e.id}"`).join(', ')}` : ' (it has no elements)'),
      });
      continue;
    }
    const earlier = givenAs.get(element.id);
    if (earlier !== undefined) {
      issues.push({ code: 'duplicate-element', path: ['data', id], message: `"${id}" and "${earlier}" both name element "${element.id}"` });
      continue;
    }
    givenAs.set(element.id, id);
    const result = coerce(element, raw);
    if (!result.ok) {
      issues.push({ code: result.code, path: ['data', id], message: `${element.type} element "${element.id}": ${result.message}` });
      continue;
    }
    checkBounds(element, result.value, id, issues);
    typed.set(element.id, result.value);
  }
  for (const element of policy.elements) {
    if (hasRequired(element) && !givenAs.has(element.id)) {
      issues.push({
        code: 'required-element-missing',
        path: ['data', element.id],
        message: `policy "${policy.name}" requires element "${element.id}" when enabled`,
      });
    }
  }
  if (issues.length > 0) return { issues };
  const entries = [...typed].sort(([a], [b]) => {
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
  return { value: entries.length === 0 ? { state } : { state, data: Object.fromEntries(entries) }, issues: [] };
}
