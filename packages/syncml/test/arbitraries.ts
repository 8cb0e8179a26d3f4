/**
 * fast-check arbitraries of SyncML ASTs, for this package's laws and for other packages that need
 * whole messages (the planner's packer, the device simulator, the server's session tests).
 *
 * Every generated message is one `serializeMessage` accepts and `parseMessage` reads back equal:
 * leaf strings carry no surrounding XML whitespace (the parser trims leaves), no string holds a
 * character XML 1.0 forbids, and CmdIDs are unique positive integers.
 */
import fc from 'fast-check';
import type {
  Alert,
  Command,
  Cred,
  Exec,
  Item,
  Location,
  Meta,
  Results,
  Status,
  SyncHdr,
  SyncMLMessage,
} from '../src/index.js';

/** One character XML 1.0 can carry, biased towards the ones that need escaping. */
const xmlChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcXYZ019./:-_{}'.split('')) },
  { weight: 3, arbitrary: fc.constantFrom('&', '<', '>', '"', "'", ']', ' ', '\n', '\t', '\r', ';', '#') },
  { weight: 1, arbitrary: fc.constantFrom('é', 'Ω', '€', '\u00a0', '\u2028', '\ufffd', '😀', '𝄞', '\uE000') },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0x20, max: 0x10ffff })
      .filter((cp) => cp < 0xd800 || (cp > 0xdfff && cp !== 0xfffe && cp !== 0xffff))
      .map((cp) => String.fromCodePoint(cp)),
  },
);

function trimXml(text: string): string {
  return text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
}

/** Text of a leaf element (LocURI, Cmd, Meta/Type, ...): any XML characters, no surrounding whitespace. */
export const leafTextArb: fc.Arbitrary<string> = fc.string({ unit: xmlChar, maxLength: 24 }).map(trimXml);

/** A CSP-style LocURI, readable in failure reports. */
export const locUriArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(fc.constantFrom('Device', 'Vendor', 'MSFT', 'Policy', 'Config', 'DevDetail', 'SwV', 'MS%20DM%20Server', 'Chrome~Policy~googlechrome'), {
      minLength: 1,
      maxLength: 6,
    })
    .map((parts) => `./${parts.join('/')}`),
  leafTextArb,
);

/**
 * `Data` content: anything, including XML payloads (`<enabled/><data id="x" value="1"/>`), `]]>`,
 * CDATA openers, entity look-alikes and surrounding whitespace, all of which must survive exactly.
 */
export const dataTextArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: xmlChar, maxLength: 12 }) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          '<enabled/>',
          '<Enabled/>',
          '<data id="Url" value="https://example.com/?a=1&amp;b=2"/>',
          '<MsiInstallJob id="{AF9257BA}"><Product Version="1.0.0.0"/></MsiInstallJob>',
          ']]>',
          ']]',
          '<![CDATA[',
          '&amp;',
          '&lt;',
          '&#xF000;',
          '\uF000',
          '  ',
          '\n  ',
          '\r\n',
          '<!-- c -->',
        ),
      },
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));

/** Alert and Status codes: usually numeric, sometimes any (trimmed) text, as the AST allows. */
export const codeTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 100, max: 1299 }).map(String) },
  { weight: 1, arbitrary: leafTextArb },
);

const countArb = fc.oneof(fc.nat({ max: 1_000_000 }), fc.constant(0), fc.constant(Number.MAX_SAFE_INTEGER));

/** `Meta` with any subset of its fields. */
export const metaArb: fc.Arbitrary<Meta> = fc.record(
  {
    format: fc.oneof(fc.constantFrom('chr', 'int', 'bool', 'b64', 'xml', 'node'), leafTextArb),
    type: fc.oneof(fc.constantFrom('text/plain', 'com.microsoft/MDM/LoginStatus', 'syncml:auth-basic'), leafTextArb),
    mark: leafTextArb,
    size: countArb,
    maxObjSize: countArb,
    maxMsgSize: countArb,
    nextNonce: leafTextArb,
    version: leafTextArb,
  },
  { requiredKeys: [] },
);

/** A `Target` or `Source`. */
export const locationArb: fc.Arbitrary<Location> = fc.record(
  { locURI: locUriArb, locName: leafTextArb },
  { requiredKeys: ['locURI'] },
);

/** An `Item` with any subset of Target, Source, Meta, Data, MoreData. */
export const itemArb: fc.Arbitrary<Item> = fc.record(
  {
    target: locationArb,
    source: locationArb,
    meta: metaArb,
    data: dataTextArb,
    moreData: fc.constant(true as const),
  },
  { requiredKeys: [] },
);

const itemsArb = fc.array(itemArb, { maxLength: 3 });
const refsArb = fc.array(leafTextArb, { maxLength: 2 });
const noResp = fc.constant(true as const);
/** CmdIDs are placeholders here; {@link messageArb} numbers commands uniquely. */
const PLACEHOLDER = 1;

const alertArb: fc.Arbitrary<Alert> = fc
  .record(
    { noResp, data: codeTextArb, correlator: leafTextArb, items: itemsArb },
    { requiredKeys: ['data', 'items'] },
  )
  .map((r) => ({ kind: 'Alert', cmdId: PLACEHOLDER, ...r }));

const statusArb: fc.Arbitrary<Status> = fc
  .record(
    {
      msgRef: fc.nat({ max: 100 }),
      cmdRef: fc.nat({ max: 10_000 }),
      cmd: fc.oneof(fc.constantFrom('SyncHdr', 'Alert', 'Replace', 'Add', 'Get', 'Exec', 'Delete'), leafTextArb),
      targetRefs: refsArb,
      sourceRefs: refsArb,
      chal: metaArb.map((meta) => ({ meta })),
      data: codeTextArb,
      items: itemsArb,
    },
    { requiredKeys: ['msgRef', 'cmdRef', 'cmd', 'targetRefs', 'sourceRefs', 'data', 'items'] },
  )
  .map((r) => ({ kind: 'Status', cmdId: PLACEHOLDER, ...r }));

const resultsArb: fc.Arbitrary<Results> = fc
  .record(
    {
      msgRef: fc.nat({ max: 100 }),
      cmdRef: fc.nat({ max: 10_000 }),
      cmd: fc.constantFrom('Get'),
      meta: metaArb,
      targetRefs: refsArb,
      sourceRefs: refsArb,
      items: itemsArb,
    },
    { requiredKeys: ['cmdRef', 'targetRefs', 'sourceRefs', 'items'] },
  )
  .map((r) => ({ kind: 'Results', cmdId: PLACEHOLDER, ...r }));

const itemCommandArb: fc.Arbitrary<Command> = fc
  .tuple(
    fc.constantFrom('Add', 'Replace', 'Delete', 'Get', 'Copy' as const),
    fc.record({ noResp, meta: metaArb, items: itemsArb }, { requiredKeys: ['items'] }),
  )
  .map(([kind, r]) => ({ kind, cmdId: PLACEHOLDER, ...r }) as Command);

const execArb: fc.Arbitrary<Exec> = fc
  .record({ noResp, meta: metaArb, correlator: leafTextArb, items: itemsArb }, { requiredKeys: ['items'] })
  .map((r) => ({ kind: 'Exec', cmdId: PLACEHOLDER, ...r }));

/** Any command except Atomic/Sequence, CmdID not yet assigned. */
export const simpleCommandArb: fc.Arbitrary<Command> = fc.oneof(alertArb, statusArb, resultsArb, itemCommandArb, execArb);

/** Any command, Atomic/Sequence nesting up to `depth` levels; CmdIDs not yet assigned. */
export function commandArb(depth = 2): fc.Arbitrary<Command> {
  if (depth <= 0) return simpleCommandArb;
  const inner = commandArb(depth - 1);
  const container = fc
    .tuple(
      fc.constantFrom('Atomic', 'Sequence' as const),
      fc.record({ noResp, meta: metaArb, commands: fc.array(inner, { maxLength: 3 }) }, { requiredKeys: ['commands'] }),
    )
    .map(([kind, r]) => ({ kind, cmdId: PLACEHOLDER, ...r }) as Command);
  return fc.oneof({ weight: 5, arbitrary: simpleCommandArb }, { weight: 1, arbitrary: container });
}

/** A header with any subset of the optional parts. */
export const headerArb: fc.Arbitrary<SyncHdr> = fc
  .record(
    {
      sessionId: fc.oneof(fc.nat({ max: 0xffff }).map((n) => n.toString(16).toUpperCase()), leafTextArb),
      msgId: fc.integer({ min: 1, max: 2 ** 31 }),
      target: locationArb,
      source: locationArb,
      cred: fc.record({ meta: metaArb, data: dataTextArb }, { requiredKeys: ['data'] }) as fc.Arbitrary<Cred>,
      meta: metaArb,
      respURI: leafTextArb,
      noResp,
    },
    { requiredKeys: ['sessionId', 'msgId', 'target', 'source'] },
  )
  .map((r) => ({ verDTD: '1.2', verProto: 'DM/1.2', ...r }));

function countCommands(commands: readonly Command[]): number {
  let n = 0;
  for (const c of commands) {
    n += 1;
    if (c.kind === 'Atomic' || c.kind === 'Sequence') n += countCommands(c.commands);
  }
  return n;
}

function renumber(commands: readonly Command[], ids: readonly number[], next: { i: number }): Command[] {
  return commands.map((c) => {
    const cmdId = ids[next.i++] ?? 1;
    if (c.kind === 'Atomic' || c.kind === 'Sequence') {
      const inner = renumber(c.commands, ids, next);
      return { ...c, cmdId, commands: inner };
    }
    return { ...c, cmdId };
  });
}

/** Options of {@link messageArb}. */
export interface MessageArbOptions {
  /** Most top-level commands. Default 6. */
  maxCommands?: number;
  /** Deepest Atomic/Sequence nesting. Default 2. */
  depth?: number;
}

/** Whole messages with unique, non-zero CmdIDs (in any order, nested commands included). */
export function messageArb(options: MessageArbOptions = {}): fc.Arbitrary<SyncMLMessage> {
  const { maxCommands = 6, depth = 2 } = options;
  return fc
    .record({
      header: headerArb,
      body: fc.array(commandArb(depth), { maxLength: maxCommands }),
      final: fc.boolean(),
    })
    .chain((m) => {
      const n = countCommands(m.body);
      return fc
        .uniqueArray(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { minLength: n, maxLength: n })
        .map((ids) => ({ ...m, body: renumber(m.body, ids, { i: 0 }) }));
    });
}
