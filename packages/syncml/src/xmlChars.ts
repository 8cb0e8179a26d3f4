/**
 * XML 1.0 character rules shared by the parser and both serializers: which characters may appear,
 * how references decode, how text and CDATA are written. Internal to the package.
 */
import { SyncMLNotXmlError } from './SyncMLError.js';

/** Any character outside XML 1.0's `Char` production (controls, U+FFFE/U+FFFF, lone surrogates). */
const INVALID_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Index of the first character XML 1.0 cannot carry, or -1. */
export function findInvalidChar(text: string): number {
  const match = INVALID_XML_CHAR.exec(text);
  return match === null ? -1 : match.index;
}

/** `U+0001`-style name of the code point at `index`, for error messages. */
export function describeChar(text: string, index: number): string {
  const cp = text.codePointAt(index) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

function isXmlCodePoint(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,10})|#x([0-9a-fA-F]{1,8}));/y;

/**
 * Throws unless every `&` in `raw` starts one of the five predefined entity references or a
 * character reference to a legal XML character. Nothing else is ever expanded: with DTDs refused,
 * any other name is undeclared, which XML makes a fatal error.
 */
export function checkReferences(raw: string, offset: number): void {
  let amp = raw.indexOf('&');
  while (amp !== -1) {
    REFERENCE.lastIndex = amp;
    const match = REFERENCE.exec(raw);
    if (match === null) {
      const shown = raw.slice(amp, amp + 12).split(/[\s<]/)[0];
      throw new SyncMLNotXmlError(
        `Not well-formed XML: "${shown}" at offset ${offset + amp} is not a character or predefined entity reference`,
      );
    }
    if (match[1] === undefined) {
      const cp = match[2] !== undefined ? Number.parseInt(match[2], 10) : Number.parseInt(match[3] ?? '', 16);
      if (!isXmlCodePoint(cp)) {
        throw new SyncMLNotXmlError(
          `Not well-formed XML: character reference "${match[0]}" at offset ${offset + amp} names a character XML does not allow`,
        );
      }
    }
    amp = raw.indexOf('&', amp + match[0].length);
  }
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ANY_REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,10})|#x([0-9a-fA-F]{1,8}));/g;

/** Decodes references in text that {@link checkReferences} accepted. */
export function decodeReferences(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(ANY_REFERENCE, (_all, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return PREDEFINED[name] ?? '';
    return String.fromCodePoint(dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16));
  });
}

/**
 * Thrown by {@link escapeText} and {@link cdataSection} for a character XML 1.0 cannot carry.
 * Internal: the serializers catch it and report the field with a `SyncMLInvalidCharError`.
 */
export class UnrepresentableCharError extends Error {}

// One test per string finds both what needs escaping and what cannot be written at all (lone
// surrogates among them; a valid pair also matches and is then checked exactly), so serializing
// needs no separate pass over the output.
const SPECIAL = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ESCAPE_ALL = /[&<>\r]/g;

function escapeChar(ch: string): string {
  return ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : '&#13;';
}

function assertRepresentable(text: string): void {
  if (findInvalidChar(text) !== -1) throw new UnrepresentableCharError();
}

/**
 * Escapes character data: `&`, `<` and `>` (the last so that `]]>` can never appear in text), and
 * CR as `&#13;`, because a reader turns a raw CR into LF (XML end-of-line handling) and the value
 * would not survive. Quotes are left alone; they only matter in attribute values, and the codec
 * writes no attribute value that is not a constant.
 *
 * @throws {UnrepresentableCharError} for a character XML 1.0 cannot carry.
 */
export function escapeText(text: string): string {
  if (!SPECIAL.test(text)) return text;
  assertRepresentable(text);
  return text.replace(ESCAPE_ALL, escapeChar);
}

function cdataRun(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/**
 * Wraps text in CDATA. A `]]>` inside would end the section early, so it is split across two
 * sections (`]]]]><![CDATA[>`): the reader concatenates them back. A CR cannot survive inside CDATA
 * (end-of-line handling), so it stands between sections as `&#13;`.
 *
 * @throws {UnrepresentableCharError} for a character XML 1.0 cannot carry.
 */
export function cdataSection(text: string): string {
  if (SPECIAL.test(text)) assertRepresentable(text);
  if (!text.includes('\r')) return cdataRun(text);
  let out = '';
  const runs = text.split('\r');
  for (let i = 0; i < runs.length; i++) {
    if (i > 0) out += '&#13;';
    const run = runs[i] ?? '';
    if (run !== '') out += cdataRun(run);
  }
  return out;
}

/** Whether `text` is empty or only XML whitespace (space, tab, CR, LF). */
export function isXmlWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** Trims XML whitespace only (String#trim would also eat U+00A0, U+2028 and friends, which are data). */
export function trimXml(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isWs(text.charCodeAt(start))) start++;
  while (end > start && isWs(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}
