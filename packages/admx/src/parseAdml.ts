import type { AdmlPresentation, AdmlPresentationControl, AdmlResources } from './AdmlResources.js';
import { AdmxParseError } from './errors.js';
import type { AdmxParseOptions } from './parseAdmx.js';
import { readXmlDocument } from './xmlDocument.js';
import type { XmlElement } from './xmlDocument.js';

function requiredId(element: XmlElement, table: string): string {
  const id = element.attrs.get('id');
  if (id === undefined || id === '') {
    throw new AdmxParseError(`ADML: <${element.name}> in <${table}> has no id attribute`);
  }
  return id;
}

function control(element: XmlElement): AdmlPresentationControl {
  const refId = element.attrs.get('refId');
  // textBox and comboBox put their label in a <label> child; the other controls are their text.
  const labelElement = element.children.find((c) => c.name === 'label');
  const label = (labelElement === undefined ? element.text : labelElement.text).trim();
  return {
    type: element.name,
    ...(refId !== undefined ? { refId } : {}),
    ...(label !== '' ? { label } : {}),
  };
}

/**
 * Parses an ADML file (`<policyDefinitionResources>`): the string table that `$(string.X)`
 * references resolve against and the presentation ids that `$(presentation.X)` references name.
 * The same hardening as {@link parseAdmx} applies (DTDs refused, size limit, `ERR_ADMX_PARSE` on a
 * wrong root or malformed XML). String text is kept as written, line breaks included; a duplicate
 * id keeps its first definition, as Group Policy tools do.
 *
 * @example
 * ```ts
 * const adml = parseAdml(admlText);
 * displayNameOf(def.categories[0], adml); // 'Mozilla'
 * ```
 */
export function parseAdml(xml: string, options: AdmxParseOptions = {}): AdmlResources {
  const root = readXmlDocument(xml, 'policyDefinitionResources', 'ADML', options);
  const strings = new Map<string, string>();
  const presentations = new Map<string, AdmlPresentation>();
  const resources = root.children.find((c) => c.name === 'resources');
  for (const table of resources?.children ?? []) {
    if (table.name === 'stringTable') {
      for (const entry of table.children) {
        if (entry.name !== 'string') continue;
        const id = requiredId(entry, 'stringTable');
        if (!strings.has(id)) strings.set(id, entry.text);
      }
    } else if (table.name === 'presentationTable') {
      for (const entry of table.children) {
        if (entry.name !== 'presentation') continue;
        const id = requiredId(entry, 'presentationTable');
        if (!presentations.has(id)) presentations.set(id, { id, controls: entry.children.map(control) });
      }
    }
  }
  const displayName = root.children.find((c) => c.name === 'displayName')?.text.trim();
  const description = root.children.find((c) => c.name === 'description')?.text.trim();
  return {
    ...(displayName ? { displayName } : {}),
    ...(description ? { description } : {}),
    strings,
    presentations,
  };
}
