import type { AdmxBackedValue, AdmxDataValue } from './AdmxBackedValue.js';
import type { AdmxPolicy } from './AdmxDefinition.js';
import { coerce, findElement } from './elementValue.js';
import { AdmxValueError } from './errors.js';
import { decodeXmlEntities, normalizeAttributeWhitespace } from './xmlText.js';

interface Tag {
  name: 'enabled' | 'disabled' | 'data';
  attrs: Map<string, string>;
  offset: number;
}

const WS = /[ \t\r\n]/;
const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y;

function snippet(text: string, at: number): string {
  const piece = text.slice(at, at + 24);
  return JSON.stringify(at + 24 < text.length ? `${piece}…` : piece);
}

/**
 * A tolerant reader for the payload fragment: a sequence of `<enabled/>`, `<disabled/>` and
 * `<data id=".." value=".."/>` tags (any case, any order, whitespace between, single or double
 * quotes, `<x ...></x>` as well as `<x .../>`). It is a fragment, not a document (there is no
 * root), which is why it is not given to an XML parser.
 */
function tokenize(text: string): Tag[] {
  const tags: Tag[] = [];
  let pos = 0;
  function fail(message: string, at: number): never {
    throw new AdmxValueError(`ADMX-backed value: ${message} at offset ${at} (${snippet(text, at)})`);
  }
  const skipWs = (): void => {
    while (pos < text.length && WS.test(text[pos] ?? '')) pos++;
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const match = NAME.exec(text);
    if (match === null) return fail('expected a tag or attribute name', pos);
    pos += match[0].length;
    return match[0];
  };
  skipWs();
  while (pos < text.length) {
    const offset = pos;
    if (text[pos] !== '<') fail('expected "<"', pos);
    pos++;
    const rawName = readName();
    const name = rawName.toLowerCase();
    if (name !== 'enabled' && name !== 'disabled' && name !== 'data') {
      fail(`unknown tag <${rawName}>; expected <enabled/>, <disabled/> or <data/>`, offset);
    }
    const attrs = new Map<string, string>();
    for (;;) {
      const beforeWs = pos;
      skipWs();
      if (text.startsWith('/>', pos)) {
        pos += 2;
        break;
      }
      if (text[pos] === '>') {
        pos++;
        skipWs();
        const close = pos;
        if (!text.startsWith('</', pos)) fail(`expected "</${rawName}>" or "/>"`, pos);
        pos += 2;
        if (readName().toLowerCase() !== name) fail(`closing tag does not match <${rawName}>`, close);
        skipWs();
        if (text[pos] !== '>') fail('expected ">"', pos);
        pos++;
        break;
      }
      if (pos === beforeWs) fail('expected whitespace, "/>" or ">"', pos);
      const attrAt = pos;
      const attr = readName().toLowerCase();
      skipWs();
      if (text[pos] !== '=') fail(`expected "=" after attribute ${attr}`, pos);
      pos++;
      skipWs();
      const quote = text[pos];
      if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value', pos);
      const end = text.indexOf(quote, pos + 1);
      if (end === -1) fail('unterminated attribute value', pos);
      const raw = text.slice(pos + 1, end);
      const lt = raw.indexOf('<');
      if (lt !== -1) fail('"<" is not allowed in an attribute value (write &lt;)', pos + 1 + lt);
      if (attrs.has(attr)) fail(`attribute ${attr} is repeated`, attrAt);
      attrs.set(
        attr,
        decodeXmlEntities(normalizeAttributeWhitespace(raw), (m) => fail(m, pos + 1)),
      );
      pos = end + 1;
    }
    tags.push({ name, attrs, offset });
    skipWs();
  }
  return tags;
}

/**
 * Removes the wrappings an admin may paste around a payload: surrounding whitespace, one CDATA
 * section (`<![CDATA[…]]>`, as SyncML examples carry it) and one level of entity escaping
 * (`&lt;enabled/&gt;…`, the older published form).
 */
function unwrap(payload: string): string {
  let text = payload.trim();
  const cdata = /^<!\[CDATA\[([\s\S]*)\]\]>$/.exec(text);
  if (cdata !== null) text = (cdata[1] ?? '').trim();
  if (text.startsWith('&lt;')) {
    text = decodeXmlEntities(text, (m) => {
      throw new AdmxValueError(`ADMX-backed value: entity-escaped payload is malformed: ${m}`);
    }).trim();
  }
  return text;
}

/**
 * Reads an ADMX-backed value payload: the string a Policy CSP node holds, as sent to the device
 * or reported back by it. Accepts every published spelling: `<enabled/>`/`<Enabled/>`,
 * `<disabled/>`, `<data id=".." value=".."/>`/`<Data …/>` in any order with whitespace between,
 * XML-escaped values (`&quot;`, `&amp;`, `&#xF000;`), and the payload wrapped in CDATA or
 * entity-escaped as a whole.
 *
 * Without a policy every value stays the string the payload holds (a U+F000-joined list cannot be
 * told from text). With the policy, values are typed by their element (multiText/list split into
 * `string[]`, decimals to numbers, booleans to booleans, enum values to the item's value type) and
 * ids take the definition's spelling; a value that does not fit its element stays a string, for
 * `validateAdmxBackedValue` to report. The data of a `disabled` value is dropped: it means nothing.
 *
 * Throws `AdmxValueError` (`ERR_ADMX_VALUE`) when the payload is not this grammar: no state tag,
 * both states, an unknown tag, a `<data>` without `id` or `value` (or with other attributes), a
 * repeated id, malformed XML escapes.
 *
 * @example
 * ```ts
 * decodeAdmxBackedValue('<Enabled/><Data id="Hosts" value="a&#xF000;b"/>', policy);
 * // { state: 'enabled', data: { Hosts: ['a', 'b'] } }
 * ```
 */
export function decodeAdmxBackedValue(payload: string, policy?: AdmxPolicy): AdmxBackedValue {
  if (typeof payload !== 'string') {
    throw new AdmxValueError(`ADMX-backed value payload must be a string, got ${payload === null ? 'null' : typeof payload}`);
  }
  const text = unwrap(payload);
  if (text === '') throw new AdmxValueError('ADMX-backed value is empty; expected <enabled/> or <disabled/>');
  let state: AdmxBackedValue['state'] | undefined;
  const entries: [string, AdmxDataValue][] = [];
  const seen = new Set<string>();
  for (const tag of tokenize(text)) {
    const at = `at offset ${tag.offset}`;
    if (tag.name === 'data') {
      const id = tag.attrs.get('id');
      const value = tag.attrs.get('value');
      const extra = [...tag.attrs.keys()].filter((a) => a !== 'id' && a !== 'value');
      if (id === undefined || value === undefined || extra.length > 0) {
        throw new AdmxValueError(
          `ADMX-backed value: <data> ${at} must have exactly the attributes id and value` +
            (extra.length > 0 ? ` (found ${extra.join(', ')})` : ''),
        );
      }
      const element = policy === undefined ? undefined : findElement(policy, id);
      const key = (element?.id ?? id).toLowerCase();
      if (seen.has(key)) throw new AdmxValueError(`ADMX-backed value: data id "${id}" ${at} appears twice`);
      seen.add(key);
      if (element === undefined) {
        entries.push([id, value]);
      } else {
        const typed = coerce(element, value);
        entries.push([element.id, typed.ok ? typed.value : value]);
      }
      continue;
    }
    if (tag.attrs.size > 0) throw new AdmxValueError(`ADMX-backed value: <${tag.name}/> ${at} takes no attributes`);
    if (state !== undefined) {
      throw new AdmxValueError(
        state === tag.name
          ? `ADMX-backed value: <${tag.name}/> ${at} appears twice`
          : `ADMX-backed value: both <enabled/> and <disabled/> are present`,
      );
    }
    state = tag.name;
  }
  if (state === undefined) throw new AdmxValueError('ADMX-backed value has no <enabled/> or <disabled/> tag');
  if (state === 'disabled' || entries.length === 0) return { state };
  // fromEntries defines own properties, so an id such as "__proto__" stays data.
  return { state, data: Object.fromEntries(entries) };
}
