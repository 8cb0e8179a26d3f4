/**
 * The laws of `explainResolution`: the explanation tells the resolution's provenance exactly (one
 * row per entry, the same sources and beaten values, a conflict mark exactly where the resolution
 * has one), accounts for every known node once, and is deterministic.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ExplanationSchema, explainResolution, normalizeOmaUri, resolveEffectivePolicy, type ExplainedSource, type NodeStatusInput, type SourceRef } from '@winmdm/policy';
import { omaUriArb, resolveInputArb } from '../arbitraries/policy.js';

const RUNS = { numRuns: 300, seed: 1414 };

const nodesArb: fc.Arbitrary<NodeStatusInput[]> = fc.uniqueArray(
  fc.record({
    locUri: omaUriArb.map(normalizeOmaUri),
    status: fc.constantFrom('pending', 'sent', 'applied', 'failed', 'verified', 'drifted'),
    code: fc.option(fc.constantFrom(200, 404, 405, 418, 500), { nil: null }),
  }),
  { selector: (n) => n.locUri, maxLength: 8 },
);

function sameSource(label: string, explained: ExplainedSource, ref: SourceRef): void {
  expect({ layer: explained.layer, winPolicyId: explained.winPolicyId, priority: explained.priority, automationRuleId: explained.automationRuleId }, label).toEqual({
    layer: ref.layer,
    winPolicyId: ref.winPolicyId,
    priority: ref.priority,
    automationRuleId: ref.automationRuleId,
  });
}

test('the explanation tells the provenance exactly: one row per entry, its source, every value it beat', () => {
  fc.assert(
    fc.property(resolveInputArb, nodesArb, (input, nodes) => {
      const resolution = resolveEffectivePolicy(input);
      const explanation = explainResolution({ device: input.device, policies: input.policies, resolution, nodes });
      // Rows by field in delivery order, then in provenance (key) order.
      const order = ['config', 'admxConfigs', 'applications', 'scripts', 'bookmarks', 'assets', 'agentConfiguration'];
      const expected = [...resolution.provenance].sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
      expect(explanation.settings.map((s) => [s.field, s.key])).toEqual(expected.map((p) => [p.field, p.key]));
      expected.forEach((entry, i) => {
        const row = explanation.settings[i]!;
        expect(row.value).toEqual(entry.value);
        sameSource(entry.key, row.source, entry.source);
        expect(row.beat).toHaveLength(entry.overridden.length);
        entry.overridden.forEach((o, j) => {
          sameSource(entry.key, row.beat[j]!.source, o.source);
          expect(row.beat[j]!.value).toEqual(o.value);
        });
        const conflicts = resolution.conflicts.filter((c) => c.field === entry.field && c.key === entry.key);
        expect(row.conflict).toBe(
          conflicts.length === 0 ? undefined : conflicts.some((c) => c.kind === 'ambiguous-priority') ? 'ambiguous-priority' : 'overridden',
        );
        // A beaten value is the same exactly when no conflict names its source.
        expect(row.beat.filter((b) => !b.same)).toHaveLength(conflicts.length);
      });
      expect(explanation.complete).toBe(resolution.complete);
      expect(explanation.conflicts).toHaveLength(resolution.conflicts.length);
    }),
    RUNS,
  );
});

test('every known node is accounted for once: in the row it delivers, or among the other nodes', () => {
  fc.assert(
    fc.property(resolveInputArb, nodesArb, (input, nodes) => {
      const resolution = resolveEffectivePolicy(input);
      const explanation = explainResolution({ device: input.device, policies: input.policies, resolution, nodes });
      const shown = [...explanation.settings.flatMap((s) => (s.status ? [s.status.locUri] : [])), ...explanation.otherNodes.map((n) => n.locUri)];
      expect(shown.sort()).toEqual(nodes.map((n) => n.locUri).sort());
      for (const row of explanation.settings) if (row.field === 'config' && row.status) expect(row.status.locUri).toBe(row.key);
      const syncml = explanation.settings.filter((s) => s.delivery === 'syncml').length;
      expect(Object.values(explanation.statusCounts).reduce((a, b) => a + b, 0)).toBe(syncml);
    }),
    RUNS,
  );
});

test('explaining is deterministic, and the schema of the model takes it', () => {
  fc.assert(
    fc.property(resolveInputArb, nodesArb, (input, nodes) => {
      const resolution = resolveEffectivePolicy(input);
      const once = JSON.stringify(explainResolution({ device: input.device, policies: input.policies, resolution, nodes }));
      const again = JSON.stringify(explainResolution({ device: structuredClone(input.device), policies: structuredClone(input.policies), resolution: structuredClone(resolution), nodes: [...nodes].reverse() }));
      expect(again).toBe(once);
      // The model is what the API answers: its schema takes it as it is.
      expect(ExplanationSchema.parse(JSON.parse(once))).toEqual(JSON.parse(once));
    }),
    RUNS,
  );
});
