/**
 * The XML rules of the codec, as token readers that both readers share, and `scanXml`: the
 * security gate of the reference path. One linear, iterative pass over the raw text that refuses
 * markup declarations (DOCTYPE, ENTITY, ...), enforces the depth limit and checks well-formedness
 * (names, attribute syntax, references, tag balance, a single root). Only text that passed it
 * reaches fast-xml-parser, so the parser never sees a DTD, never expands an entity and never
 * recurses on hostile nesting; and a lenient parser cannot turn broken XML into a message.
 *
 * The fast reader (`buildMessage`) runs the same token readers in its own single pass, so the two
 * paths accept the same language and report the same syntax errors. The gate also refuses the
 * well-formed constructs on which fast-xml-parser would read another document than the one
 * written (see {@link piEnd}, {@link commentEnd} and {@link readName}), and treats a root `Data`
 * like any element (the parser's stop nodes, `*.Data`, are below the root).
 */
import {
  SyncMLDoctypeError,
  SyncMLNotXmlError,
  SyncMLTooDeepError,
  SyncMLUnknownElementError,
} from './SyncMLError.js';
import { checkReferences, describeChar, findInvalidChar } from './xmlChars.js';

// Close enough to XML's Name production for SyncML; astral names arrive as surrogate pairs.
const NAME = /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uD800-\uDFFF\uF900-\uFDCF\uFDF0-\uFFFD][-.0-9A-Za-z_:\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uD800-\uDFFF\uF900-\uFDCF\uFDF0-\uFFFD]*/y;
const DECLARATION = /^<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>$/;
const MARKUP_DECLARATION = /^<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
// Names fast-xml-parser refuses for prototype-pollution reasons; outside Data they can only be
// unknown elements, so they are reported as such rather than as a parser failure.
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
// The only name characters that JavaScript's `\s` matches: fast-xml-parser splits tag names at
// `\s`, so `<LocURI\uFEFF>` would be a LocURI to it and `xmlns\uFEFF="…"` a namespace.
const JS_SPACE_IN_NAME = /[\u1680\uFEFF]/;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** `line L, column C` (1-based) of an offset, computed only when an error is reported. */
function where(xml: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = xml.indexOf('\n'); i !== -1 && i < offset; i = xml.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

export function notXml(xml: string, offset: number, what: string): SyncMLNotXmlError {
  return new SyncMLNotXmlError(`Not well-formed XML at ${where(xml, offset)}: ${what}`);
}

/** A character outside XML's `Char` production anywhere in the text (checked before anything else). */
export function checkChars(xml: string): void {
  const invalid = findInvalidChar(xml);
  if (invalid !== -1) {
    throw notXml(xml, invalid, `character ${describeChar(xml, invalid)} is not allowed in XML`);
  }
}

// 1 for the ASCII characters a name may start with, 2 for those it may only continue with.
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a) ASCII_NAME[c] = 1;
  else if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e) ASCII_NAME[c] = 2;
}

/** An ASCII character that may stand in a name (NaN, the end of the text, is none). */
function isAsciiNameChar(c: number): boolean {
  return c < 0x80 && ASCII_NAME[c] !== 0;
}

// The names of SyncML and of the attribute it uses, as a trie over ASCII letters walked while a
// name is read: a name that is one of them is returned as that constant, without allocating a
// string and without comparing it again, and every later comparison and lookup is then on an
// internalised string (pointer equality, a cached hash).
const LETTERS = 52; // a-z, A-Z; any other character leaves the trie
const LETTER = new Int8Array(128).fill(-1);
for (let c = 0; c < 26; c++) {
  LETTER[0x61 + c] = c;
  LETTER[0x41 + c] = 26 + c;
}
const TRIE_NAMES: (string | undefined)[] = [undefined];
const TRIE: Int16Array = (() => {
  const names = [
    'SyncML', 'SyncHdr', 'SyncBody', 'VerDTD', 'VerProto', 'SessionID', 'MsgID', 'Target', 'Source', 'LocURI',
    'LocName', 'RespURI', 'NoResp', 'Cred', 'Meta', 'Final', 'Alert', 'Status', 'Results', 'Add', 'Replace',
    'Delete', 'Get', 'Copy', 'Exec', 'Atomic', 'Sequence', 'CmdID', 'MsgRef', 'CmdRef', 'Cmd', 'TargetRef',
    'SourceRef', 'Chal', 'Data', 'Item', 'MoreData', 'Correlator', 'Format', 'Type', 'Mark', 'Size', 'MaxObjSize',
    'MaxMsgSize', 'NextNonce', 'Version', 'xmlns',
  ];
  const edges: number[][] = [[]];
  for (const name of names) {
    let state = 0;
    for (let i = 0; i < name.length; i++) {
      const letter = LETTER[name.charCodeAt(i)] as number;
      let next = edges[state]?.[letter];
      if (next === undefined) {
        next = edges.length;
        edges.push([]);
        TRIE_NAMES.push(undefined);
        (edges[state] as number[])[letter] = next;
      }
      state = next;
    }
    TRIE_NAMES[state] = name;
  }
  const table = new Int16Array(edges.length * LETTERS); // 0: no edge (the root is never a target)
  edges.forEach((out, state) => out.forEach((next, letter) => (table[state * LETTERS + letter] = next)));
  return table;
})();

/**
 * The XML name starting at `at`, or undefined when none starts there. A name holding U+FEFF or
 * U+1680 is refused: XML allows both in names, but JavaScript parsers split names at them.
 */
export function readName(xml: string, at: number): string | undefined {
  // Every SyncML name is ASCII: read those without the regular expression, which costs a match
  // object per tag; anything else goes to the full Name production.
  const first = xml.charCodeAt(at);
  if (first < 0x80) {
    if (ASCII_NAME[first] !== 1) return undefined;
    let i = at + 1;
    const letter = LETTER[first] as number;
    let state = letter < 0 ? 0 : (TRIE[letter] as number);
    let c = xml.charCodeAt(i);
    while (isAsciiNameChar(c)) {
      if (state !== 0) {
        const next = LETTER[c] as number;
        state = next < 0 ? 0 : (TRIE[state * LETTERS + next] as number);
      }
      c = xml.charCodeAt(++i);
    }
    if (!(c >= 0x80)) {
      // NaN (the end of the text) ends a name too.
      return TRIE_NAMES[state] ?? xml.slice(at, i);
    }
  }
  NAME.lastIndex = at;
  const match = NAME.exec(xml);
  if (match === null) return undefined;
  const name = match[0];
  const blank = name.search(JS_SPACE_IN_NAME);
  if (blank !== -1) {
    throw new SyncMLNotXmlError(
      `Refused at ${where(xml, at + blank)}: a name holding ${describeChar(name, blank)}, which XML allows in names but JavaScript parsers read as whitespace (they would see another name)`,
    );
  }
  return name;
}

/** Where the document proper starts: after leading whitespace and a well-formed XML declaration. */
export function skipDeclaration(xml: string): number {
  const len = xml.length;
  let pos = 0;
  while (pos < len && isWs(xml.charCodeAt(pos))) pos++;
  if (xml.startsWith('<?xml', pos) && (isWs(xml.charCodeAt(pos + 5)) || xml.charCodeAt(pos + 5) === 0x3f)) {
    const end = xml.indexOf('?>', pos);
    if (end === -1) throw notXml(xml, pos, 'the XML declaration is not closed');
    if (!DECLARATION.test(xml.slice(pos, end + 2))) throw notXml(xml, pos, 'malformed XML declaration');
    pos = end + 2;
  }
  return pos;
}

/**
 * Reads the end tag at `lt` (`</name ws* >`), which must close `open`; returns the offset after it.
 * The caller pops its stack.
 */
export function endTag(xml: string, lt: number, open: string | undefined): number {
  // The usual case, `</open>`, without reading the name: a name cannot contain ">".
  if (open !== undefined) {
    const length = open.length;
    const at = lt + 2;
    let k = 0;
    while (k < length && xml.charCodeAt(at + k) === open.charCodeAt(k)) k++;
    if (k === length && xml.charCodeAt(at + length) === 0x3e) return at + length + 1;
  }
  const name = readName(xml, lt + 2);
  if (name === undefined) throw notXml(xml, lt, 'malformed closing tag');
  let i = lt + 2 + name.length;
  while (i < xml.length && isWs(xml.charCodeAt(i))) i++;
  if (xml.charCodeAt(i) !== 0x3e) throw notXml(xml, lt, `closing tag </${name}> is not closed by ">"`);
  if (open === undefined) throw notXml(xml, lt, `closing tag </${name}> has no matching opening tag`);
  if (open !== name) throw notXml(xml, lt, `closing tag </${name}> does not match <${open}>`);
  return i + 1;
}

/**
 * Reads the processing instruction at `lt`; returns the offset after its `?>`.
 *
 * fast-xml-parser looks for the end of a processing instruction outside `Data` skipping quoted
 * strings, XML does not: `<?pi "?>"?>` ends at the first `?>`. Where the two disagree the parser
 * would swallow or invent content, so such an instruction is refused rather than read two ways.
 */
export function piEnd(xml: string, lt: number, inData: boolean): number {
  const target = readName(xml, lt + 2);
  if (target === undefined) throw notXml(xml, lt, 'malformed processing instruction');
  if (target.toLowerCase() === 'xml') throw notXml(xml, lt, 'an XML declaration may only stand at the start');
  const after = lt + 2 + target.length;
  if (!xml.startsWith('?>', after) && !isWs(xml.charCodeAt(after))) {
    throw notXml(xml, lt, 'malformed processing instruction');
  }
  const end = xml.indexOf('?>', after);
  if (end === -1) throw notXml(xml, lt, 'processing instruction is not closed');
  if (!inData && quotedPiEnd(xml, lt, end) !== end) {
    throw new SyncMLNotXmlError(
      `Refused at ${where(xml, lt)}: a quoted string in a processing instruction spans its "?>" (parsers disagree on where it ends)`,
    );
  }
  return end + 2;
}

/** Where a quote-skipping reader (fast-xml-parser's) finds the `?>` of the instruction at `lt`; -1 if never. */
function quotedPiEnd(xml: string, lt: number, end: number): number {
  let quote = -1;
  // Most instructions hold no quote before their end: then both readers agree.
  for (let j = lt + 2; j < end; j++) {
    const c = xml.charCodeAt(j);
    if (c === 0x22 || c === 0x27) {
      quote = j;
      break;
    }
  }
  if (quote === -1) return end;
  for (let i = lt + 1; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (c === 0x22 || c === 0x27) {
      i = xml.indexOf(c === 0x22 ? '"' : "'", i + 1);
      if (i === -1) return -1;
    } else if (c === 0x3f && xml.charCodeAt(i + 1) === 0x3e) {
      return i;
    }
  }
  return -1;
}

/**
 * Reads the comment at `lt` (which starts with `<!--`); returns the offset after its `-->`.
 *
 * Inside `Data` (a stop node) fast-xml-parser looks for `-->` one character early, so a comment
 * opening `<!--->` ends there for it; if markup follows inside the comment, the parser would read
 * it as markup (a `</Data>` in it would end the payload). Such a comment is refused.
 */
export function commentEnd(xml: string, lt: number, inData: boolean): number {
  const end = xml.indexOf('--', lt + 4);
  if (end === -1) throw notXml(xml, lt, 'comment is not closed');
  if (xml.charCodeAt(end + 2) !== 0x3e) throw notXml(xml, end, '"--" inside a comment');
  if (inData && xml.startsWith('<!--->', lt)) {
    const lessThan = xml.indexOf('<', lt + 6);
    if (lessThan !== -1 && lessThan < end) {
      throw new SyncMLNotXmlError(
        `Refused at ${where(xml, lt)}: a comment in Data that opens with "<!--->" and holds "<" (parsers disagree on where it ends)`,
      );
    }
  }
  return end + 3;
}

/** Reads the CDATA section at `lt` (which starts with `<![CDATA[`); returns the offset of its `]]>`. */
export function cdataEnd(xml: string, lt: number, depth: number): number {
  if (depth === 0) throw notXml(xml, lt, 'CDATA section outside the root element');
  const end = xml.indexOf(']]>', lt + 9);
  if (end === -1) throw notXml(xml, lt, 'CDATA section is not closed');
  return end;
}

/** Throws for `<!` that starts neither a comment nor a CDATA section: a markup declaration or garbage. */
export function refuseMarkup(xml: string, lt: number): never {
  if (MARKUP_DECLARATION.test(xml.slice(lt, lt + 10))) {
    throw new SyncMLDoctypeError(
      `Refused at ${where(xml, lt)}: "${xml.slice(lt, lt + 10).split(/\s/)[0]}" (DOCTYPE and entity declarations are not accepted)`,
    );
  }
  throw notXml(xml, lt, 'malformed markup after "<!"');
}

/**
 * Reads the name of the start tag at `lt` and applies the rules that come before its attributes:
 * a single root, no names fast-xml-parser refuses (outside `Data`, whose content it never parses).
 */
export function startTagName(xml: string, lt: number, depth: number, rootSeen: boolean, inData: boolean): string {
  const name = readName(xml, lt + 1);
  if (name === undefined) throw notXml(xml, lt, '"<" does not start a tag (escape it as &lt;)');
  if (depth === 0 && rootSeen) throw notXml(xml, lt, `second root element <${name}>`);
  // (All three reserved names are 9 or 11 characters long.)
  if (!inData && (name.length === 9 || name.length === 11) && RESERVED_NAMES.has(name)) {
    throw new SyncMLUnknownElementError(`<${name}> at ${where(xml, lt)} is not a SyncML element`);
  }
  return name;
}

/** What {@link startTagRest} found after the name. */
export interface StartTag {
  /** Offset after the tag's `>`. */
  end: number;
  selfClosing: boolean;
  /** The `xmlns` attribute's value as written (references not decoded), if there is one. */
  xmlns: string | undefined;
}

/** Reads the attributes and the end of the start tag at `lt` whose name is `name`, into `tag`. */
export function startTagRest(xml: string, lt: number, name: string, tag: StartTag): void {
  const len = xml.length;
  let i = lt + 1 + name.length;
  let attributes: string[] | undefined;
  tag.xmlns = undefined;
  for (;;) {
    if (i >= len) throw notXml(xml, lt, `tag <${name}> is not closed`);
    let c = xml.charCodeAt(i);
    if (c === 0x3e /* > */) {
      tag.end = i + 1;
      tag.selfClosing = false;
      return;
    }
    if (c === 0x2f /* / */) {
      if (xml.charCodeAt(i + 1) !== 0x3e) throw notXml(xml, i, `"/" not followed by ">" in <${name}>`);
      tag.end = i + 2;
      tag.selfClosing = true;
      return;
    }
    if (!isWs(c)) throw notXml(xml, i, `unexpected "${xml[i] ?? ''}" in tag <${name}>`);
    while (i < len && isWs(xml.charCodeAt(i))) i++;
    c = xml.charCodeAt(i);
    if (c === 0x3e || c === 0x2f || i >= len) continue;
    const attr = readName(xml, i);
    if (attr === undefined) throw notXml(xml, i, `malformed attribute in <${name}>`);
    i += attr.length;
    while (i < len && isWs(xml.charCodeAt(i))) i++;
    if (xml.charCodeAt(i) !== 0x3d /* = */) throw notXml(xml, i, `attribute ${attr} of <${name}> has no value`);
    i++;
    while (i < len && isWs(xml.charCodeAt(i))) i++;
    const quote = xml.charCodeAt(i);
    if (quote !== 0x22 && quote !== 0x27) {
      throw notXml(xml, i, `value of attribute ${attr} of <${name}> is not quoted`);
    }
    const close = xml.indexOf(quote === 0x22 ? '"' : "'", i + 1);
    if (close === -1) throw notXml(xml, i, `value of attribute ${attr} of <${name}> is not closed`);
    const lessThan = xml.indexOf('<', i + 1);
    if (lessThan !== -1 && lessThan < close) throw notXml(xml, lessThan, `"<" in the value of attribute ${attr}`);
    const value = xml.slice(i + 1, close);
    checkReferences(value, i + 1);
    attributes ??= [];
    if (attributes.includes(attr)) throw notXml(xml, i, `attribute ${attr} repeated in <${name}>`);
    attributes.push(attr);
    if (attr === 'xmlns') tag.xmlns = value;
    i = close + 1;
  }
}

export function tooDeep(xml: string, lt: number, name: string, depth: number, maxDepth: number): SyncMLTooDeepError {
  return new SyncMLTooDeepError(
    `Elements nest deeper than ${maxDepth} levels: <${name}> at ${where(xml, lt)} is at depth ${depth}`,
  );
}

/** Text outside the root may only be whitespace. */
export function checkOuterText(xml: string, from: number, to: number, rootSeen: boolean): void {
  for (let i = from; i < to; i++) {
    if (!isWs(xml.charCodeAt(i))) {
      throw notXml(xml, i, rootSeen ? 'text after the root element' : 'text before the root element');
    }
  }
}

/** `]]>` in character data, which XML forbids outside CDATA. */
export function cdataEndInText(xml: string, at: number): SyncMLNotXmlError {
  return notXml(xml, at, '"]]>" in text outside a CDATA section');
}

/**
 * Throws a `SyncMLError` unless `xml` is a well-formed XML document without markup declarations
 * whose elements nest at most `maxDepth` deep (the root is depth 1).
 */
export function scanXml(xml: string, maxDepth: number): void {
  checkChars(xml);
  const len = xml.length;
  let pos = skipDeclaration(xml);

  const stack: string[] = [];
  const tag: StartTag = { end: 0, selfClosing: false, xmlns: undefined };
  // Open `<Data>` elements below the root: their content is payload, not SyncML (fast-xml-parser's
  // stop nodes, `*.Data`, which a root `Data` is not).
  let dataDepth = 0;
  let rootSeen = false;

  while (pos < len) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt === -1 ? len : lt;
    if (textEnd > pos) checkText(xml, pos, textEnd, stack.length, rootSeen);
    if (lt === -1) break;
    const c1 = xml.charCodeAt(lt + 1);

    if (c1 === 0x2f /* / */) {
      pos = endTag(xml, lt, stack[stack.length - 1]);
      const name = stack.pop();
      if (name === 'Data' && stack.length > 0) dataDepth--;
      continue;
    }

    if (c1 === 0x3f /* ? */) {
      pos = piEnd(xml, lt, dataDepth > 0);
      continue;
    }

    if (c1 === 0x21 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        pos = commentEnd(xml, lt, dataDepth > 0);
        continue;
      }
      if (xml.startsWith('<![CDATA[', lt)) {
        pos = cdataEnd(xml, lt, stack.length) + 3;
        continue;
      }
      refuseMarkup(xml, lt);
    }

    // Start tag or empty-element tag.
    const name = startTagName(xml, lt, stack.length, rootSeen, dataDepth > 0);
    startTagRest(xml, lt, name, tag);
    if (stack.length + 1 > maxDepth) throw tooDeep(xml, lt, name, stack.length + 1, maxDepth);
    rootSeen = true;
    if (!tag.selfClosing) {
      if (name === 'Data' && stack.length > 0) dataDepth++;
      stack.push(name);
    }
    pos = tag.end;
  }

  if (stack.length > 0) throw notXml(xml, len, `<${stack[stack.length - 1] ?? ''}> is not closed (input ends)`);
  if (!rootSeen) throw notXml(xml, len, 'no root element');
}

function checkText(xml: string, from: number, to: number, depth: number, rootSeen: boolean): void {
  if (depth === 0) {
    checkOuterText(xml, from, to, rootSeen);
    return;
  }
  const text = xml.slice(from, to);
  const cdataEnd = text.indexOf(']]>');
  if (cdataEnd !== -1) throw cdataEndInText(xml, from + cdataEnd);
  checkReferences(text, from);
}
