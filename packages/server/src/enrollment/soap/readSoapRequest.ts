import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EnrollmentRequestError } from '../../ServerError.js';
import { Ns } from './namespaces.js';

/** An element with its namespace resolved: what the enrollment services read, whatever prefixes the sender chose. */
export interface XmlElement {
  /** The namespace URI ('' for none). */
  ns: string;
  /** The local name. */
  name: string;
  /** Attributes by `{uri}local` for qualified ones and by `local` for unqualified ones. */
  attrs: ReadonlyMap<string, string>;
  children: XmlElement[];
  /** Text and CDATA directly inside the element, entities decoded. */
  text: string;
}

/** A SOAP 1.2 request as the enrollment services need it. */
export interface SoapRequest {
  /** `a:Action`. */
  action: string;
  /** `a:MessageID`, echoed in the answer's `a:RelatesTo`. */
  messageId: string | undefined;
  header: XmlElement;
  /** The one element inside `s:Body`. */
  body: XmlElement;
}

/** The first child with this namespace and local name. */
export function child(parent: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return parent?.children.find((c) => c.ns === ns && c.name === name);
}

/** Every child with this namespace and local name. */
export function children(parent: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return parent?.children.filter((c) => c.ns === ns && c.name === name) ?? [];
}

/** An attribute: unqualified by its local name, qualified by namespace and local name. */
export function attr(element: XmlElement | undefined, name: string, ns?: string): string | undefined {
  return element?.attrs.get(ns === undefined ? name : `{${ns}}${name}`);
}

/** The trimmed text of a child, if it is there. */
export function childText(parent: XmlElement | undefined, ns: string, name: string): string | undefined {
  const found = child(parent, ns, name);
  return found === undefined ? undefined : found.text.trim();
}

/** Enrollment messages nest about ten levels; anything much deeper is an attack, not a request. */
const MAX_DEPTH = 32;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  removeNSPrefix: false,
  // Only the five predefined entities: a DTD is refused before parsing, so no others can exist.
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  maxNestedTags: MAX_DEPTH,
});

type FxpNode = Record<string, unknown>;

function fail(message: string): never {
  throw new EnrollmentRequestError(message);
}

function qualified(name: string, scope: ReadonlyMap<string, string>, isAttribute: boolean): { ns: string; local: string } {
  const colon = name.indexOf(':');
  if (colon === -1) return { ns: isAttribute ? '' : (scope.get('') ?? ''), local: name };
  const prefix = name.slice(0, colon);
  if (prefix === 'xml') return { ns: Ns.xml, local: name.slice(colon + 1) };
  const ns = scope.get(prefix);
  if (ns === undefined) fail(`the namespace prefix ${JSON.stringify(prefix)} of <${name}> is not declared`);
  return { ns, local: name.slice(colon + 1) };
}

function convert(nodes: unknown, scope: ReadonlyMap<string, string>, depth: number): { elements: XmlElement[]; text: string } {
  const elements: XmlElement[] = [];
  let text = '';
  if (!Array.isArray(nodes)) return { elements, text };
  if (depth > MAX_DEPTH) fail(`the message nests deeper than ${MAX_DEPTH} elements`);
  for (const node of nodes as FxpNode[]) {
    for (const [key, value] of Object.entries(node)) {
      if (key === ':@') continue;
      if (key === '#text') {
        text += String(value);
        continue;
      }
      if (key === '#cdata') {
        text += convert(value, scope, depth + 1).text;
        continue;
      }
      const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
      const inner = new Map(scope);
      for (const [name, v] of Object.entries(rawAttrs)) {
        if (name === 'xmlns') inner.set('', v);
        else if (name.startsWith('xmlns:')) inner.set(name.slice(6), v);
      }
      const attrs = new Map<string, string>();
      for (const [name, v] of Object.entries(rawAttrs)) {
        if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
        const q = qualified(name, inner, true);
        attrs.set(q.ns === '' ? q.local : `{${q.ns}}${q.local}`, String(v));
      }
      const q = qualified(key, inner, false);
      const content = convert(value, inner, depth + 1);
      elements.push({ ns: q.ns, name: q.local, attrs, children: content.elements, text: content.text });
    }
  }
  return { elements, text };
}

/**
 * Reads an XML document into namespace-resolved elements. Hardened for input from the network: a
 * DOCTYPE or entity declaration anywhere is refused before any parser runs, well-formedness is
 * checked, and nesting is bounded.
 *
 * @throws {EnrollmentRequestError} (`ERR_ENROLLMENT_REQUEST`) for anything that is not such a document.
 */
export function readXml(xml: string): XmlElement {
  if (/<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i.test(xml)) fail('DTDs and entity declarations are not accepted');
  const text = xml.startsWith('\uFEFF') ? xml.slice(1) : xml;
  if (text.trim() === '') fail('the request body is empty');
  const validation = XMLValidator.validate(text);
  if (validation !== true) fail(`the request is not well-formed XML: ${validation.err.msg} (line ${validation.err.line})`);
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch (cause) {
    throw new EnrollmentRequestError(`the request cannot be parsed: ${(cause as Error).message}`, { cause });
  }
  const { elements } = convert(tree, new Map(), 0);
  if (elements.length !== 1) fail('the request must have exactly one root element');
  return elements[0] as XmlElement;
}

/**
 * Reads a SOAP 1.2 request of the enrollment services: `s:Envelope` with `s:Header` (whose
 * `a:Action` is required) and `s:Body` holding one element.
 *
 * @throws {EnrollmentRequestError} (`ERR_ENROLLMENT_REQUEST`) for malformed XML, a DTD, or a message that is not such an envelope.
 */
export function readSoapRequest(body: Buffer): SoapRequest {
  const envelope = readXml(body.toString('utf8'));
  if (envelope.ns !== Ns.soap || envelope.name !== 'Envelope') fail('the request is not a SOAP 1.2 envelope');
  const header = child(envelope, Ns.soap, 'Header');
  const soapBody = child(envelope, Ns.soap, 'Body');
  if (!header) fail('the SOAP envelope has no Header');
  if (!soapBody) fail('the SOAP envelope has no Body');
  const action = childText(header, Ns.wsa, 'Action');
  if (!action) fail('the SOAP header has no a:Action');
  const [first, ...rest] = soapBody.children;
  if (!first || rest.length > 0) fail('the SOAP Body must hold exactly one element');
  return { action, messageId: childText(header, Ns.wsa, 'MessageID'), header, body: first };
}
