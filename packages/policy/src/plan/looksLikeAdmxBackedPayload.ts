// After optional whitespace and an optional CDATA opening: a state tag, raw or entity-escaped.
const PAYLOAD_START = /^[ \t\r\n]*(?:<!\[CDATA\[[ \t\r\n]*)?(?:<|&lt;)(?:enabled|disabled)\b/i;

/**
 * Whether a config string is meant as an ADMX-backed payload (`<enabled/><data id=… value=…/>`,
 * `<disabled/>`) rather than plain text: it starts, after whitespace, with an `<enabled` or
 * `<disabled` tag in any letter case, also inside a CDATA section or entity-escaped
 * (`&lt;enabled/&gt;`), the spellings `decodeAdmxBackedValue` accepts. Internal.
 *
 * @example
 * ```ts
 * looksLikeAdmxBackedPayload('<Enabled/><Data id="x" value="1"/>'); // true
 * looksLikeAdmxBackedPayload('https://intranet.example.com');       // false
 * ```
 */
export function looksLikeAdmxBackedPayload(text: string): boolean {
  return PAYLOAD_START.test(text);
}
