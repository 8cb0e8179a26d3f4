/**
 * The value of one data element: a string (text, enum string items), a number (decimal,
 * longDecimal, enum decimal items), a boolean, or a list of strings (multiText, list).
 */
export type AdmxDataValue = string | number | boolean | string[];

/**
 * An ADMX-backed policy value as data: what `<enabled/><data id="…" value="…"/>` says.
 * `data` maps element ids to values; it carries no meaning when `state` is `disabled`.
 *
 * @example
 * ```ts
 * const value: AdmxBackedValue = {
 *   state: 'enabled',
 *   data: { L_ServerAddressInternal_VALUE: 'TextValue1', L_ServerAddressExternal_VALUE: 'TextValue2' },
 * };
 * ```
 */
export interface AdmxBackedValue {
  state: 'enabled' | 'disabled';
  data?: Record<string, AdmxDataValue>;
}

/** What can be wrong with an ADMX-backed value, found by `validateAdmxBackedValue`. */
export type AdmxIssueCode =
  /** A string value that does not follow the payload grammar, or an input that is no value at all. */
  | 'invalid-payload'
  /** `state` is not enabled/disabled, `data` is not an object, or a data value has the wrong type. */
  | 'wrong-type'
  /** A data id that matches no element of the policy. */
  | 'unknown-element'
  /** Two data ids that name the same element (ids match case-insensitively). */
  | 'duplicate-element'
  /** A required element (text, multiText, decimal, longDecimal, enum) is absent or empty. */
  | 'required-element-missing'
  /** An enum value that is none of the items' values. */
  | 'enum-value-not-allowed'
  /** A decimal or longDecimal outside `minValue`..`maxValue` (defaults 0..9999). */
  | 'decimal-out-of-range'
  /** A text (or one string of a multiText) longer than `maxLength` (default 1023). */
  | 'text-too-long'
  /** A multiText with more strings than its `maxStrings`. */
  | 'too-many-strings'
  /** An empty string, or one holding the U+F000 separator, inside a multiText or list. */
  | 'invalid-list-item'
  /** A character XML cannot carry (control characters, unpaired surrogates). */
  | 'invalid-character';

/**
 * A problem found in an ADMX-backed value, as data (never thrown). `path` locates it in the
 * value: `['data', id]`, `['data', id, index]` for one string of a list, `['state']`, or `[]`.
 */
export interface AdmxIssue {
  code: AdmxIssueCode;
  path: (string | number)[];
  message: string;
}
