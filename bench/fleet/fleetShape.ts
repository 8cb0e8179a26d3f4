/**
 * A generated fleet whose devices share policies the way real tenants do, for the resolve and fleet
 * benchmarks. Every device has 26 policies: one of 3 base policies, one of 20 assignment sets of
 * 20 policies (drawn from a pool of 40; the fleet baseline is in every set), and 5 policies enforced
 * by automation rules on its tags (one fleet-wide rule and one rule each for its site, department,
 * ring and OS). Site, department, OS and base follow the device's assignment set (a set is a team
 * somewhere); the ring (0-2) does not. That gives at most 20 × 3 × 2 distinct stacks of policies,
 * whatever the fleet's size. 3% of the devices have overrides of their own (`config`).
 *
 * Policies draw their keys from one pool (see generate.ts: overlaps, conflicts, spellings); the
 * fleet baseline also sets keys no other policy sets, and {@link FleetShape.changedBaseline} changes five
 * of them: the fleet-wide policy change of the fleet benchmark, five new values on every device.
 */
import type { AutomationRule, ConfigValue, Device, WinPolicy } from '@winmdm/policy';
import { keyPool, poolConfig, prng, randomValue } from '../generate.js';

export const SHAPE = {
  bases: 3,
  assignmentPool: 40,
  assignmentSets: 20,
  assignmentsPerSet: 20,
  sites: 5,
  departments: 4,
  rings: 3,
  oses: 2,
  /** Share of devices with overrides of their own. */
  overrideShare: 0.03,
} as const;

/** Options of {@link fleetShape}. */
export interface FleetShapeOptions {
  devices: number;
  /** Keys of each base policy. */
  baseKeys: number;
  /** Keys of each assignment and enforced policy. */
  policyKeys: number;
  /** Size of the shared key pool the policies draw from. */
  poolSize: number;
  /** Overrides of a device that has some. */
  overrideKeys: number;
  /**
   * Every device gets an assignment set of its own, so no two devices share a stack of policies:
   * the resolve benchmark's no-sharing figure.
   */
  noSharing?: boolean;
  seed?: number;
}

export interface FleetDevice extends Device {
  id: string;
  winId: string;
  tags: string[];
}

export interface FleetShape {
  organizationId: string;
  policies: WinPolicy[];
  automationRules: AutomationRule[];
  devices: FleetDevice[];
  /** The id of the policy every device has (an assignment of every set). */
  baselineId: string;
  /** The baseline with five of its own settings changed (new values, same keys). */
  changedBaseline(): WinPolicy;
  /** The five keys {@link changedBaseline} changes. */
  changedKeys: string[];
}

/** Generates the fleet (deterministic for a seed). */
export function fleetShape(options: FleetShapeOptions): FleetShape {
  const random = prng(options.seed ?? 1);
  const org = 'org-fleet';
  const pool = keyPool(options.poolSize, random);
  const makePolicy = (id: string, keys: number, own: Record<string, ConfigValue> = {}): WinPolicy =>
    ({ id, organizationId: org, name: `Policy ${id}`, version: 1, config: { ...poolConfig(keys, pool, random), ...own } }) as WinPolicy;
  const baselineId = 'pol-assign-00';
  const baselineOwn: Record<string, ConfigValue> = {};
  for (let i = 0; i < 10; i++) baselineOwn[`./Device/Vendor/MSFT/Policy/Config/FleetBaseline/Setting${i}`] = i % 2 === 0 ? i : String(i);
  const changedKeys = Object.keys(baselineOwn).slice(0, 5);

  const policies: WinPolicy[] = [];
  for (let b = 0; b < SHAPE.bases; b++) policies.push(makePolicy(`pol-base-${b}`, options.baseKeys));
  const setCount = options.noSharing ? options.devices : SHAPE.assignmentSets;
  const poolPolicies = options.noSharing ? Math.max(SHAPE.assignmentPool, setCount + SHAPE.assignmentsPerSet) : SHAPE.assignmentPool;
  for (let a = 0; a < poolPolicies; a++) {
    const id = `pol-assign-${String(a).padStart(2, '0')}`;
    policies.push(makePolicy(id, options.policyKeys, id === baselineId ? baselineOwn : {}));
  }
  const rules: AutomationRule[] = [];
  const enforce = (name: string, tag: string, priority: number): void => {
    const id = `rule-${name}`;
    const policyId = `pol-enforced-${name}`;
    policies.push(makePolicy(policyId, options.policyKeys));
    rules.push({ id, name, winPolicyId: policyId, priority, deviceAudiences: [{ id: `aud-${name}`, name, criteria: [`tag:${tag}`] }] } as AutomationRule);
  };
  enforce('all', 'managed', 4);
  for (let s = 0; s < SHAPE.sites; s++) enforce(`site-${s}`, `site-${s}`, 3);
  for (let d = 0; d < SHAPE.departments; d++) enforce(`dept-${d}`, `dept-${d}`, 2);
  for (let r = 0; r < SHAPE.rings; r++) enforce(`ring-${r}`, `ring-${r}`, 1);
  for (let o = 0; o < SHAPE.oses; o++) enforce(`os-${o}`, `os-${o}`, 0);

  // Each set: the baseline and 19 others of the pool, priorities 0-19 (the baseline at 10).
  const sets: { winPolicyId: string; priority: number }[][] = [];
  for (let s = 0; s < setCount; s++) {
    const others = new Set<number>();
    if (options.noSharing) for (let k = 1; others.size < SHAPE.assignmentsPerSet - 1; k++) others.add(((s + k) % (poolPolicies - 1)) + 1);
    else while (others.size < SHAPE.assignmentsPerSet - 1) others.add(1 + Math.floor(random() * (poolPolicies - 1)));
    const ids = [0, ...others].map((a) => `pol-assign-${String(a).padStart(2, '0')}`);
    sets.push(ids.map((winPolicyId, i) => ({ winPolicyId, priority: i === 0 ? 10 : i < 10 ? i - 1 : i })));
  }

  const devices: FleetDevice[] = [];
  for (let i = 0; i < options.devices; i++) {
    const group = options.noSharing ? i : Math.floor(random() * SHAPE.assignmentSets);
    const tags = ['managed', `site-${group % SHAPE.sites}`, `dept-${group % SHAPE.departments}`, `ring-${Math.floor(random() * SHAPE.rings)}`, `os-${random() < 0.9 ? 0 : 1}`];
    const config: Record<string, ConfigValue> = {};
    if (random() < SHAPE.overrideShare) {
      for (let k = 0; k < options.overrideKeys; k++) config[pool[Math.floor(random() * pool.length)]!.key] = randomValue(random);
    }
    devices.push({
      id: `dev-fleet-${i}`,
      organizationId: org,
      winId: `FLEET-${String(i).padStart(6, '0')}`,
      displayName: `Fleet device ${i}`,
      tags,
      winPolicyId: `pol-base-${group % SHAPE.bases}`,
      winPolicyAssignments: sets[group]!,
      config,
    } as FleetDevice);
  }
  const baseline = policies.find((p) => p.id === baselineId)!;
  return {
    organizationId: org,
    policies,
    automationRules: rules,
    devices,
    baselineId,
    changedKeys,
    changedBaseline: () => {
      const config = { ...baseline.config };
      for (const key of changedKeys) config[key] = `changed-${String(config[key])}`;
      return { ...baseline, version: (baseline.version ?? 1) + 1, config } as WinPolicy;
    },
  };
}
