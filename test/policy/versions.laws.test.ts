/**
 * Laws of the Windows version module: four-part versions compared numerically on every part, and
 * node-semver ranges evaluated over them through an order-preserving encoding.
 */
import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, test } from 'vitest';
import { compareWindowsVersions, satisfiesAllowedVersions, selectApplicationVersion } from '@winmdm/policy';

const RUNS = { numRuns: 500 };

/** A version part: small values often (so that versions collide), the 16-bit extremes sometimes. */
const partArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(9, 10, 255, 256, 65534, 65535) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 65535 }) },
);

/** A Windows version written with 1 to 4 parts. */
const versionArb = fc.array(partArb, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));
/** A version written with 3 or 4 parts: a fixed point in four-part space. */
const fullVersionArb = fc.array(partArb, { minLength: 3, maxLength: 4 }).map((parts) => parts.join('.'));

/** The direct four-part comparison the encoding must agree with (missing parts are 0). */
function direct(a: string, b: string): number {
  const pa = [...a.split('.').map(Number), 0, 0, 0].slice(0, 4);
  const pb = [...b.split('.').map(Number), 0, 0, 0].slice(0, 4);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] as number) < (pb[i] as number) ? -1 : 1;
  return 0;
}

describe('Windows version laws', () => {
  test('law: compareWindowsVersions agrees with a direct four-part comparison', () => {
    fc.assert(
      fc.property(versionArb, versionArb, (a, b) => {
        expect(compareWindowsVersions(a, b)).toBe(direct(a, b));
      }),
      RUNS,
    );
  });

  test('law: the semver encoding preserves four-part order (primitive comparators agree with direct comparison)', () => {
    const holds: Record<string, (c: number) => boolean> = {
      '<': (c) => c < 0,
      '<=': (c) => c <= 0,
      '>': (c) => c > 0,
      '>=': (c) => c >= 0,
      '=': (c) => c === 0,
      '': (c) => c === 0,
    };
    fc.assert(
      fc.property(versionArb, fc.constantFrom(...Object.keys(holds)), fullVersionArb, (v, op, literal) => {
        expect(satisfiesAllowedVersions(v, `${op}${literal}`)).toBe((holds[op] as (c: number) => boolean)(direct(v, literal)));
      }),
      RUNS,
    );
  });

  test('law: a four-part wildcard a.b.c.x covers exactly the revisions of a.b.c', () => {
    fc.assert(
      fc.property(
        versionArb,
        fc.constantFrom('', '=', '<', '<=', '>', '>=', '~', '^'),
        fc.tuple(partArb, partArb, fc.integer({ min: 0, max: 65534 })),
        (v, op, [a, b, c]) => {
          const lo = `${a}.${b}.${c}.0`;
          const hi = `${a}.${b}.${c + 1}.0`;
          const expected: Record<string, boolean> = {
            '': direct(v, lo) >= 0 && direct(v, hi) < 0,
            '=': direct(v, lo) >= 0 && direct(v, hi) < 0,
            '<': direct(v, lo) < 0,
            '<=': direct(v, hi) < 0,
            '>': direct(v, hi) >= 0,
            '>=': direct(v, lo) >= 0,
            // Tilde allows changes below the minor version; caret below the first non-zero of a.b,
            // and for 0.0.c only the revisions of c.
            '~': direct(v, lo) >= 0 && direct(v, `${a}.${b + 1}`) < 0,
            '^':
              direct(v, lo) >= 0 &&
              direct(v, a > 0 ? `${a + 1}` : b > 0 ? `0.${b + 1}` : hi) < 0,
          };
          expect(satisfiesAllowedVersions(v, `${op}${a}.${b}.${c}.x`)).toBe(expected[op]);
        },
      ),
      RUNS,
    );
  });

  test('law: on revision-0 versions, three-part ranges mean what node-semver says', () => {
    const small = fc.integer({ min: 0, max: 3 });
    const partial = fc.oneof(
      fc.tuple(small).map((p) => p.join('.')),
      fc.tuple(small, small).map((p) => p.join('.')),
      fc.tuple(small, small, small).map((p) => p.join('.')),
      fc.tuple(small, small).map((p) => `${p.join('.')}.x`),
      fc.constant('*'),
    );
    const comparator = fc.tuple(fc.constantFrom('', '=', '<', '<=', '>', '>=', '~', '^'), partial).map(([op, p]) => op + p);
    const set = fc.oneof(
      fc.array(comparator, { minLength: 1, maxLength: 2 }).map((cs) => cs.join(' ')),
      fc.tuple(partial, partial).map(([a, b]) => `${a} - ${b}`),
    );
    const rangeArb = fc.array(set, { minLength: 1, maxLength: 2 }).map((sets) => sets.join(' || '));
    fc.assert(
      fc.property(fc.tuple(small, small, small), rangeArb, ([a, b, c], range) => {
        const three = `${a}.${b}.${c}`;
        expect(satisfiesAllowedVersions(`${three}.0`, range)).toBe(semver.satisfies(three, range));
      }),
      RUNS,
    );
  });

  test('law: selectApplicationVersion picks the highest version that satisfies the range', () => {
    fc.assert(
      fc.property(
        fc.array(versionArb, { maxLength: 6 }),
        fc.tuple(fc.constantFrom('>=', '<', '<=', '>', ''), fullVersionArb),
        ([...versions], [op, literal]) => {
          const range = `${op}${literal}`;
          const entries = versions.map((version) => ({ version }));
          const satisfying = versions.filter((v) => satisfiesAllowedVersions(v, range));
          const chosen = selectApplicationVersion(entries, range);
          if (satisfying.length === 0) {
            expect(chosen).toBeUndefined();
          } else {
            expect(chosen).toBeDefined();
            for (const v of satisfying) expect(direct((chosen as { version: string }).version, v)).toBeGreaterThanOrEqual(0);
            expect(satisfying).toContain(chosen?.version);
          }
        },
      ),
      RUNS,
    );
  });
});
