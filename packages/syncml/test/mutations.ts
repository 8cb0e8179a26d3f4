/**
 * Inputs for the robustness and differential laws: the real messages of fixtures/syncml, the
 * published documents that are refused as they stand, tag soup made of SyncML pieces, mutations
 * that break real messages the ways a hostile or broken client would (byte flips, truncation,
 * slices duplicated or deleted, injected DOCTYPE/CDATA/deep nesting/entities), and rewrites of a
 * serialized message into the dialects other writers use.
 */
import fc from 'fast-check';
import { ADMX_BODIES, FRAGMENTS, WHOLE_MESSAGES, envelope, fixture, syncBodyOf } from './fixture.js';

/** Real messages: every whole-message fixture, every fragment and ADMX-backed body in an envelope. */
export const REAL_MESSAGES: readonly string[] = [
  ...WHOLE_MESSAGES.map((name) => fixture(name)),
  ...FRAGMENTS.map((name) => envelope(fixture(name))),
  // admx-backed-text-learn.xml publishes the template CmdID "$CmdId$"; given a real one it is a message.
  ...ADMX_BODIES.map((name) => envelope(syncBodyOf(fixture(name)).replace('$CmdId$', '2'))),
];

/** Mutation seeds: the real messages plus published documents that are refused as they stand. */
export const MUTATION_SEEDS: readonly string[] = [
  ...REAL_MESSAGES,
  fixture('alert-1226-unenroll-userrequest-package1-learn.txt'),
  fixture('admx-backed-appv-enable-entity-escaped-learn-old.xml'),
  fixture('admx-backed-text-learn.xml'),
];

/** Pieces of SyncML and of XML syntax, for tag soup. */
export const TOKENS: readonly string[] = [
  '<?xml version="1.0"?>',
  '<SyncML xmlns="SYNCML:SYNCML1.2">',
  '</SyncML>',
  '<SyncHdr>',
  '</SyncHdr>',
  '<VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>',
  '<Target><LocURI>a</LocURI></Target><Source><LocURI>b</LocURI></Source>',
  '<SyncBody>',
  '</SyncBody>',
  '<Get>',
  '</Get>',
  '<Atomic>',
  '</Atomic>',
  '<CmdID>1</CmdID>',
  '<CmdID>2</CmdID>',
  '<Item>',
  '</Item>',
  '<Data>',
  '</Data>',
  '<Meta><Format xmlns="syncml:metinf">chr</Format></Meta>',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<!DOCTYPE x>',
  '<!ENTITY a "b">',
  '&amp;',
  '&a;',
  '&#',
  '<Final/>',
  '<',
  '>',
  '/',
  '"',
  ' ',
  'x',
];

/** What the `inject` mutation inserts: the constructs a hostile message carries. */
export const INJECTIONS: readonly string[] = [
  '<!DOCTYPE SyncML [<!ENTITY a "b">]>',
  '<!ENTITY xxe SYSTEM "file:///etc/passwd">',
  '&xxe;',
  '<![CDATA[',
  ']]>',
  '<![CDATA[<enabled/>]]>',
  '<!--',
  '-->',
  '<?xml version="1.0"?>',
  '<Sequence>'.repeat(60),
  `${'<x>'.repeat(40)}${'</x>'.repeat(40)}`,
  '</Item>',
  '<Item>',
  '<CmdID>0</CmdID>',
  '<CmdID>2</CmdID>',
  '<MsgRef>x</MsgRef>',
  '<Final/>',
  '<Meta><Size>-1</Size></Meta>',
  '<constructor/>',
  '&#0;',
  '&#x41;',
  '&#13;',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '\r\n',
  '"',
  "'",
  '<',
  '&',
];

export type Mutation =
  | { op: 'replace-char'; at: number; code: number }
  | { op: 'truncate'; at: number }
  | { op: 'duplicate'; from: number; length: number; to: number }
  | { op: 'delete'; from: number; length: number }
  | { op: 'inject'; at: number; what: string };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace-char' as const), at: fc.nat(), code: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), from: fc.nat(), length: fc.nat({ max: 200 }), to: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), from: fc.nat(), length: fc.nat({ max: 200 }) }),
  fc.record({ op: fc.constant('inject' as const), at: fc.nat(), what: fc.constantFrom(...INJECTIONS) }),
);

/** Applies one mutation; positions wrap around the text's length. */
export function mutate(text: string, m: Mutation): string {
  const n = text.length + 1;
  switch (m.op) {
    case 'replace-char': {
      const at = m.at % n;
      return text.slice(0, at) + String.fromCharCode(m.code) + text.slice(at + 1);
    }
    case 'truncate':
      return text.slice(0, m.at % n);
    case 'duplicate': {
      const from = m.from % n;
      const to = m.to % n;
      return text.slice(0, to) + text.slice(from, from + m.length) + text.slice(to);
    }
    case 'delete': {
      const from = m.from % n;
      return text.slice(0, from) + text.slice(from + m.length);
    }
    case 'inject': {
      const at = m.at % n;
      return text.slice(0, at) + m.what + text.slice(at);
    }
  }
}

/** Overwrites bytes of the UTF-8 encoding of `text` (positions wrap around). */
export function flipBytes(text: string, flips: readonly { at: number; byte: number }[]): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  for (const { at, byte } of flips) bytes[at % bytes.length] = byte;
  return bytes;
}

export const flipsArb: fc.Arbitrary<{ at: number; byte: number }[]> = fc.array(
  fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  { minLength: 1, maxLength: 8 },
);

/**
 * Rewrites of the canonical text `serializeMessage` writes into what other writers send: each
 * applies at the `at`-th place it can (positions wrap around). Most keep the message's meaning
 * (pretty-printing, CRLF, comments, processing instructions, other quotes and namespace
 * spellings, metinf namespaces moved or dropped, CDATA turned into escaped text, character
 * references, whitespace around leaf values, leaf values in CDATA, metinf elements standing directly in Item as in
 * [MS-MDM]'s example); a few only look like it (whitespace inside a payload), which a differential
 * law does not mind.
 */
export type Rewrite =
  | 'indent'
  | 'crlf'
  | 'comment'
  | 'pi'
  | 'single-quotes'
  | 'lower-namespace'
  | 'drop-metinf'
  | 'metinf-on-meta'
  | 'cdata-to-text'
  | 'char-reference'
  | 'expand-empty'
  | 'declaration'
  | 'bom-and-space'
  | 'space-in-tags'
  | 'pad-text'
  | 'unwrap-meta'
  | 'cdata-leaf';

export const REWRITES: readonly Rewrite[] = [
  'indent',
  'crlf',
  'comment',
  'pi',
  'single-quotes',
  'lower-namespace',
  'drop-metinf',
  'metinf-on-meta',
  'cdata-to-text',
  'char-reference',
  'expand-empty',
  'declaration',
  'bom-and-space',
  'space-in-tags',
  'pad-text',
  'unwrap-meta',
  'cdata-leaf',
];

export const rewriteArb: fc.Arbitrary<{ rewrite: Rewrite; at: number }> = fc.record({
  rewrite: fc.constantFrom(...REWRITES),
  at: fc.nat(),
});

/** Replaces the `at`-th match of `pattern` (wrapping around), or returns `text` when there is none. */
function replaceNth(text: string, pattern: RegExp, at: number, by: (match: string) => string): string {
  const matches = [...text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))];
  if (matches.length === 0) return text;
  const match = matches[at % matches.length] as RegExpExecArray;
  return text.slice(0, match.index) + by(match[0]) + text.slice(match.index + match[0].length);
}

function escapeCdata(section: string): string {
  return section
    .slice('<![CDATA['.length, -']]>'.length)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/** Applies one rewrite. */
export function rewrite(text: string, { rewrite: kind, at }: { rewrite: Rewrite; at: number }): string {
  switch (kind) {
    case 'indent':
      return text.replace(/></g, '>\n  <');
    case 'crlf':
      return text.replace(/\n/g, '\r\n');
    case 'comment':
      return replaceNth(text, /></, at, () => '><!-- a comment - with <tags> & such -->\n<');
    case 'pi':
      return replaceNth(text, /></, at, () => '><?app do="this" and="that"?><');
    case 'single-quotes':
      return text.replace(/xmlns="([^"]*)"/g, "xmlns='$1'");
    case 'lower-namespace':
      return text.replace('SYNCML:SYNCML1.2', 'syncml:syncml1.2');
    case 'drop-metinf':
      return text.replaceAll(' xmlns="syncml:metinf"', '');
    case 'metinf-on-meta':
      return text.replaceAll(' xmlns="syncml:metinf"', '').replaceAll('<Meta>', '<Meta xmlns="syncml:metinf">');
    case 'cdata-to-text':
      return replaceNth(text, /<!\[CDATA\[[\s\S]*?\]\]>/, at, escapeCdata);
    case 'char-reference':
      return replaceNth(text, />[^<]+</, at, (m) => m.replace(/[0-9A-Za-z]/, (c) => `&#${c.charCodeAt(0)};`));
    case 'expand-empty':
      return replaceNth(text, /<([A-Za-z]+)\/>/, at, (m) => `<${m.slice(1, -2)}></${m.slice(1, -2)}>`);
    case 'declaration':
      return text.startsWith('<?xml') ? text.slice(text.indexOf('?>') + 2) : `<?xml version='1.0' encoding='utf-8'?>\n${text}`;
    case 'bom-and-space':
      return `\uFEFF \n${text}\n`;
    case 'space-in-tags':
      return replaceNth(text, /<([A-Za-z]+)>/, at, (m) => `${m.slice(0, -1)} \n>`);
    case 'pad-text':
      return text.replace(/>([^<]+)</g, '> \t$1\r\n <');
    case 'cdata-leaf':
      return replaceNth(text, />([^<]+)<\//, at, (m) => `><![CDATA[${m.slice(1, -2)}]]></`);
    case 'unwrap-meta':
      return replaceNth(text, /<Item>([\s\S]*?)<\/Item>/, at, (item) => item.replace(/<Meta>([\s\S]*?)<\/Meta>/, '$1'));
  }
}

/** One element of a serialized message: where its start tag, content and end tag are. */
interface ElementSpan {
  name: string;
  start: number;
  /** After the start tag. */
  contentStart: number;
  /** At the end tag (equal to `contentStart` for an empty-element tag). */
  contentEnd: number;
  end: number;
}

/**
 * The elements of text that `serializeMessage` wrote (well-formed, `<` in content only inside
 * CDATA), in document order.
 */
function elementsOf(xml: string): ElementSpan[] {
  const out: ElementSpan[] = [];
  const open: ElementSpan[] = [];
  for (const match of xml.matchAll(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([^\s/>]+)[^>]*?(\/?)>/g)) {
    const [all, slash, name, selfClosing] = match;
    if (name === undefined) continue; // CDATA, comment, processing instruction
    const at = match.index;
    if (slash === '/') {
      const span = open.pop();
      if (span !== undefined) {
        span.contentEnd = at;
        span.end = at + all.length;
      }
    } else {
      const span: ElementSpan = { name, start: at, contentStart: at + all.length, contentEnd: at + all.length, end: at + all.length };
      out.push(span);
      if (selfClosing !== '/') open.push(span);
    }
  }
  return out;
}

/** Element names a structural mutation may rename to: SyncML's, unknown ones, and names JavaScript objects already have. */
export const ELEMENT_NAMES: readonly string[] = [
  'SyncML', 'SyncHdr', 'SyncBody', 'VerDTD', 'VerProto', 'SessionID', 'MsgID', 'Target', 'Source', 'LocURI', 'LocName',
  'RespURI', 'NoResp', 'Cred', 'Meta', 'Final', 'Alert', 'Status', 'Results', 'Add', 'Replace', 'Delete', 'Get', 'Copy',
  'Exec', 'Atomic', 'Sequence', 'Sync', 'CmdID', 'MsgRef', 'CmdRef', 'Cmd', 'TargetRef', 'SourceRef', 'Chal', 'Data',
  'Item', 'MoreData', 'Correlator', 'Format', 'Type', 'Mark', 'Size', 'MaxObjSize', 'MaxMsgSize', 'NextNonce', 'Version',
  'Anchor', 'Foo', 'x:Data', 'data', 'toString', 'valueOf', 'hasOwnProperty',
];

/** Namespaces a structural mutation may declare. */
export const NAMESPACES: readonly string[] = [
  'SYNCML:SYNCML1.2', 'syncml:syncml1.2', 'syncml:metinf', 'SYNCML:METINF', ' syncml:metinf ', 'syncml&#58;metinf',
  'SYNCML:SYNCML1.1', 'urn:other', '', '&amp;',
];

/** Leaf texts a structural mutation may write: numbers and near-numbers, blanks, references. */
export const LEAF_TEXTS: readonly string[] = [
  '0', '1', '7', '-1', '1.5', '1e3', ' 12 ', '', 'abc', '9007199254740991', '9007199254740992', '0000000000000001',
  '12345678901234567', '&#49;', '<![CDATA[42]]>', '4<!-- c -->2', '1.2', 'DM/1.2', '&lt;x&gt;',
];

export type StructuralMutation =
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'move'; at: number; to: number }
  | { op: 'rename'; at: number; name: string }
  | { op: 'xmlns'; at: number; ns: string; quote: '"' | "'" }
  | { op: 'wrap'; at: number; name: string }
  | { op: 'insert-child'; at: number; name: string }
  | { op: 'text'; at: number; text: string };

/** Mutations at the level of elements (an empty element inserted as the first child, too): the text stays well-formed, the SyncML is broken in every way. */
export const structuralMutationArb: fc.Arbitrary<StructuralMutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('move' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('rename' as const), at: fc.nat(), name: fc.constantFrom(...ELEMENT_NAMES) }),
  fc.record({
    op: fc.constant('xmlns' as const),
    at: fc.nat(),
    ns: fc.constantFrom(...NAMESPACES),
    quote: fc.constantFrom('"' as const, "'" as const),
  }),
  fc.record({ op: fc.constant('wrap' as const), at: fc.nat(), name: fc.constantFrom(...ELEMENT_NAMES) }),
  fc.record({ op: fc.constant('insert-child' as const), at: fc.nat(), name: fc.constantFrom(...ELEMENT_NAMES) }),
  fc.record({ op: fc.constant('text' as const), at: fc.nat(), text: fc.constantFrom(...LEAF_TEXTS) }),
);

/** Applies one structural mutation to text `serializeMessage` wrote (or that earlier ones left well-formed). */
export function mutateStructure(xml: string, m: StructuralMutation): string {
  const elements = elementsOf(xml);
  const e = elements[m.at % Math.max(1, elements.length)];
  if (e === undefined) return xml;
  const whole = xml.slice(e.start, e.end);
  switch (m.op) {
    case 'delete':
      return xml.slice(0, e.start) + xml.slice(e.end);
    case 'duplicate':
      return xml.slice(0, e.end) + whole + xml.slice(e.end);
    case 'move': {
      const rest = xml.slice(0, e.start) + xml.slice(e.end);
      // Insert at the start of another element (or at the end of the root's content), never inside the one moved.
      const targets = elementsOf(rest);
      const target = targets[m.to % Math.max(1, targets.length)];
      const at = target === undefined || target.start === 0 ? rest.lastIndexOf('</') : target.start;
      return at < 0 ? xml : rest.slice(0, at) + whole + rest.slice(at);
    }
    case 'rename': {
      const start = xml.slice(e.start, e.contentStart).replace(e.name, m.name);
      const end = e.contentEnd === e.end ? '' : `</${m.name}>`;
      return xml.slice(0, e.start) + start + xml.slice(e.contentStart, e.contentEnd) + end + xml.slice(e.end);
    }
    case 'xmlns': {
      const tag = xml.slice(e.start, e.contentStart);
      const withNs = tag.replace(/\s+xmlns=("[^"]*"|'[^']*')/, '').replace(e.name, `${e.name} xmlns=${m.quote}${m.ns}${m.quote}`);
      return xml.slice(0, e.start) + withNs + xml.slice(e.contentStart);
    }
    case 'wrap':
      return `${xml.slice(0, e.start)}<${m.name}>${whole}</${m.name}>${xml.slice(e.end)}`;
    case 'insert-child': {
      const child = `<${m.name}/>`;
      if (e.contentEnd === e.end) return `${xml.slice(0, e.start)}<${e.name}>${child}</${e.name}>${xml.slice(e.end)}`;
      return xml.slice(0, e.contentStart) + child + xml.slice(e.contentStart);
    }
    case 'text':
      if (e.contentEnd === e.end) return `${xml.slice(0, e.start)}<${e.name}>${m.text}</${e.name}>${xml.slice(e.end)}`;
      return xml.slice(0, e.contentStart) + m.text + xml.slice(e.contentEnd);
  }
}
