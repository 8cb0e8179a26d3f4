import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  admxBackedValuesEqual,
  decodeAdmxBackedValue,
  encodeAdmxBackedValue,
  validateAdmxBackedValue,
} from '@winmdm/admx';
import type { AdmxBackedValue, AdmxDataValue, AdmxElement, AdmxPolicy } from '@winmdm/admx';

const RUNS = { numRuns: 200 };

// Characters that stress the codec: XML specials, whitespace that attribute normalisation would
// eat, non-ASCII, a surrogate pair, and (for text only) the list separator itself.
const special = fc.constantFrom('&', '<', '>', '"', "'", '\t', '\n', '\r', ' ', 'é', '€', '😀', ';', '#', '=');
const ascii = fc.integer({ min: 0x20, max: 0x7e }).map((n) => String.fromCharCode(n));
const unit = fc.oneof({ arbitrary: ascii, weight: 4 }, { arbitrary: special, weight: 1 });

function text(minLength: number, maxLength: number, withSeparator: boolean): fc.Arbitrary<string> {
  const units = withSeparator ? fc.oneof({ arbitrary: unit, weight: 9 }, { arbitrary: fc.constant('\uF000'), weight: 1 }) : unit;
  return fc
    .array(units, { minLength, maxLength })
    .map((parts) => parts.join(''))
    .filter((s) => s.length <= maxLength);
}

const idArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,10}$/);
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** `base` plus the `extra` fields that are defined (optional properties stay absent, not undefined). */
function withOptional<T extends object>(base: T, extra: Record<string, unknown>): T {
  const defined = Object.entries(extra).filter(([, v]) => v !== undefined);
  return { ...base, ...Object.fromEntries(defined) };
}

// Built once: arbitraries such as stringMatching are costly to construct per generated policy.
const enumValuesArb = fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.stringMatching(/^[a-z][a-z-]{0,8}$/)), {
  minLength: 1,
  maxLength: 4,
  selector: (v) => String(v),
});

function elementArb(id: string): fc.Arbitrary<AdmxElement> {
  const bounds = (limit: number) =>
    fc
      .tuple(optional(fc.integer({ min: 0, max: limit })), optional(fc.integer({ min: 0, max: limit })))
      .map(([a, b]) => (a !== undefined && b !== undefined && a > b ? [b, a] : [a, b]));
  return fc.oneof(
    fc.record({ required: fc.boolean(), maxLength: optional(fc.integer({ min: 1, max: 30 })) }).map(
      (r): AdmxElement => withOptional({ type: 'text', id, required: r.required }, { maxLength: r.maxLength }),
    ),
    fc
      .record({
        required: fc.boolean(),
        maxLength: optional(fc.integer({ min: 1, max: 12 })),
        maxStrings: optional(fc.integer({ min: 0, max: 4 })),
      })
      .map((r): AdmxElement => withOptional({ type: 'multiText', id, required: r.required }, { maxLength: r.maxLength, maxStrings: r.maxStrings })),
    fc.record({ required: fc.boolean(), type: fc.constantFrom('decimal' as const, 'longDecimal' as const), bounds: bounds(2 ** 40) }).map(
      (r): AdmxElement =>
        withOptional(
          { type: r.type, id, required: r.required },
          // Without a stated maxValue the default 9999 applies, so keep a stated minValue below it.
          { minValue: r.bounds[1] === undefined ? (r.bounds[0] ?? 0) % 10_000 : r.bounds[0], maxValue: r.bounds[1] },
        ),
    ),
    fc.constant<AdmxElement>({ type: 'boolean', id }),
    fc
      .record({
        required: fc.boolean(),
        values: enumValuesArb,
      })
      .map(
        (r): AdmxElement => ({
          type: 'enum',
          id,
          required: r.required,
          items: r.values.map((v) => ({
            value: typeof v === 'number' ? { type: 'decimal' as const, value: v } : { type: 'string' as const, value: v },
          })),
        }),
      ),
    fc.constant<AdmxElement>({ type: 'list', id }),
  );
}

const policyArb: fc.Arbitrary<AdmxPolicy> = fc
  .uniqueArray(idArb, { maxLength: 6, selector: (id) => id.toLowerCase() })
  .chain((ids) => fc.tuple(...ids.map(elementArb)))
  .map((elements): AdmxPolicy => ({ name: 'Generated', class: 'Machine', key: 'Software\\Test', elements }));

/** A value valid for the element, in canonical (typed) form. */
function dataArb(element: AdmxElement): fc.Arbitrary<AdmxDataValue> {
  switch (element.type) {
    case 'text':
      return text(element.required ? 1 : 0, Math.min(element.maxLength ?? 1023, 30), true);
    case 'multiText': {
      const maxStrings = element.maxStrings === undefined || element.maxStrings === 0 ? 4 : element.maxStrings;
      return fc.array(text(1, Math.min(element.maxLength ?? 1023, 12), false), {
        minLength: element.required ? 1 : 0,
        maxLength: maxStrings,
      });
    }
    case 'list':
      return fc.array(text(1, 12, false), { maxLength: 4 });
    case 'decimal':
    case 'longDecimal':
      return fc.integer({ min: element.minValue ?? 0, max: element.maxValue ?? 9999 });
    case 'boolean':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...element.items.map((i) => (i.value.type === 'delete' ? 0 : i.value.value)));
  }
}

function valueArb(policy: AdmxPolicy): fc.Arbitrary<AdmxBackedValue> {
  const entries = policy.elements.map((element) => {
    const required = 'required' in element && element.required;
    const value = dataArb(element).map((v) => [element.id, v] as const);
    return required ? value.map((e) => [e]) : fc.option(value, { nil: undefined }).map((e) => (e === undefined ? [] : [e]));
  });
  return fc.oneof(
    { arbitrary: fc.constant<AdmxBackedValue>({ state: 'disabled' }), weight: 1 },
    {
      arbitrary: fc.tuple(...entries).map((lists): AdmxBackedValue => {
        const data = lists.flat();
        return data.length === 0 ? { state: 'enabled' } : { state: 'enabled', data: Object.fromEntries(data) };
      }),
      weight: 6,
    },
  );
}

const policyAndValue = policyArb.chain((policy) => valueArb(policy).map((value) => ({ policy, value })));

/** A small deterministic PRNG, seeded by fast-check, for the many coin flips of a spelling variant. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomCase(word: string, rnd: () => number): string {
  return [...word].map((c) => (rnd() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

/** Escapes a value for an attribute quoted with `quote`, choosing among the spellings XML allows. */
function spellValue(value: string, quote: string, rnd: () => number): string {
  let out = '';
  for (const c of value) {
    const cp = c.codePointAt(0) ?? 0;
    const must = c === '&' || c === '<' || c === quote || c === '\t' || c === '\n' || c === '\r';
    if (must || rnd() < 0.15) {
      if (c === '&' && rnd() < 0.5) out += '&amp;';
      else if (c === '<' && rnd() < 0.5) out += '&lt;';
      else if (c === '"' && rnd() < 0.5) out += '&quot;';
      else if (c === "'" && rnd() < 0.5) out += '&apos;';
      else {
        const hex = cp.toString(16);
        out += rnd() < 0.5 ? `&#${cp};` : `&#x${rnd() < 0.5 ? hex.toUpperCase() : hex};`;
      }
    } else {
      out += c;
    }
  }
  return out;
}

const whitespace = (rnd: () => number): string => [' ', '', '\n  ', '\t', '\r\n'][Math.floor(rnd() * 5)] ?? '';

/**
 * Another spelling of the same value, as a device or an admin might write it: tag and id case,
 * data order, whitespace, quote style, attribute order, character references, and (for typed
 * elements) `1`/`True` for true, leading zeros and `+` for decimals.
 */
function variant(value: AdmxBackedValue, policy: AdmxPolicy, seed: number): string {
  const rnd = prng(seed);
  if (value.state === 'disabled') return `${whitespace(rnd)}<${randomCase('disabled', rnd)}/>${whitespace(rnd)}`;
  const tags = Object.entries(value.data ?? {}).map(([id, v]) => {
    const element = policy.elements.find((e) => e.id === id);
    let wire: string;
    if (typeof v === 'boolean') wire = rnd() < 0.5 ? (v ? '1' : '0') : randomCase(String(v), rnd);
    else if (typeof v === 'number' && (element?.type === 'decimal' || element?.type === 'longDecimal' || element?.type === 'enum'))
      wire = `${rnd() < 0.3 ? '+' : ''}${'0'.repeat(Math.floor(rnd() * 3))}${v}`;
    else if (Array.isArray(v)) wire = v.join('\uF000');
    else wire = String(v);
    const quote = rnd() < 0.5 ? '"' : "'";
    const idAttr = `${randomCase('id', rnd)}${rnd() < 0.3 ? ' = ' : '='}${quote}${spellValue(randomCase(id, rnd), quote, rnd)}${quote}`;
    const valueAttr = `${randomCase('value', rnd)}=${quote}${spellValue(wire, quote, rnd)}${quote}`;
    const attrs = rnd() < 0.5 ? `${idAttr} ${valueAttr}` : `${valueAttr}${whitespace(rnd) || ' '}${idAttr}`;
    const name = randomCase('data', rnd);
    return rnd() < 0.7 ? `<${name} ${attrs}/>` : `<${name} ${attrs}></${randomCase('data', rnd)}>`;
  });
  const state = `<${randomCase('enabled', rnd)}${rnd() < 0.3 ? ' ' : ''}/>`;
  const all = [state, ...tags];
  // Shuffle (state tag included: order does not matter) with the seeded PRNG.
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [all[i], all[j]] = [all[j] as string, all[i] as string];
  }
  return all.map((t) => whitespace(rnd) + t).join('') + whitespace(rnd);
}

describe('ADMX-backed value laws', () => {
  it('round trip: decode(encode(v, policy), policy) equals v for every valid v', () => {
    fc.assert(
      fc.property(policyAndValue, ({ policy, value }) => {
        expect(decodeAdmxBackedValue(encodeAdmxBackedValue(value, policy), policy)).toEqual(value);
      }),
      RUNS,
    );
  });

  it('validation accepts every generated valid value and returns it unchanged', () => {
    fc.assert(
      fc.property(policyAndValue, ({ policy, value }) => {
        expect(validateAdmxBackedValue(value, policy)).toEqual({ issues: [], value });
        expect(validateAdmxBackedValue(encodeAdmxBackedValue(value), policy)).toEqual({ issues: [], value });
      }),
      RUNS,
    );
  });

  it('canonical encoding: any order of data keys encodes byte-identically', () => {
    const shuffled = policyAndValue.chain(({ policy, value }) => {
      const entries = Object.entries(value.data ?? {});
      return fc
        .shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length })
        .map((order) => ({ policy, value, reordered: { ...value, ...(value.data ? { data: Object.fromEntries(order) } : {}) } }));
    });
    fc.assert(
      fc.property(shuffled, ({ policy, value, reordered }) => {
        expect(encodeAdmxBackedValue(reordered)).toBe(encodeAdmxBackedValue(value));
        expect(encodeAdmxBackedValue(reordered, policy)).toBe(encodeAdmxBackedValue(value, policy));
      }),
      RUNS,
    );
  });

  it('canonical encoding: encode(decode(encode(v))) is encode(v), with or without the policy', () => {
    fc.assert(
      fc.property(policyAndValue, ({ policy, value }) => {
        const encoded = encodeAdmxBackedValue(value, policy);
        expect(encodeAdmxBackedValue(decodeAdmxBackedValue(encoded))).toBe(encoded);
        expect(encodeAdmxBackedValue(decodeAdmxBackedValue(encoded, policy), policy)).toBe(encoded);
      }),
      RUNS,
    );
  });

  it('equality is reflexive', () => {
    fc.assert(
      fc.property(policyAndValue, ({ policy, value }) => {
        expect(admxBackedValuesEqual(value, value)).toBe(true);
        expect(admxBackedValuesEqual(value, value, policy)).toBe(true);
        expect(admxBackedValuesEqual(encodeAdmxBackedValue(value), value)).toBe(true);
      }),
      RUNS,
    );
  });

  it('equality is symmetric', () => {
    const pair = policyArb.chain((policy) =>
      fc.tuple(fc.constant(policy), valueArb(policy), valueArb(policy), fc.integer()),
    );
    fc.assert(
      fc.property(pair, ([policy, a, b, seed]) => {
        const aVariant = variant(a, policy, seed);
        expect(admxBackedValuesEqual(a, b, policy)).toBe(admxBackedValuesEqual(b, a, policy));
        expect(admxBackedValuesEqual(a, b)).toBe(admxBackedValuesEqual(b, a));
        expect(admxBackedValuesEqual(aVariant, b, policy)).toBe(admxBackedValuesEqual(b, aVariant, policy));
        // Distinct canonical encodings are exactly the unequal values (with the policy).
        expect(admxBackedValuesEqual(a, b, policy)).toBe(encodeAdmxBackedValue(a, policy) === encodeAdmxBackedValue(b, policy));
      }),
      RUNS,
    );
  });

  it('equality is insensitive to case, order, whitespace and escaping variants', () => {
    fc.assert(
      fc.property(policyAndValue, fc.integer(), ({ policy, value }, seed) => {
        const spelled = variant(value, policy, seed);
        expect(admxBackedValuesEqual(spelled, value, policy)).toBe(true);
        expect(decodeAdmxBackedValue(spelled, policy)).toEqual(value);
        expect(encodeAdmxBackedValue(decodeAdmxBackedValue(spelled, policy), policy)).toBe(encodeAdmxBackedValue(value, policy));
      }),
      RUNS,
    );
  });
});
