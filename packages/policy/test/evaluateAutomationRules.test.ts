import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { BundleSchema, evaluateAutomationRules, type AutomationRule, type Device } from '@winmdm/policy';

const seed = BundleSchema.parse(JSON.parse(readFileSync(new URL('../../../fixtures/bundles/seed.json', import.meta.url), 'utf8')));
const seedDevice = seed.devices[0] as Device;

const rule = (criteria: string[], match?: 'any' | 'all', extra: Partial<AutomationRule> = {}): AutomationRule => ({
  id: 'r1',
  name: 'Rule',
  winPolicyId: 'p1',
  priority: 1,
  deviceAudiences: [{ id: 'a1', name: 'Audience', criteria, ...(match === undefined ? {} : { match }) }],
  ...extra,
});

const reasonsOf = (device: Device, rules: AutomationRule[]): string[][] =>
  evaluateAutomationRules(device, rules).assignments.flatMap((a) => a.automationRule.deviceAudiences.map((d) => d.reasons));

describe('evaluateAutomationRules', () => {
  test('the seed rule "Sales Team iOS Policies" enforces its policy with both reasons of the upstream example', () => {
    const { assignments, issues } = evaluateAutomationRules(seedDevice, seed.automationRules ?? []);
    expect(issues).toEqual([]);
    expect(assignments).toEqual([
      {
        winPolicyId: '698f42e5457fafa13d0887a3',
        priority: 1,
        automationRule: {
          id: '698f42e5457fafa13d08879d',
          name: 'Sales Team iOS Policies',
          deviceAudiences: [{ id: '698f42e5457fafa13d0887a7', name: 'Sales Department', reasons: ['tag:sales', 'user.department:Sales'] }],
        },
      },
    ]);
  });

  test('a change of tags re-evaluates the reasons', () => {
    const untagged = { ...seedDevice, tags: ['remote'] };
    expect(reasonsOf(untagged, seed.automationRules ?? [])).toEqual([['user.department:Sales']]);
    const elsewhere = { ...untagged, mdmUser: { id: 'u', department: 'Finance' } };
    expect(evaluateAutomationRules(elsewhere, seed.automationRules ?? []).assignments).toEqual([]);
  });

  test('match "all" needs every criterion; "any" (the default) one', () => {
    const device: Device = { id: 'd', tags: ['sales'], segmentId: '2' };
    expect(reasonsOf(device, [rule(['tag:sales', 'segment:1'], 'all')])).toEqual([]);
    expect(reasonsOf(device, [rule(['tag:sales', 'segment:2'], 'all')])).toEqual([['tag:sales', 'segment:2']]);
    expect(reasonsOf(device, [rule(['tag:sales', 'segment:1'])])).toEqual([['tag:sales']]);
    expect(reasonsOf(device, [rule([], 'all')])).toEqual([]);
  });

  test('user criteria read mdmUser and mdmUser.attributes, numbers and booleans as text, arrays by element', () => {
    const device: Device = {
      id: 'd',
      mdmUser: { id: 'u', department: 'Sales', attributes: { costCenter: 4711, manager: true, groups: ['vpn', 'admins'] } },
    };
    expect(reasonsOf(device, [rule(['user.department:Sales', 'user.costCenter:4711', 'user.manager:true', 'user.groups:admins'], 'all')])).toEqual([
      ['user.department:Sales', 'user.costCenter:4711', 'user.manager:true', 'user.groups:admins'],
    ]);
  });

  test('matching is exact and case-sensitive, and never reaches into the prototype', () => {
    const device: Device = { id: 'd', tags: ['Sales'], mdmUser: { id: 'u', department: 'sales' } };
    expect(reasonsOf(device, [rule(['tag:sales', 'user.department:Sales', 'user.constructor:function Object() { [native code] }'])])).toEqual([]);
  });

  test('a value may contain colons', () => {
    const device: Device = { id: 'd', mdmUser: { id: 'u', upn: 'urn:ad:ana' } };
    expect(reasonsOf(device, [rule(['user.upn:urn:ad:ana'])])).toEqual([['user.upn:urn:ad:ana']]);
  });

  test('a malformed criterion is an issue with its path, never a throw, and does not hold', () => {
    const device: Device = { id: 'd', tags: ['sales'] };
    const { assignments, issues } = evaluateAutomationRules(device, [rule(['group:admins', 'tag:sales', 'tag:', 'user.:x'])]);
    expect(assignments[0]?.automationRule.deviceAudiences[0]?.reasons).toEqual(['tag:sales']);
    expect(issues).toEqual(
      [0, 2, 3].map((index) => ({
        code: 'invalid-criterion',
        path: ['automationRules', 'r1', 'deviceAudiences', 'a1', 'criteria', index],
        message: `Criterion "${['group:admins', 'tag:sales', 'tag:', 'user.:x'][index]}" is not tag:<tag>, user.<field>:<value> or segment:<id>`,
      })),
    );
  });

  test('assignments are sorted by priority, policy id and rule id; matched audiences by id', () => {
    const device: Device = { id: 'd', tags: ['x'] };
    const audiences = [
      { id: 'b', name: 'B', criteria: ['tag:x'] },
      { id: 'a', name: 'A', criteria: ['tag:x'] },
      { id: 'c', name: 'C', criteria: ['tag:y'] },
    ];
    const rules: AutomationRule[] = [
      { id: 'r2', name: 'R2', winPolicyId: 'p1', priority: 1, deviceAudiences: audiences },
      { id: 'r1', name: 'R1', winPolicyId: 'p2', priority: 1, deviceAudiences: audiences },
      { id: 'r3', name: 'R3', winPolicyId: 'p9', priority: 0, deviceAudiences: audiences },
      { id: 'r0', name: 'R0', winPolicyId: 'p1', priority: 1, deviceAudiences: audiences },
    ];
    const { assignments } = evaluateAutomationRules(device, rules);
    expect(assignments.map((a) => a.automationRule.id)).toEqual(['r3', 'r0', 'r2', 'r1']);
    expect(assignments[0]?.automationRule.deviceAudiences.map((a) => a.id)).toEqual(['a', 'b']);
  });
});
