import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseMessage,
  parseMessageReference,
  serializeMessage,
  SyncMLError,
  type ParseOptions,
  type SyncMLMessage,
} from '../src/index.js';
import { messageArb } from './arbitraries.js';
import { envelope, fixture, fixtureBytes, fixtureNames, syncBodyOf } from './fixture.js';
import {
  MUTATION_SEEDS,
  REAL_MESSAGES,
  TOKENS,
  flipBytes,
  flipsArb,
  mutate,
  mutateStructure,
  mutationArb,
  rewrite,
  rewriteArb,
  structuralMutationArb,
} from './mutations.js';

/**
 * What reading an input came to: the AST (and its JSON, which also pins down key order), or the
 * error's class, code, path and message. Anything but a SyncMLError escapes and fails the test.
 */
type Outcome =
  | { ok: true; message: SyncMLMessage; json: string }
  | { ok: false; name: string; code: string; path: string | undefined; message: string };

// fast-xml-parser renames elements called like Object.prototype members (`toString` becomes
// `__toString`), so the reference names them so in its messages; the fast reader names what was
// written. The law compares messages with both spellings mapped to the written one.
const RENAMED = /<__(hasOwnProperty|toString|valueOf|__defineGetter__|__defineSetter__|__lookupGetter__|__lookupSetter__)>/g;

function outcome(read: typeof parseMessage, input: string | Uint8Array, options?: ParseOptions): Outcome {
  try {
    const message = read(input, options);
    return { ok: true, message, json: JSON.stringify(message) };
  } catch (error) {
    if (!(error instanceof SyncMLError)) throw error;
    return { ok: false, name: error.name, code: error.code, path: error.path, message: error.message.replace(RENAMED, '<$1>') };
  }
}

/**
 * The law: the fast reader and the reference return deep-equal ASTs (same keys in the same
 * order), or both throw a SyncMLError of the same class, code, path and message.
 */
function expectSameOutcome(input: string | Uint8Array, options?: ParseOptions): Outcome {
  const reference = outcome(parseMessageReference, input, options);
  expect(outcome(parseMessage, input, options)).toStrictEqual(reference);
  return reference;
}

/** Mostly the default depth limit, sometimes a small one, so that TOO_DEEP meets every other error. */
const optionsArb: fc.Arbitrary<ParseOptions | undefined> = fc.option(
  fc.integer({ min: 1, max: 12 }).map((maxDepth) => ({ maxDepth })),
  { nil: undefined, freq: 4 },
);

describe('differential law: parseMessage ≡ parseMessageReference', () => {
  it('reference equality on generated messages, canonical and rewritten into other dialects', () => {
    fc.assert(
      fc.property(messageArb(), fc.array(rewriteArb, { maxLength: 4 }), optionsArb, (m, rewrites, options) => {
        expectSameOutcome(rewrites.reduce(rewrite, serializeMessage(m)), options);
      }),
      { numRuns: 500 },
    );
  });

  it('reference equality on generated messages broken element by element (deleted, repeated, moved, renamed, wrapped, re-namespaced, re-valued)', () => {
    fc.assert(
      fc.property(
        messageArb(),
        fc.array(rewriteArb, { maxLength: 3 }),
        fc.array(structuralMutationArb, { minLength: 1, maxLength: 4 }),
        (m, rewrites, mutations) => {
          expectSameOutcome(mutations.reduce(mutateStructure, rewrites.reduce(rewrite, serializeMessage(m))));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reference equality on generated messages with character-level mutations', () => {
    fc.assert(
      fc.property(messageArb(), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (m, mutations) => {
        expectSameOutcome(mutations.reduce(mutate, serializeMessage(m)));
      }),
      { numRuns: 500 },
    );
  });

  it('reference equality on every file of fixtures/syncml, as text and as bytes, at every depth limit that matters', () => {
    const inputs: string[] = [];
    for (const name of fixtureNames()) {
      const text = fixture(name);
      inputs.push(text, envelope(text), envelope(syncBodyOf(text)));
      expectSameOutcome(fixtureBytes(name));
    }
    inputs.push(...REAL_MESSAGES);
    let accepted = 0;
    for (const input of inputs) {
      if (expectSameOutcome(input).ok) accepted++;
      for (let maxDepth = 1; maxDepth <= 12; maxDepth++) expectSameOutcome(input, { maxDepth });
    }
    // The law must have compared ASTs, not only errors: every real message is among the inputs.
    expect(accepted).toBeGreaterThanOrEqual(REAL_MESSAGES.length);
  });

  it('reference equality on real messages broken element by element', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REAL_MESSAGES), fc.array(structuralMutationArb, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
        expectSameOutcome(mutations.reduce(mutateStructure, seed));
      }),
      { numRuns: 500 },
    );
  });

  it('reference equality on mutated real messages (slices, truncation, injected DOCTYPE/CDATA/nesting/entities)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MUTATION_SEEDS),
        fc.array(rewriteArb, { maxLength: 2 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        optionsArb,
        (seed, rewrites, mutations, options) => {
          expectSameOutcome(mutations.reduce(mutate, rewrites.reduce(rewrite, seed)), options);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reference equality on real messages with flipped bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MUTATION_SEEDS), flipsArb, (seed, flips) => {
        expectSameOutcome(flipBytes(seed, flips));
      }),
      { numRuns: 500 },
    );
  });

  it('reference equality on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 300 })), (input) => {
        expectSameOutcome(input);
      }),
      { numRuns: 500 },
    );
  });

  it('reference equality on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        expectSameOutcome(input);
      }),
      { numRuns: 500 },
    );
  });

  it('reference equality on tag soup of SyncML pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => {
        expectSameOutcome(tokens.join(''));
      }),
      { numRuns: 500 },
    );
  });
});

const HEADER =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Target><Source><LocURI>DEVICE-1</LocURI></Source></SyncHdr>';

function message(body: string, header = HEADER): string {
  return `<SyncML xmlns="SYNCML:SYNCML1.2">${header}<SyncBody>${body}<Final/></SyncBody></SyncML>`;
}

/** Asserts that both readers refuse `input` with this code and message. */
function expectBothRefuse(input: string, code: string, text: string | RegExp): void {
  const reference = expectSameOutcome(input);
  expect(reference.ok).toBe(false);
  if (reference.ok) return;
  expect(reference.code).toBe(code);
  if (typeof text === 'string') expect(reference.message).toBe(text);
  else expect(reference.message).toMatch(text);
}

describe('where fast-xml-parser alone would read another document than the one written (found by the law, refused by the gate of both readers)', () => {
  it('a comment in Data opening "<!--->" and hiding markup: the parser ended it at "<!--->" and the payload at the hidden </Data>', () => {
    expectBothRefuse(
      message('<Replace><CmdID>2</CmdID><Item><Data><!---> </Data> --></Data></Item></Replace>'),
      'ERR_SYNCML_NOT_XML',
      /^Refused at line 1, column \d+: a comment in Data that opens with "<!--->" and holds "<" \(parsers disagree on where it ends\)$/,
    );
    // Without markup inside, both readings give the same payload: accepted.
    const accepted = expectSameOutcome(message('<Replace><CmdID>2</CmdID><Item><Data>a<!---> b -->c</Data></Item></Replace>'));
    expect(accepted.ok && accepted.message.body[0]).toMatchObject({ items: [{ data: 'ac' }] });
  });

  it('a quoted "?>" in a processing instruction: the parser skipped quoted strings and swallowed the text after the real end', () => {
    expectBothRefuse(
      message('<Get><CmdID>2</CmdID><Item><Target><LocURI>a<?pi "?>b" ?></LocURI></Target></Item></Get>'),
      'ERR_SYNCML_NOT_XML',
      /^Refused at line 1, column \d+: a quoted string in a processing instruction spans its "\?>" \(parsers disagree on where it ends\)$/,
    );
    expectBothRefuse(message("<Get><CmdID>2</CmdID><?note don't?></Get>"), 'ERR_SYNCML_NOT_XML', /a quoted string in a processing instruction/);
    // Balanced quotes end where XML says: accepted.
    expect(expectSameOutcome(message('<Get><CmdID>2</CmdID><?app a="1"?></Get>')).ok).toBe(true);
  });

  it('U+FEFF or U+1680 in a name: XML name characters that JavaScript counts as whitespace, so the parser saw <LocURI> and xmlns', () => {
    const get = (item: string): string => message(`<Get><CmdID>2</CmdID><Item>${item}</Item></Get>`);
    expectBothRefuse(
      get('<Target><LocURI\uFEFF>x</LocURI\uFEFF></Target>'),
      'ERR_SYNCML_NOT_XML',
      /^Refused at line 1, column \d+: a name holding U\+FEFF, which XML allows in names but JavaScript parsers read as whitespace \(they would see another name\)$/,
    );
    expectBothRefuse(get('<Target><LocURI>x</LocURI></Target><Meta><Type xmlns\u1680="urn:x">t</Type></Meta>'), 'ERR_SYNCML_NOT_XML', /a name holding U\+1680/);
  });

  it('a reserved name inside a root <Data> (not a stop node for the parser): an unknown element, not a parser crash', () => {
    expectBothRefuse('<Data><constructor/></Data>', 'ERR_SYNCML_UNKNOWN_ELEMENT', '<constructor> at line 1, column 7 is not a SyncML element');
  });

  it('elements named like Object.prototype members are reported under their own name by the fast reader', () => {
    const input = message('').replace('</SyncHdr>', '<toString/></SyncHdr>');
    expect(() => parseMessage(input)).toThrow('<toString> at header is not an element of SyncHdr that this codec supports');
    expect(() => parseMessageReference(input)).toThrow('<__toString> at header is not an element of SyncHdr that this codec supports');
    expectSameOutcome(input);
  });
});

describe('error paths: every place an element can stand, read by both', () => {
  const STATUS = '<Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data>';
  it.each([
    ['Final with content', message('').replace('<Final/>', '<Final><x/></Final>'), '<Final> at final must be empty, but contains <x>'],
    ['NoResp in the header', message('', HEADER.replace('</SyncHdr>', '<NoResp>a<x/></NoResp></SyncHdr>')), '<NoResp> at header.noResp must be empty, but contains <x>'],
    ['NoResp in a command', message('<Get><CmdID>1</CmdID><NoResp><x/></NoResp></Get>'), '<NoResp> at body[0].noResp must be empty, but contains <x>'],
    ['MoreData', message('<Replace><CmdID>1</CmdID><Item><MoreData><x/></MoreData></Item></Replace>'), '<MoreData> at body[0].items[0].moreData must be empty, but contains <x>'],
    ['a header leaf', message('', HEADER.replace('<SessionID>1', '<SessionID>1<x/>')), '<SessionID> at header.sessionId must hold text, but contains the element <x>'],
    ['a header location', message('', HEADER.replace('<LocURI>DEVICE-1', '<LocURI>DEVICE-1<x/>')), '<LocURI> at header.source.locURI must hold text, but contains the element <x>'],
    ['a Cred Meta field', message('', HEADER.replace('</SyncHdr>', '<Cred><Meta><Type><x/></Type></Meta><Data>a</Data></Cred></SyncHdr>')), '<Type> at header.cred.meta.type must hold text, but contains the element <x>'],
    ['a Chal Meta field', message(`${STATUS}<Chal><Meta><NextNonce><x/></NextNonce></Meta></Chal></Status>`), '<NextNonce> at body[0].chal.meta.nextNonce must hold text, but contains the element <x>'],
    ['a TargetRef', message(`${STATUS}<TargetRef>a</TargetRef><TargetRef><x/></TargetRef></Status>`), '<TargetRef> at body[0].targetRefs[1] must hold text, but contains the element <x>'],
    ['a metinf element in Item', message('<Get><CmdID>1</CmdID><Item><Format>a<x/></Format></Item></Get>'), '<Format> at body[0].items[0].meta.format must hold text, but contains the element <x>'],
    ['a nested command', message('<Sequence><CmdID>1</CmdID><Atomic><CmdID>2</CmdID><Get><CmdID>3</CmdID><Item><Target><LocName><x/></LocName></Target></Item></Get></Atomic></Sequence>'), '<LocName> at body[0].commands[0].commands[0].items[0].target.locName must hold text, but contains the element <x>'],
  ])('%s', (_where, input, text) => {
    expectBothRefuse(input, 'ERR_SYNCML_INVALID_CONTENT', text);
  });

  it('a CDATA leaf value keeps its line ends normalised, like text', () => {
    const accepted = expectSameOutcome(message('<Alert><CmdID>1</CmdID><Data>1224</Data><Correlator><![CDATA[a\r\nb\rc]]></Correlator></Alert>'));
    expect(accepted.ok && accepted.message.body[0]).toMatchObject({ correlator: 'a\nb\nc' });
  });
});

describe('error precedence: the single pass reports what the reference meets first', () => {
  it('a syntax error anywhere beats a SyncML error earlier in the text', () => {
    expectBothRefuse(
      message('<Get><CmdID>0</CmdID></Get><Get><CmdID>3</CmdID><Item><Data>a & b</Data></Item></Get>'),
      'ERR_SYNCML_NOT_XML',
      /^Not well-formed XML: "&" at offset \d+ is not a character or predefined entity reference$/,
    );
  });

  it('the header is read before the body, wherever it stands', () => {
    const input =
      '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Get><CmdID>0</CmdID></Get></SyncBody>' +
      HEADER.replace('<MsgID>1</MsgID>', '<MsgID>x</MsgID>') +
      '</SyncML>';
    expectBothRefuse(input, 'ERR_SYNCML_MSGID', 'SyncHdr MsgID is "x"; expected an integer ≥ 1');
  });

  it("the root's children are checked before the header is read", () => {
    const input = `<SyncML xmlns="SYNCML:SYNCML1.2">${HEADER.replace('<VerDTD>1.2', '<VerDTD>1.1')}<SyncBody/><Sync/></SyncML>`;
    expectBothRefuse(input, 'ERR_SYNCML_UNKNOWN_ELEMENT', '<Sync> at the root is not an element of SyncML that this codec supports');
  });

  it('a missing SyncBody is reported before any error inside the header', () => {
    expectBothRefuse(
      `<SyncML xmlns="SYNCML:SYNCML1.2">${HEADER.replace('<VerDTD>1.2', '<VerDTD>1.1')}</SyncML>`,
      'ERR_SYNCML_MISSING_ELEMENT',
      '<SyncML> has no SyncBody',
    );
  });

  it("a command's children are read before its own CmdID is checked", () => {
    expectBothRefuse(
      message('<Replace><CmdID>0</CmdID><Item><Meta><Size>big</Size></Meta></Item></Replace>'),
      'ERR_SYNCML_INVALID_NUMBER',
      '<Size> at body[0].items[0].meta.size is "big"; expected an integer ≥ 0',
    );
  });

  it("nested commands take their CmdIDs before their container's", () => {
    expectBothRefuse(
      message('<Atomic><CmdID>5</CmdID><Get><CmdID>5</CmdID></Get></Atomic>'),
      'ERR_SYNCML_CMDID_DUPLICATE',
      'Atomic at body[0] reuses CmdID 5 of Get at body[0].commands[0]',
    );
  });
});
