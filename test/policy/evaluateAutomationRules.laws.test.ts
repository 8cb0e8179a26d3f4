/**
 * Laws of `evaluateAutomationRules`: which rules enforce which policies on a device, with the reasons
 * that held, against a direct reading of the criteria syntax.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { evaluateAutomationRules, type AutomationRule, type Device, type EnforcedAssignment } from '@winmdm/policy';
import { automationRuleArb, deviceArb } from '../arbitraries/policy.js';

const RUNS = { numRuns: 500 };

/** JSON with sorted keys and audiences sorted by content: equal for equal assignments. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
const normalised = (e: EnforcedAssignment): string =>
  canonical({
    ...e,
    automationRule: {
      ...e.automationRule,
      deviceAudiences: e.automationRule.deviceAudiences.map(canonical).sort(),
    },
  });

const PATTERNS = { tag: /^tag:(.+)$/s, segment: /^segment:(.+)$/s, user: /^user\.([A-Za-z0-9_-]+):(.+)$/s };
const wellFormed = (criterion: string): boolean => Object.values(PATTERNS).some((p) => p.test(criterion));

/** Whether a criterion holds for a device, read directly off the documented syntax. */
function holds(criterion: string, device: Device): boolean {
  const tag = PATTERNS.tag.exec(criterion);
  if (tag) return (device.tags ?? []).includes(tag[1] as string);
  const segment = PATTERNS.segment.exec(criterion);
  if (segment) return device.segmentId === segment[1];
  const attr = PATTERNS.user.exec(criterion);
  if (!attr) return false;
  const [, field = '', value] = attr;
  const user = (device.mdmUser ?? {}) as Record<string, unknown>;
  const attributes = (user['attributes'] ?? {}) as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (['string', 'number', 'boolean'].includes(typeof v) ? String(v) : undefined);
  return (Object.hasOwn(user, field) && text(user[field]) === value) || (Object.hasOwn(attributes, field) && text(attributes[field]) === value);
}

function reference(device: Device, rules: readonly AutomationRule[]): EnforcedAssignment[] {
  const out: EnforcedAssignment[] = [];
  for (const rule of rules) {
    const deviceAudiences = rule.deviceAudiences.flatMap((a) => {
      const reasons = a.criteria.filter((c) => holds(c, device));
      const matches = a.match === 'all' ? a.criteria.length > 0 && reasons.length === a.criteria.length : reasons.length > 0;
      return matches ? [{ id: a.id, name: a.name, reasons }] : [];
    });
    if (deviceAudiences.length > 0) {
      out.push({ winPolicyId: rule.winPolicyId, priority: rule.priority, automationRule: { id: rule.id, name: rule.name, deviceAudiences } });
    }
  }
  return out;
}

describe('evaluateAutomationRules laws', () => {
  test('law: a rule is enforced exactly through the audiences that match, with exactly the criteria that held', () => {
    let enforced = 0;
    fc.assert(
      fc.property(deviceArb, fc.array(automationRuleArb, { maxLength: 3 }), (device, rules) => {
        const { assignments, issues } = evaluateAutomationRules(device, rules);
        const expected = new Set(reference(device, rules).map(normalised));
        enforced += expected.size;
        expect(new Set(assignments.map(normalised))).toEqual(expected);
        const malformed = rules.flatMap((r) => r.deviceAudiences.flatMap((a) => a.criteria.filter((c) => !wellFormed(c))));
        expect(issues.map((i) => i.code)).toEqual(malformed.map(() => 'invalid-criterion'));
      }),
      RUNS,
    );
    expect(enforced).toBeGreaterThan(50);
  });

  test('law: enforced assignments are sorted by priority, then winPolicyId, then rule id, without duplicates', () => {
    fc.assert(
      fc.property(deviceArb, fc.array(automationRuleArb, { maxLength: 4 }), (device, rules) => {
        const { assignments } = evaluateAutomationRules(device, rules);
        const keys = assignments.map((a) => [a.priority, a.winPolicyId, a.automationRule.id] as const);
        for (let i = 1; i < keys.length; i++) {
          const [p0, w0, r0] = keys[i - 1] as readonly [number, string, string];
          const [p1, w1, r1] = keys[i] as readonly [number, string, string];
          expect(p0 < p1 || (p0 === p1 && (w0 < w1 || (w0 === w1 && r0 <= r1)))).toBe(true);
        }
        expect(new Set(assignments.map(normalised)).size).toBe(assignments.length);
      }),
      RUNS,
    );
  });
});
