/**
 * Internal: the few XML text rules this package applies by hand (entity decoding, attribute
 * normalisation, escaping), shared by the document reader and the value payload codec.
 */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

/** A code point XML 1.0 can carry (production `Char`). */
export function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

// Control characters, U+FFFE/U+FFFF and unpaired surrogates: nothing XML 1.0 can hold, not even
// as a character reference. With the `u` flag a well-formed surrogate pair is one astral code
// point, so the surrogate range below only matches an unpaired half.
const INVALID_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/u;

/** The code-unit index of the first character XML cannot carry, or -1. */
export function firstInvalidXmlChar(text: string): number {
  const match = INVALID_XML_CHAR.exec(text);
  return match === null ? -1 : match.index;
}

/** `U+XXXX` spelling of the code unit at `index`, for messages. */
export function describeChar(text: string, index: number): string {
  const unit = text.charCodeAt(index);
  return `U+${unit.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Replaces the five predefined entities and numeric character references. Anything else that
 * starts with `&` is an error: with DTDs refused, no other entity can be defined.
 */
export function decodeXmlEntities(text: string, fail: (message: string) => never): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) fail(`unterminated entity reference "${whole}"`);
    const named = Object.hasOwn(NAMED_ENTITIES, body) ? NAMED_ENTITIES[body] : undefined;
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
    if (numeric === null) fail(`unknown entity "&${body};"`);
    const hex = numeric[1];
    const cp = hex !== undefined ? Number.parseInt(hex, 16) : Number.parseInt(numeric[2] ?? '', 10);
    if (!Number.isSafeInteger(cp) || !isXmlChar(cp)) {
      fail(`character reference "&${body};" names a character XML does not allow`);
    }
    return String.fromCodePoint(cp);
  });
}

/**
 * XML end-of-line handling then attribute-value normalisation (XML 1.0 §2.11, §3.3.3): a literal
 * tab, CR or LF inside an attribute value is read as a space. Character references survive, which
 * is why the encoder writes those characters as references.
 */
export function normalizeAttributeWhitespace(raw: string): string {
  return raw.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' ');
}

/** XML end-of-line handling for text content. */
export function normalizeLineEnds(raw: string): string {
  return raw.replace(/\r\n?/g, '\n');
}

const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
  // Microsoft documents the multi-string separator written as this reference; writing it so
  // (rather than the raw private-use character) keeps payloads readable and byte-stable.
  '\uF000': '&#xF000;',
};

/**
 * Escapes a string for a double-quoted XML attribute value. The caller must have checked
 * {@link firstInvalidXmlChar} first.
 */
export function escapeXmlAttribute(text: string): string {
  return text.replace(/[&<>"\t\n\r\uF000]/g, (c) => ATTRIBUTE_ESCAPES[c] ?? c);
}
