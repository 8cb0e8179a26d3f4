/**
 * The security gate in front of the XML parser: one linear, iterative pass over the raw text that
 * refuses markup declarations (DOCTYPE, ENTITY, ...), enforces the depth limit and checks
 * well-formedness (names, attribute syntax, references, tag balance, a single root). Only text that
 * passed it reaches fast-xml-parser, so the parser never sees a DTD, never expands an entity and
 * never recurses on hostile nesting; and a lenient parser cannot turn broken XML into a message.
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
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

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

function notXml(xml: string, offset: number, what: string): SyncMLNotXmlError {
  return new SyncMLNotXmlError(`Not well-formed XML at ${where(xml, offset)}: ${what}`);
}

function readName(xml: string, at: number): string | undefined {
  NAME.lastIndex = at;
  const match = NAME.exec(xml);
  return match === null ? undefined : match[0];
}

/**
 * Throws a `SyncMLError` unless `xml` is a well-formed XML document without markup declarations
 * whose elements nest at most `maxDepth` deep (the root is depth 1).
 */
export function scanXml(xml: string, maxDepth: number): void {
  const invalid = findInvalidChar(xml);
  if (invalid !== -1) {
    throw notXml(xml, invalid, `character ${describeChar(xml, invalid)} is not allowed in XML`);
  }
  const len = xml.length;
  let pos = 0;
  while (pos < len && isWs(xml.charCodeAt(pos))) pos++;
  if (xml.startsWith('<?xml', pos) && (isWs(xml.charCodeAt(pos + 5)) || xml.charCodeAt(pos + 5) === 0x3f)) {
    const end = xml.indexOf('?>', pos);
    if (end === -1) throw notXml(xml, pos, 'the XML declaration is not closed');
    if (!DECLARATION.test(xml.slice(pos, end + 2))) throw notXml(xml, pos, 'malformed XML declaration');
    pos = end + 2;
  }

  const stack: string[] = [];
  let dataDepth = 0; // open <Data> elements: their content is payload, not SyncML
  let rootSeen = false;

  while (pos < len) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt === -1 ? len : lt;
    if (textEnd > pos) checkText(xml, pos, textEnd, stack.length, rootSeen);
    if (lt === -1) break;
    const c1 = xml.charCodeAt(lt + 1);

    if (c1 === 0x2f /* / */) {
      const name = readName(xml, lt + 2);
      if (name === undefined) throw notXml(xml, lt, 'malformed closing tag');
      let i = lt + 2 + name.length;
      while (i < len && isWs(xml.charCodeAt(i))) i++;
      if (xml.charCodeAt(i) !== 0x3e) throw notXml(xml, lt, `closing tag </${name}> is not closed by ">"`);
      const open = stack.pop();
      if (open === undefined) throw notXml(xml, lt, `closing tag </${name}> has no matching opening tag`);
      if (open !== name) throw notXml(xml, lt, `closing tag </${name}> does not match <${open}>`);
      if (name === 'Data') dataDepth--;
      pos = i + 1;
      continue;
    }

    if (c1 === 0x3f /* ? */) {
      const target = readName(xml, lt + 2);
      if (target === undefined) throw notXml(xml, lt, 'malformed processing instruction');
      if (target.toLowerCase() === 'xml') throw notXml(xml, lt, 'an XML declaration may only stand at the start');
      const after = lt + 2 + target.length;
      if (!xml.startsWith('?>', after) && !isWs(xml.charCodeAt(after))) {
        throw notXml(xml, lt, 'malformed processing instruction');
      }
      const end = xml.indexOf('?>', after);
      if (end === -1) throw notXml(xml, lt, 'processing instruction is not closed');
      pos = end + 2;
      continue;
    }

    if (c1 === 0x21 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const end = xml.indexOf('--', lt + 4);
        if (end === -1) throw notXml(xml, lt, 'comment is not closed');
        if (xml.charCodeAt(end + 2) !== 0x3e) throw notXml(xml, end, '"--" inside a comment');
        pos = end + 3;
        continue;
      }
      if (xml.startsWith('<![CDATA[', lt)) {
        if (stack.length === 0) throw notXml(xml, lt, 'CDATA section outside the root element');
        const end = xml.indexOf(']]>', lt + 9);
        if (end === -1) throw notXml(xml, lt, 'CDATA section is not closed');
        pos = end + 3;
        continue;
      }
      if (MARKUP_DECLARATION.test(xml.slice(lt, lt + 10))) {
        throw new SyncMLDoctypeError(
          `Refused at ${where(xml, lt)}: "${xml.slice(lt, lt + 10).split(/\s/)[0]}" (DOCTYPE and entity declarations are not accepted)`,
        );
      }
      throw notXml(xml, lt, 'malformed markup after "<!"');
    }

    // Start tag or empty-element tag.
    const name = readName(xml, lt + 1);
    if (name === undefined) throw notXml(xml, lt, '"<" does not start a tag (escape it as &lt;)');
    if (stack.length === 0 && rootSeen) throw notXml(xml, lt, `second root element <${name}>`);
    if (dataDepth === 0 && RESERVED_NAMES.has(name)) {
      throw new SyncMLUnknownElementError(`<${name}> at ${where(xml, lt)} is not a SyncML element`);
    }
    let i = lt + 1 + name.length;
    let selfClosing = false;
    let attributes: string[] | undefined;
    for (;;) {
      if (i >= len) throw notXml(xml, lt, `tag <${name}> is not closed`);
      let c = xml.charCodeAt(i);
      if (c === 0x3e /* > */) {
        i++;
        break;
      }
      if (c === 0x2f /* / */) {
        if (xml.charCodeAt(i + 1) !== 0x3e) throw notXml(xml, i, `"/" not followed by ">" in <${name}>`);
        selfClosing = true;
        i += 2;
        break;
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
      checkReferences(xml.slice(i + 1, close), i + 1);
      attributes ??= [];
      if (attributes.includes(attr)) throw notXml(xml, i, `attribute ${attr} repeated in <${name}>`);
      attributes.push(attr);
      i = close + 1;
    }
    if (stack.length + 1 > maxDepth) {
      throw new SyncMLTooDeepError(
        `Elements nest deeper than ${maxDepth} levels: <${name}> at ${where(xml, lt)} is at depth ${stack.length + 1}`,
      );
    }
    rootSeen = true;
    if (!selfClosing) {
      stack.push(name);
      if (name === 'Data') dataDepth++;
    }
    pos = i;
  }

  if (stack.length > 0) throw notXml(xml, len, `<${stack[stack.length - 1] ?? ''}> is not closed (input ends)`);
  if (!rootSeen) throw notXml(xml, len, 'no root element');
}

function checkText(xml: string, from: number, to: number, depth: number, rootSeen: boolean): void {
  if (depth === 0) {
    for (let i = from; i < to; i++) {
      if (!isWs(xml.charCodeAt(i))) {
        throw notXml(xml, i, rootSeen ? 'text after the root element' : 'text before the root element');
      }
    }
    return;
  }
  const text = xml.slice(from, to);
  const cdataEnd = text.indexOf(']]>');
  if (cdataEnd !== -1) throw notXml(xml, from + cdataEnd, '"]]>" in text outside a CDATA section');
  checkReferences(text, from);
}
