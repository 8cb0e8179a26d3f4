/**
 * The law of the resolution cache: resolution with a ResolutionCache equals resolution without it
 * (byte-identical JSON), on random fleets and random sequences of resolutions and changes of
 * policies, rules and catalogs — whatever the cache's bounds, and whether documents come back as
 * the same objects or as equal copies (a database re-read). Plus what the cache promises about
 * sharing, invalidation and its bounds.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  ResolutionCache,
  resolveEffectivePolicy,
  type AdmxFile,
  type Application,
  type AutomationRule,
  type Device,
  type ResolveInput,
  type WinPolicy,
} from '@winmdm/policy';
import {
  admxFilesArb,
  applicationsArb,
  automationRuleArb,
  configArb,
  deviceArb,
  policiesArb,
  policyArb,
  POLICY_IDS,
} from '../arbitraries/policy.js';

const json = (value: unknown): string => JSON.stringify(value);

interface Fleet {
  devices: Device[];
  policies: WinPolicy[];
  automationRules: AutomationRule[] | undefined;
  applications: Application[];
  admxFiles: AdmxFile[];
}

/**
 * A fleet whose devices share layers the way real ones do: some devices are drawn independently,
 * others copy another device's assignments under their own id, with their own overrides or none —
 * and some copies shift every priority by one or have their policies enforced by other rules, which
 * keeps the order of the layers but not their provenance (a cache keyed on the order alone would
 * mix them up).
 */
const fleetArb: fc.Arbitrary<Fleet> = fc
  .record({
    drawn: fc.array(deviceArb, { minLength: 1, maxLength: 4 }),
    copies: fc.array(fc.tuple(fc.nat(), fc.option(configArb, { nil: undefined }), fc.constantFrom('same', 'priorities', 'rules')), { maxLength: 6 }),
    policies: policiesArb,
    automationRules: fc.option(fc.array(automationRuleArb, { maxLength: 3 }), { nil: undefined }),
    applications: applicationsArb,
    admxFiles: admxFilesArb,
  })
  .map(({ drawn, copies, ...rest }) => {
    const devices = drawn.map((d, i) => ({ ...d, id: `device-${i}` }));
    for (const [n, [from, config, shift]] of copies.entries()) {
      const { config: _own, ...original } = devices[from % drawn.length] as Device;
      const copy: Device = { ...original, id: `copy-${n}`, ...(config === undefined ? {} : { config }) };
      if (shift === 'priorities') {
        copy.winPolicyAssignments = (original.winPolicyAssignments ?? []).map((a) => ({ ...a, priority: a.priority + 1 }));
        copy.winPolicyAssignmentsEnforced = (original.winPolicyAssignmentsEnforced ?? []).map((e) => ({ ...e, priority: e.priority + 1 }));
      } else if (shift === 'rules') {
        // The same policies enforced at the same places by other rules: only the provenance differs.
        copy.winPolicyAssignmentsEnforced = (original.winPolicyAssignmentsEnforced ?? []).map((e) => ({
          ...e,
          automationRule: { ...e.automationRule, id: `${e.automationRule.id}-other` },
        }));
      }
      devices.push(copy);
    }
    return { devices, ...rest };
  });

type Step =
  | { kind: 'resolve'; device: number; copy: boolean }
  | { kind: 'policy'; policy: WinPolicy }
  | { kind: 'drop-policy'; id: string }
  | { kind: 'rules'; rules: AutomationRule[] | undefined }
  | { kind: 'catalogs'; applications: Application[]; admxFiles: AdmxFile[] }
  | { kind: 'device-config'; device: number; config: Device['config'] };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('resolve' as const), device: fc.nat(), copy: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constantFrom(...POLICY_IDS).chain((id) => policyArb(id)).map((policy) => ({ kind: 'policy' as const, policy })) },
  { weight: 1, arbitrary: fc.constantFrom(...POLICY_IDS).map((id) => ({ kind: 'drop-policy' as const, id })) },
  { weight: 1, arbitrary: fc.option(fc.array(automationRuleArb, { maxLength: 3 }), { nil: undefined }).map((rules) => ({ kind: 'rules' as const, rules })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('catalogs' as const), applications: applicationsArb, admxFiles: admxFilesArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('device-config' as const), device: fc.nat(), config: fc.option(configArb, { nil: undefined }) }) },
);

const boundsArb = fc.record({
  maxEntries: fc.integer({ min: 1, max: 6 }),
  maxWeight: fc.constantFrom(5, 40, 1_000_000),
  maxDocuments: fc.constantFrom(2, 8, 100),
});

function inputOf(fleet: Fleet, device: Device): ResolveInput {
  return {
    device,
    policies: fleet.policies,
    ...(fleet.automationRules === undefined ? {} : { automationRules: fleet.automationRules }),
    applications: fleet.applications,
    admxFiles: fleet.admxFiles,
  };
}

describe('resolution shared across devices (ResolutionCache)', () => {
  test('law: resolution with the cache equals resolution without it, on random fleets and change sequences', () => {
    fc.assert(
      fc.property(fleetArb, fc.array(stepArb, { minLength: 1, maxLength: 30 }), boundsArb, (start, steps, bounds) => {
        const fleet: Fleet = { ...start, devices: [...start.devices], policies: [...start.policies] };
        const cache = new ResolutionCache(bounds);
        for (const step of steps) {
          switch (step.kind) {
            case 'resolve': {
              const device = fleet.devices[step.device % fleet.devices.length] as Device;
              // A copy is what a database re-read gives: equal content, new objects.
              const input = step.copy ? structuredClone(inputOf(fleet, device)) : inputOf(fleet, device);
              const cached = resolveEffectivePolicy(input, { cache });
              const plain = resolveEffectivePolicy(structuredClone(inputOf(fleet, device)));
              expect(json(cached)).toBe(json(plain));
              const stats = cache.stats();
              expect(stats.entries).toBeLessThanOrEqual(bounds.maxEntries);
              expect(stats.weight).toBeLessThanOrEqual(bounds.maxWeight);
              expect(stats.documents).toBeLessThanOrEqual(bounds.maxDocuments);
              break;
            }
            case 'policy':
              fleet.policies = [...fleet.policies.filter((p) => p.id !== step.policy.id), step.policy];
              break;
            case 'drop-policy':
              fleet.policies = fleet.policies.filter((p) => p.id !== step.id);
              break;
            case 'rules':
              fleet.automationRules = step.rules;
              break;
            case 'catalogs':
              fleet.applications = step.applications;
              fleet.admxFiles = step.admxFiles;
              break;
            case 'device-config': {
              const index = step.device % fleet.devices.length;
              const { config: _old, ...rest } = fleet.devices[index] as Device;
              fleet.devices[index] = { ...rest, ...(step.config === undefined ? {} : { config: step.config }) };
              break;
            }
          }
        }
      }),
      { numRuns: 300, seed: 1515 },
    );
  });

  /** A fleet of `n` devices with one base, two assignments and an enforced rule on a tag; some devices have their own overrides. */
  function sharedFleet(n: number): { inputs: ResolveInput[]; policies: WinPolicy[] } {
    const policy = (id: string, key: string, value: number): WinPolicy => ({
      id,
      name: id,
      config: { [`./Device/Vendor/MSFT/Policy/Config/${key}`]: value, './Device/Vendor/MSFT/Policy/Config/Shared/Setting': value },
    });
    const policies = [policy('base', 'Base/A', 1), policy('team-1', 'Team/B', 2), policy('team-2', 'Team/C', 3), policy('kiosk', 'Kiosk/D', 4)];
    const rules: AutomationRule[] = [
      { id: 'rule-kiosk', name: 'Kiosks', winPolicyId: 'kiosk', priority: 0, deviceAudiences: [{ id: 'aud', name: 'Kiosk', criteria: ['tag:kiosk'] }] },
    ];
    const inputs = Array.from({ length: n }, (_, i): ResolveInput => ({
      device: {
        id: `device-${i}`,
        tags: ['kiosk'],
        winPolicyId: 'base',
        winPolicyAssignments: [
          { winPolicyId: 'team-1', priority: 1 },
          { winPolicyId: 'team-2', priority: 2 },
        ],
        ...(i % 10 === 0 ? { config: { './Device/Vendor/MSFT/Policy/Config/Shared/Setting': 100 + i, [`./Vendor/MSFT/Policy/Config/Own/Key${i}`]: i } } : {}),
      },
      policies,
      automationRules: rules,
    }));
    return { inputs, policies };
  }

  test('devices with the same policies at the same places share one merge, whatever their ids and overrides', () => {
    const { inputs } = sharedFleet(50);
    const cache = new ResolutionCache();
    for (const input of inputs) expect(json(resolveEffectivePolicy(input, { cache }))).toBe(json(resolveEffectivePolicy(input)));
    // Stored on its second sighting, then shared by all the others.
    expect(cache.stats()).toMatchObject({ entries: 1, misses: 2, hits: 48, invalidated: 0, evicted: 0 });
    // Provenance stays the device's own: an override shows as the device layer's, with what it beat.
    const override = resolveEffectivePolicy(inputs[10] as ResolveInput, { cache });
    expect(override.provenance.find((p) => p.key === './Device/Vendor/MSFT/Policy/Config/Shared/Setting')).toEqual({
      field: 'config',
      key: './Device/Vendor/MSFT/Policy/Config/Shared/Setting',
      source: { layer: 'enforced', winPolicyId: 'kiosk', priority: 0, automationRuleId: 'rule-kiosk' },
      value: 4,
      overridden: [
        { source: { layer: 'device' }, value: 110 },
        { source: { layer: 'assignment', winPolicyId: 'team-1', priority: 1 }, value: 2 },
        { source: { layer: 'assignment', winPolicyId: 'team-2', priority: 2 }, value: 3 },
        { source: { layer: 'base', winPolicyId: 'base' }, value: 1 },
      ],
    });
    expect(override.deviceWinPolicy.config?.['./Device/Vendor/MSFT/Policy/Config/Own/Key10']).toBe(10);
  });

  test('a changed policy drops every merge made from it and is merged anew; an equal copy is not a change', () => {
    const { inputs, policies } = sharedFleet(4);
    const cache = new ResolutionCache();
    for (const input of inputs) resolveEffectivePolicy(input, { cache });
    // Re-read from a database: new objects, same content: still one entry, all hits.
    for (const input of inputs) resolveEffectivePolicy(structuredClone(input), { cache });
    expect(cache.stats()).toMatchObject({ entries: 1, misses: 2, hits: 6, invalidated: 0 });

    const changed = policies.map((p) => (p.id === 'team-2' ? { ...p, config: { ...p.config, './Device/Vendor/MSFT/Policy/Config/Team/C': 30 } } : p));
    const after = inputs.map((input) => ({ ...input, policies: changed }));
    const result = resolveEffectivePolicy(after[1] as ResolveInput, { cache });
    expect(result.deviceWinPolicy.config?.['./Device/Vendor/MSFT/Policy/Config/Team/C']).toBe(30);
    expect(json(result)).toBe(json(resolveEffectivePolicy(after[1] as ResolveInput)));
    expect(cache.stats()).toMatchObject({ entries: 0, misses: 3, invalidated: 1 });
    resolveEffectivePolicy(after[2] as ResolveInput, { cache });
    expect(cache.stats()).toMatchObject({ entries: 1, misses: 4 });
  });

  test('keeps only stacks seen more than once, within its bounds, least recently used first', () => {
    const cache = new ResolutionCache({ maxEntries: 2 });
    const policies: WinPolicy[] = ['a', 'b', 'c', 'd'].map((id) => ({ id, config: { [`./Device/Vendor/MSFT/Policy/Config/X/${id}`]: 1 } }));
    const resolve = (base: string): void => void resolveEffectivePolicy({ device: { id: 'any', winPolicyId: base }, policies }, { cache });
    resolve('d'); // seen once: not stored
    expect(cache.stats()).toMatchObject({ entries: 0, misses: 1 });
    for (const base of ['a', 'a', 'b', 'b']) resolve(base);
    expect(cache.stats()).toMatchObject({ entries: 2, misses: 5, hits: 0 });
    resolve('a');
    resolve('c');
    resolve('c'); // stored: evicts b, the least recently used
    expect(cache.stats()).toMatchObject({ entries: 2, evicted: 1, misses: 7, hits: 1 });
    resolve('a');
    expect(cache.stats()).toMatchObject({ hits: 2 });
    resolve('b');
    expect(cache.stats()).toMatchObject({ misses: 8, evicted: 1 });
    expect(() => new ResolutionCache({ maxEntries: 0 })).toThrow('ResolutionCache: maxEntries must be a positive integer, got 0');
  });

  test('results shared through the cache are frozen, so one device cannot change another\'s', () => {
    const { inputs } = sharedFleet(3);
    const cache = new ResolutionCache();
    resolveEffectivePolicy(inputs[2] as ResolveInput, { cache });
    const first = resolveEffectivePolicy(inputs[1] as ResolveInput, { cache });
    expect(() => {
      (first.deviceWinPolicy.config as Record<string, unknown>)['./Device/Vendor/MSFT/Policy/Config/Base/A'] = 99;
    }).toThrow(TypeError);
    expect(() => first.provenance.push(first.provenance[0]!)).toThrow(TypeError);
    expect(resolveEffectivePolicy(inputs[1] as ResolveInput, { cache }).deviceWinPolicy.config?.['./Device/Vendor/MSFT/Policy/Config/Base/A']).toBe(1);
  });
});
