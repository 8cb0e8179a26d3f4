import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseMessage,
  serializeMessage,
  serializeMessageReference,
  SyncMLError,
  type SyncMLMessage,
} from '../src/index.js';
import { messageArb } from './arbitraries.js';
import { ADMX_BODIES, FRAGMENTS, WHOLE_MESSAGES, envelope, fixture, syncBodyOf } from './fixture.js';

/** Real messages: every whole-message fixture, every fragment and ADMX-backed body in an envelope. */
const REAL: readonly string[] = [
  ...WHOLE_MESSAGES.map((name) => fixture(name)),
  ...FRAGMENTS.map((name) => envelope(fixture(name))),
  // admx-backed-text-learn.xml publishes the template CmdID "$CmdId$"; given a real one it is a message.
  ...ADMX_BODIES.map((name) => envelope(syncBodyOf(fixture(name)).replace('$CmdId$', '2'))),
];
/** Mutation seeds: the real messages plus published documents that are refused as they stand. */
const SEEDS: readonly string[] = [
  ...REAL,
  fixture('alert-1226-unenroll-userrequest-package1-learn.txt'),
  fixture('admx-backed-appv-enable-entity-escaped-learn-old.xml'),
  fixture('admx-backed-text-learn.xml'),
];

/**
 * The robustness contract for any input: either it is refused with a SyncMLError (never another
 * exception), or it is accepted and then survives serialize → parse unchanged.
 */
function parsesOrRefuses(input: string | Uint8Array): void {
  let message: SyncMLMessage;
  try {
    message = parseMessage(input);
  } catch (error) {
    if (error instanceof SyncMLError) return;
    throw error;
  }
  expect(parseMessage(serializeMessage(message))).toEqual(message);
}

describe('laws', () => {
  it('round trip: parseMessage(serializeMessage(m)) deep-equals m', () => {
    fc.assert(
      fc.property(messageArb(), (m) => {
        expect(parseMessage(serializeMessage(m))).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('determinism: equal messages serialize to identical strings, and serialization is a fixpoint of parsing', () => {
    fc.assert(
      fc.property(messageArb(), (m) => {
        const xml = serializeMessage(m);
        expect(serializeMessage(structuredClone(m))).toBe(xml);
        expect(serializeMessage(parseMessage(xml))).toBe(xml);
      }),
      { numRuns: 200 },
    );
  });

  it('reference equality: the string writer and the xmlbuilder2 serializer give identical bytes on generated messages', () => {
    fc.assert(
      fc.property(messageArb(), (m) => {
        expect(serializeMessage(m)).toBe(serializeMessageReference(m));
      }),
      { numRuns: 200 },
    );
  });

  it('reference equality on every real message', () => {
    for (const text of REAL) {
      const m = parseMessage(text);
      expect(serializeMessage(m)).toBe(serializeMessageReference(m));
    }
  });

  it('robustness: arbitrary strings parse or throw a SyncMLError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 300 })), (input) => {
        parsesOrRefuses(input);
      }),
      { numRuns: 300 },
    );
  });

  it('robustness: arbitrary bytes parse or throw a SyncMLError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        parsesOrRefuses(input);
      }),
      { numRuns: 200 },
    );
  });

  const TOKENS = [
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

  it('robustness: tag soup of SyncML pieces parses or throws a SyncMLError', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => {
        parsesOrRefuses(tokens.join(''));
      }),
      { numRuns: 300 },
    );
  });

  const INJECTIONS = [
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

  type Mutation =
    | { op: 'replace-char'; at: number; code: number }
    | { op: 'truncate'; at: number }
    | { op: 'duplicate'; from: number; length: number; to: number }
    | { op: 'delete'; from: number; length: number }
    | { op: 'inject'; at: number; what: string };

  const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constant('replace-char' as const), at: fc.nat(), code: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('duplicate' as const), from: fc.nat(), length: fc.nat({ max: 200 }), to: fc.nat() }),
    fc.record({ op: fc.constant('delete' as const), from: fc.nat(), length: fc.nat({ max: 200 }) }),
    fc.record({ op: fc.constant('inject' as const), at: fc.nat(), what: fc.constantFrom(...INJECTIONS) }),
  );

  function mutate(text: string, m: Mutation): string {
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

  it('robustness: mutated real messages (slices, truncation, injected DOCTYPE/CDATA/nesting) parse or throw a SyncMLError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
        parsesOrRefuses(mutations.reduce(mutate, seed));
      }),
      { numRuns: 500 },
    );
  });

  it('robustness: real messages with flipped bytes parse or throw a SyncMLError', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS),
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
        (seed, flips) => {
          const bytes = encoder.encode(seed);
          for (const { at, byte } of flips) bytes[at % bytes.length] = byte;
          parsesOrRefuses(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });
});
