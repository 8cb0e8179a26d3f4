/**
 * The laws of `resolveEffectivePolicy` (DESIGN.md §4), checked with fast-check on realistic inputs
 * from test/arbitraries/policy.ts: several policies sharing keys, duplicate assignments, equal
 * priorities, enforced rules, device overrides, dangling references.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  evaluateAutomationRules,
  normalizeOmaUri,
  resolveEffectivePolicy,
  type EnforcedAssignment,
  type Layer,
  type PolicyField,
  type ResolutionResult,
  type ResolveInput,
  type SourceRef,
  type WinPolicy,
} from '@winmdm/policy';
import { POLICY_IDS, resolveInputArb, shuffleDeep } from '../arbitraries/policy.js';

const RUNS = { numRuns: 500 };

/** The merged fields, in the code-unit order the output lists them in. */
const FIELDS: readonly PolicyField[] = [
  'admxConfigs',
  'agentConfiguration',
  'applications',
  'assets',
  'bookmarks',
  'config',
  'scripts',
];

const ENTRY_KEY: Record<string, string> = {
  admxConfigs: 'winAdmxConfigId',
  applications: 'winApplicationId',
  assets: 'mdmAssetId',
  bookmarks: 'url',
  scripts: 'id',
};

const json = (value: unknown): string => JSON.stringify(value);
/** JSON with sorted keys: the order used to pick among entries of one policy sharing a key. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
/** Deep equality of JSON values, blind to key order and prototypes (fast-check makes null-prototype objects). */
const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

interface ModelLayer {
  layer: Layer;
  priority: number;
  id: string;
  ruleId?: string;
  doc?: WinPolicy | undefined;
}

function enforcedOf(input: ResolveInput): readonly EnforcedAssignment[] {
  return input.automationRules === undefined
    ? (input.device.winPolicyAssignmentsEnforced ?? [])
    : evaluateAutomationRules(input.device, input.automationRules).assignments;
}

// ---- The reference model: sort the layers, drop all but each policy's highest place, last writer wins.
const RANK: Record<Layer, number> = { base: 0, assignment: 1, device: 2, enforced: 3 };
const desc = (a = '', b = ''): number => (a < b ? 1 : a > b ? -1 : 0);
function modelLayers(input: ResolveInput): ModelLayer[] {
  const d = input.device;
  const baseId = d.winPolicyId ?? d.winPolicy?.id;
  const places: ModelLayer[] = [
    ...(baseId === undefined ? [] : [{ layer: 'base' as const, priority: 0, id: baseId }]),
    ...(d.winPolicyAssignments ?? []).map((a) => ({ layer: 'assignment' as const, priority: a.priority, id: a.winPolicyId })),
    ...(d.config === undefined ? [] : [{ layer: 'device' as const, priority: 0, id: '' }]),
    ...enforcedOf(input).map((e): ModelLayer => ({ layer: 'enforced', priority: e.priority, id: e.winPolicyId, ruleId: e.automationRule.id })),
  ];
  places.sort((a, b) => RANK[a.layer] - RANK[b.layer] || b.priority - a.priority || desc(a.id, b.id) || desc(a.ruleId, b.ruleId));
  return places
    .filter((p, i) => p.layer === 'device' || !places.slice(i + 1).some((q) => q.layer !== 'device' && q.id === p.id))
    .map((p) => ({ ...p, doc: input.policies.find((doc) => doc.id === p.id) }))
    .filter((p) => p.layer === 'device' || p.doc !== undefined);
}
/** Each layer's own writes to `field` (within a layer, the last in code-unit/canonical order wins). */
function ownWrites(input: ResolveInput, layer: ModelLayer, field: PolicyField): Map<string, unknown> {
  const own = layer.layer === 'device' ? (field === 'config' ? input.device.config : undefined) : layer.doc?.[field];
  const source = own ?? (field === 'config' || field === 'agentConfiguration' ? {} : []);
  if (field === 'config') return new Map(Object.keys(source).sort().map((raw) => [normalizeOmaUri(raw), (source as Record<string, unknown>)[raw]]));
  if (field === 'agentConfiguration') return new Map(Object.entries(source));
  const entries = [...(source as Record<string, unknown>[])].sort((a, b) => (canonical(a) < canonical(b) ? -1 : 1));
  return new Map(entries.map((e) => [e[ENTRY_KEY[field] as string] as string, e]));
}
/** Every write to each key of `field`, lowest precedence first: the last one is the effective value. */
function modelWrites(input: ResolveInput, field: PolicyField): Map<string, { layer: ModelLayer; value: unknown }[]> {
  const writes = new Map<string, { layer: ModelLayer; value: unknown }[]>();
  for (const layer of modelLayers(input)) {
    for (const [key, value] of ownWrites(input, layer, field)) writes.set(key, [...(writes.get(key) ?? []), { layer, value }]);
  }
  return writes;
}
// ---- End of the reference model.

function refOf(layer: ModelLayer): SourceRef {
  if (layer.layer === 'device') return { layer: 'device' };
  if (layer.layer === 'base') return { layer: 'base', winPolicyId: layer.id };
  if (layer.layer === 'assignment') return { layer: 'assignment', winPolicyId: layer.id, priority: layer.priority };
  return { layer: 'enforced', winPolicyId: layer.id, priority: layer.priority, automationRuleId: layer.ruleId as string };
}

/** The effective values of one field of the output, by key, in output order. */
function effectiveOf(result: ResolutionResult, field: PolicyField): [string, unknown][] {
  const value = result.deviceWinPolicy[field];
  if (field === 'config' || field === 'agentConfiguration') return Object.entries(value ?? {});
  return ((value ?? []) as Record<string, unknown>[]).map((e) => [e[ENTRY_KEY[field] as string] as string, e]);
}

function sorted(keys: Iterable<string>): string[] {
  return [...keys].sort();
}

describe('resolveEffectivePolicy laws', () => {
  test('law: output is independent of input order', () => {
    fc.assert(
      fc.property(resolveInputArb, fc.gen(), (input, g) => {
        const shuffled = shuffleDeep(input, g);
        expect(json(resolveEffectivePolicy(shuffled))).toBe(json(resolveEffectivePolicy(input)));
      }),
      RUNS,
    );
  });

  test('law: assigning a policy twice equals assigning it once', () => {
    fc.assert(
      fc.property(
        resolveInputArb,
        fc.constantFrom(...POLICY_IDS),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        (input, winPolicyId, priority, extra) => {
          const device = input.device;
          const once = [...(device.winPolicyAssignments ?? []), { winPolicyId, priority }];
          // The second assignment of the same policy, at the same or a lower precedence.
          const twice = [...once, { winPolicyId, priority: priority + extra }];
          const a = resolveEffectivePolicy({ ...input, device: { ...device, winPolicyAssignments: once } });
          const b = resolveEffectivePolicy({ ...input, device: { ...device, winPolicyAssignments: twice } });
          expect(json(b)).toBe(json(a));
        },
      ),
      RUNS,
    );
  });

  test('law: each effective value equals the reference model (sort layers, last writer wins)', () => {
    fc.assert(
      fc.property(resolveInputArb, (input) => {
        const result = resolveEffectivePolicy(input);
        for (const field of FIELDS) {
          const writes = modelWrites(input, field);
          const effective = effectiveOf(result, field);
          expect(effective.map(([key]) => key)).toEqual(sorted(writes.keys()));
          for (const [key, value] of effective) {
            const ws = writes.get(key) ?? [];
            const winner = ws.at(-1);
            expect(value).toEqual(winner?.value);
            const entry = result.provenance.find((p) => p.field === field && p.key === key);
            expect(entry?.source).toEqual(winner && refOf(winner.layer));
            expect(entry?.overridden).toEqual(ws.slice(0, -1).reverse().map((w) => ({ source: refOf(w.layer), value: w.value })));
          }
        }
      }),
      RUNS,
    );
  });

  test('law: enforced values always win', () => {
    let enforcedKeys = 0;
    fc.assert(
      fc.property(resolveInputArb, (input) => {
        const result = resolveEffectivePolicy(input);
        const enforcedLayers = modelLayers(input).filter((l) => l.layer === 'enforced');
        for (const field of FIELDS) {
          const effective = new Map(effectiveOf(result, field));
          for (const layer of enforcedLayers) {
            for (const key of ownWrites(input, layer, field).keys()) {
              enforcedKeys++;
              const entry = result.provenance.find((p) => p.field === field && p.key === key);
              expect(entry?.source.layer).toBe('enforced');
              // The value is the one of the best enforced policy that sets the key.
              const best = enforcedLayers.filter((l) => ownWrites(input, l, field).has(key)).at(-1) as ModelLayer;
              expect(effective.get(key)).toEqual(ownWrites(input, best, field).get(key));
            }
          }
        }
      }),
      RUNS,
    );
    expect(enforcedKeys).toBeGreaterThan(500);
  });

  test('law: adding a lower-precedence assignment never changes a key set by a higher one', () => {
    let checked = 0;
    fc.assert(
      fc.property(resolveInputArb, fc.constantFrom(...POLICY_IDS), fc.integer({ min: 0, max: 4 }), (input, id, priority) => {
        const before = resolveEffectivePolicy(input);
        const assignments = [...(input.device.winPolicyAssignments ?? []), { winPolicyId: id, priority }];
        const after = resolveEffectivePolicy({ ...input, device: { ...input.device, winPolicyAssignments: assignments } });
        const outranksNew = (s: SourceRef): boolean =>
          s.layer === 'device' ||
          s.layer === 'enforced' ||
          (s.layer === 'assignment' &&
            ((s.priority as number) < priority || (s.priority === priority && (s.winPolicyId as string) < id)));
        for (const p of before.provenance) {
          if (!outranksNew(p.source)) continue;
          checked++;
          const q = after.provenance.find((x) => x.field === p.field && x.key === p.key);
          expect(q?.source).toEqual(p.source);
          expect(q?.value).toEqual(p.value);
        }
      }),
      RUNS,
    );
    expect(checked).toBeGreaterThan(500);
  });

  test('law: every provenance entry points at a source that holds that value', () => {
    fc.assert(
      fc.property(resolveInputArb, (input) => {
        const result = resolveEffectivePolicy(input);
        const { device } = input;
        const placed = (s: SourceRef): boolean => {
          if (s.layer === 'device') return true;
          if (s.layer === 'base') return (device.winPolicyId ?? device.winPolicy?.id) === s.winPolicyId;
          if (s.layer === 'assignment') {
            return (device.winPolicyAssignments ?? []).some((a) => a.winPolicyId === s.winPolicyId && a.priority === s.priority);
          }
          return result.winPolicyAssignmentsEnforced.some(
            (e) => e.winPolicyId === s.winPolicyId && e.priority === s.priority && e.automationRule.id === s.automationRuleId,
          );
        };
        const holds = (field: PolicyField, key: string, s: SourceRef, value: unknown): boolean => {
          const doc = s.layer === 'device' ? { config: device.config } : input.policies.find((p) => p.id === s.winPolicyId);
          if (doc === undefined) return false;
          if (field === 'config') {
            const config = (doc.config ?? {}) as Record<string, unknown>;
            return Object.keys(config).some((raw) => normalizeOmaUri(raw) === key && same(config[raw], value));
          }
          if (field === 'agentConfiguration') {
            return same((doc as WinPolicy).agentConfiguration?.[key], value);
          }
          const list = ((doc as WinPolicy)[field] ?? []) as Record<string, unknown>[];
          return list.some((e) => e[ENTRY_KEY[field] as string] === key && same(e, value));
        };
        for (const p of result.provenance) {
          for (const { source, value } of [p, ...p.overridden]) {
            expect(placed(source), json(source)).toBe(true);
            expect(holds(p.field, p.key, source, value), `${p.field} ${p.key} ${json(source)}`).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  test('law: conflicts list exactly the keys where sources disagree', () => {
    fc.assert(
      fc.property(resolveInputArb, (input) => {
        const result = resolveEffectivePolicy(input);
        const expected: unknown[] = [];
        const disagreeing: string[] = [];
        for (const field of FIELDS) {
          const writes = modelWrites(input, field);
          for (const key of sorted(writes.keys())) {
            const ws = writes.get(key) ?? [];
            if (new Set(ws.map((w) => canonical(w.value))).size > 1) disagreeing.push(`${field} ${key}`);
            const winner = ws.at(-1) as { layer: ModelLayer; value: unknown };
            for (const w of ws.slice(0, -1).reverse()) {
              if (same(w.value, winner.value)) continue;
              const tie = w.layer.layer === winner.layer.layer && w.layer.priority === winner.layer.priority;
              expected.push({
                field,
                key,
                kind: tie ? 'ambiguous-priority' : 'overridden',
                winner: { source: refOf(winner.layer), value: winner.value },
                loser: { source: refOf(w.layer), value: w.value },
              });
            }
          }
        }
        expect([...new Set(result.conflicts.map((c) => `${c.field} ${c.key}`))]).toEqual(disagreeing);
        expect(result.conflicts).toEqual(expected);
      }),
      RUNS,
    );
  });

  test('law: resolution is deterministic (byte-identical JSON)', () => {
    fc.assert(
      fc.property(resolveInputArb, (input) => {
        const first = json(resolveEffectivePolicy(input));
        expect(json(resolveEffectivePolicy(input))).toBe(first);
        expect(json(resolveEffectivePolicy(structuredClone(input)))).toBe(first);
      }),
      RUNS,
    );
  });
});
