/**
 * Internal: the hardened front door for ADMX and ADML documents. It refuses DTDs and oversized
 * input before any parser runs, checks well-formedness, and returns a small element tree with
 * entities decoded and namespace prefixes dropped.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AdmxDoctypeError, AdmxParseError, AdmxSizeError } from './errors.js';
import { decodeXmlEntities, normalizeAttributeWhitespace, normalizeLineEnds } from './xmlText.js';

/** An element of a parsed document: local name, attributes, child elements and its own text. */
export interface XmlElement {
  name: string;
  attrs: ReadonlyMap<string, string>;
  children: XmlElement[];
  /** Concatenated text and CDATA directly inside this element (not its descendants'). */
  text: string;
}

/** Options every document reader of this package accepts. */
export interface XmlReadOptions {
  /** Largest accepted document, in UTF-8 bytes. Default 4 MiB. */
  maxBytes?: number;
}

/** 4 MiB: the largest inbox ADMX files are around 1 MiB, so this leaves room without inviting abuse. */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

// Deep enough for any ADMX/ADML (they nest about eight levels), shallow enough to stop a
// pathological document early.
const MAX_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  removeNSPrefix: true,
  // Entities are decoded by hand (decodeXmlEntities) so that an unknown one is an error and CDATA
  // stays literal.
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  maxNestedTags: MAX_DEPTH,
});

/** UTF-8 length of `text`, computed only when the cheap bounds cannot decide. */
function exceedsUtf8Bytes(text: string, limit: number): boolean {
  // Every UTF-16 code unit takes one to three UTF-8 bytes.
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      // A surrogate pair is four bytes; count them on the high half, skip the low one.
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}

type FxpNode = Record<string, unknown>;

function isRecord(value: unknown): value is FxpNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function convertChildren(nodes: unknown, what: string): { children: XmlElement[]; text: string } {
  const children: XmlElement[] = [];
  let text = '';
  if (!Array.isArray(nodes)) return { children, text };
  for (const node of nodes) {
    if (!isRecord(node)) continue;
    if (typeof node['#text'] === 'string') {
      text += decodeXmlEntities(normalizeLineEnds(node['#text']), (m) => fail(what, m));
      continue;
    }
    if (Array.isArray(node['#cdata'])) {
      for (const part of node['#cdata']) {
        if (isRecord(part) && typeof part['#text'] === 'string') text += normalizeLineEnds(part['#text']);
      }
      continue;
    }
    const element = convertElement(node, what);
    if (element !== undefined) children.push(element);
  }
  return { children, text };
}

function convertElement(node: FxpNode, what: string): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ':@');
  if (name === undefined || name.startsWith('#') || name.startsWith('?')) return undefined;
  const attrs = new Map<string, string>();
  const rawAttrs = node[':@'];
  if (isRecord(rawAttrs)) {
    for (const [attr, value] of Object.entries(rawAttrs)) {
      if (typeof value !== 'string') continue;
      const decoded = decodeXmlEntities(normalizeAttributeWhitespace(value), (m) =>
        fail(what, `attribute ${attr} of <${name}>: ${m}`),
      );
      attrs.set(attr, decoded);
    }
  }
  const { children, text } = convertChildren(node[name], what);
  return { name, attrs, children, text };
}

function fail(what: string, message: string): never {
  throw new AdmxParseError(`${what} is not well-formed XML: ${message}`);
}

/**
 * Reads an XML document and returns its root element, checking that the root is called
 * `rootName` (any name when undefined). `what` ("ADMX", "ADML") names the document in error messages.
 */
export function readXmlDocument(
  xml: string,
  rootName: string | undefined,
  what: string,
  options: XmlReadOptions = {},
): XmlElement {
  if (typeof xml !== 'string') {
    throw new AdmxParseError(`${what} input must be a string, got ${xml === null ? 'null' : typeof xml}`);
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (exceedsUtf8Bytes(xml, maxBytes)) {
    throw new AdmxSizeError(`${what} document is larger than the ${maxBytes}-byte limit`);
  }
  // Checked on the raw text, before any parser runs: a declaration anywhere (even inside a
  // comment) is refused, which costs nothing for real files and closes every DTD-based attack.
  const declaration = /<!\s*(DOCTYPE|ENTITY)/i.exec(xml);
  if (declaration !== null) {
    const kind = declaration[1]?.toUpperCase() === 'ENTITY' ? 'an ENTITY' : 'a DOCTYPE';
    throw new AdmxDoctypeError(
      `${what} document contains ${kind} declaration; DTDs and entity declarations are not allowed`,
    );
  }
  const text = xml.startsWith('\uFEFF') ? xml.slice(1) : xml;
  if (text.trim() === '') throw new AdmxParseError(`${what} document is empty`);
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { msg, line, col } = validation.err;
    throw new AdmxParseError(`${what} is not well-formed XML: ${msg} (line ${line}, column ${col})`);
  }
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AdmxParseError(`${what} could not be parsed: ${reason}`, { cause });
  }
  const { children, text: stray } = convertChildren(tree, what);
  if (stray.trim() !== '') fail(what, 'text outside the root element');
  const [root, ...extra] = children;
  if (root === undefined) throw new AdmxParseError(`${what} document has no root element`);
  if (extra.length > 0) fail(what, `more than one root element (<${root.name}>, <${extra[0]?.name}>)`);
  if (rootName !== undefined && root.name !== rootName) {
    throw new AdmxParseError(`${what} root element must be <${rootName}>, found <${root.name}>`);
  }
  return root;
}
