import { readXmlDocument, type XmlElement, type XmlReadOptions } from './xmlDocument.js';

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function write(element: XmlElement, out: string[]): void {
  out.push('<', element.name);
  for (const name of [...element.attrs.keys()].sort()) out.push(' ', name, '="', escape(element.attrs.get(name) as string), '"');
  out.push('>', escape(element.text.trim()));
  for (const child of element.children) write(child, out);
  out.push('</', element.name, '>');
}

/**
 * The canonical text of an XML payload (a Wi-Fi or VPN profile, an `MsiInstallJob`, a device's
 * report of one), so that two spellings of one document compare equal: entities decoded and
 * re-escaped one way, CDATA sections as text, attributes sorted, namespace prefixes and
 * declarations dropped, text trimmed and whitespace between elements ignored, empty elements
 * written out. Read with the hardened reader of this package: no DTD, no entity declaration,
 * bounded size and depth.
 *
 * @throws {AdmxParseError} (`ERR_ADMX_PARSE`) when `xml` is not one well-formed element.
 * @throws {AdmxDoctypeError} / {AdmxSizeError} as the package's other readers.
 *
 * @example
 * ```ts
 * canonicalXml('<a y="2" x="1"><![CDATA[1 < 2]]></a>') === canonicalXml('<a x="1" y="2">1 &lt; 2</a>'); // true
 * ```
 */
export function canonicalXml(xml: string, options: XmlReadOptions = {}): string {
  const out: string[] = [];
  write(readXmlDocument(xml, undefined, 'XML payload', options), out);
  return out.join('');
}
