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
import {
  MUTATION_SEEDS as SEEDS,
  REAL_MESSAGES as REAL,
  TOKENS,
  flipBytes,
  flipsArb,
  mutate,
  mutationArb,
} from './mutations.js';

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

  it('robustness: tag soup of SyncML pieces parses or throws a SyncMLError', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => {
        parsesOrRefuses(tokens.join(''));
      }),
      { numRuns: 300 },
    );
  });

  it('robustness: mutated real messages (slices, truncation, injected DOCTYPE/CDATA/nesting) parse or throw a SyncMLError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (seed, mutations) => {
        parsesOrRefuses(mutations.reduce(mutate, seed));
      }),
      { numRuns: 500 },
    );
  });

  it('robustness: real messages with flipped bytes parse or throw a SyncMLError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), flipsArb, (seed, flips) => {
        parsesOrRefuses(flipBytes(seed, flips));
      }),
      { numRuns: 300 },
    );
  });
});
