import type { Device } from '../DeviceSchema.js';
import type { Layer, PolicyField, ResolutionIssue, ResolutionResult } from '../ResolutionResult.js';
import type { WinPolicy } from '../WinPolicySchema.js';

/**
 * One entry of a node's status history: what the server recorded for the node at `at` (the
 * status, the device's status code, the value sent or acknowledged).
 */
export interface NodeStatusEvent {
  status: string;
  code?: number | null | undefined;
  value?: string | null | undefined;
  at: string;
}

/**
 * What the server knows of one node (LocURI) of the device: its status (`pending`, `sent`,
 * `applied`, `failed`, … — any word the server records), the device's status code for the last
 * command, when, and optionally its history (oldest first).
 */
export interface NodeStatusInput {
  locUri: string;
  status: string;
  code?: number | null | undefined;
  value?: string | null | undefined;
  updatedAt?: string | undefined;
  history?: readonly NodeStatusEvent[] | undefined;
}

/** What {@link explainResolution} reads. */
export interface ExplainInput {
  /** The device as resolved (its id, `winId`, `displayName`, base policy and assignments). */
  device: Device;
  /** The policy documents the resolution read (for their names). */
  policies: readonly WinPolicy[];
  resolution: ResolutionResult;
  /** The device's known nodes, from the server (absent: nothing known, as for a bundle). */
  nodes?: readonly NodeStatusInput[] | undefined;
}

/**
 * A source of values, told for people: the layer and, for policy layers, the policy (id and
 * name), its priority, and for enforced ones the automation rule and the criteria that matched.
 * `label` is a short phrase: `base "Corporate Security Baseline"`, `assignment p1 "Strict
 * passwords"`, `device override`, `enforced by rule "Sales team policies" (tag:sales)`.
 */
export interface ExplainedSource {
  layer: Layer;
  winPolicyId?: string;
  policyName?: string;
  priority?: number;
  automationRuleId?: string;
  automationRuleName?: string;
  /** The criteria that held, over all matched audiences, without duplicates. */
  reasons?: string[];
  label: string;
}

/** A layer of the device's resolution, lowest precedence first (see {@link Explanation.layers}). */
export interface ExplainedLayer {
  source: ExplainedSource;
  /** The enforced rule's matched audiences and their reasons. */
  audiences?: { id: string; name: string; reasons: string[] }[];
  /** The policy document was not found: the resolution is incomplete. */
  missing: boolean;
  /**
   * The same policy is also referenced at a place of higher precedence, where it counts (a policy
   * counts once): this entry contributes nothing.
   */
  countedAt?: string;
}

/** A value another source set for the same key, which the effective value beat. */
export interface BeatenValue {
  source: ExplainedSource;
  value: unknown;
  valueText: string;
  /** The beaten value equals the effective one (no conflict, merely set twice). */
  same: boolean;
}

/** The device's status of the node an effective setting is delivered as. */
export interface ExplainedStatus {
  locUri: string;
  status: string;
  /** What the status word means. */
  statusMeaning: string;
  code?: number;
  /** What the device's status code means (`node not found`). */
  codeMeaning?: string;
  updatedAt?: string;
  history: NodeStatusEvent[];
}

/** One effective setting, with why it is what it is. */
export interface ExplainedSetting {
  field: PolicyField;
  /** The normalised OMA-URI (`config`), the entry key (lists) or the field name (`agentConfiguration`). */
  key: string;
  /** The key, shortened for a table (`DeviceLock/MinDevicePasswordLength`). */
  shortKey: string;
  value: unknown;
  valueText: string;
  source: ExplainedSource;
  /** Every lower-precedence source that set the key, highest first. */
  beat: BeatenValue[];
  /** The strongest conflict on the key: `ambiguous-priority` (only the id tie-break decided) or `overridden`. */
  conflict?: 'overridden' | 'ambiguous-priority';
  /**
   * How the setting reaches the device: `syncml` (a node, whose status is `status` once the
   * server knows it), `agent` (scripts, bookmarks, assets, agent settings: not SyncML) or
   * `self-service` (an `available` application: nothing is sent).
   */
  delivery: 'syncml' | 'agent' | 'self-service';
  status?: ExplainedStatus;
}

/** A conflict, told for people. */
export interface ExplainedConflict {
  field: PolicyField;
  key: string;
  shortKey: string;
  kind: 'overridden' | 'ambiguous-priority';
  winner: BeatenValue;
  loser: BeatenValue;
}

/**
 * Why a device's effective policy is what it is: the model that `winmdm explain` prints as a
 * table and the console shows, computed from a resolution (and the device's known node states).
 */
export interface Explanation {
  device: { id: string; winId?: string; displayName?: string };
  /** False when something referenced is missing (see `issues`): nothing is removed from the device then. */
  complete: boolean;
  /** The layers, lowest precedence first: base, assignments by precedence, device overrides, enforced. */
  layers: ExplainedLayer[];
  /**
   * One row per effective setting: by field (`config`, `admxConfigs`, `applications`, then the
   * agent-only `scripts`, `bookmarks`, `assets`, `agentConfiguration`), then by key.
   */
  settings: ExplainedSetting[];
  conflicts: ExplainedConflict[];
  issues: ResolutionIssue[];
  /** Nodes the server tracks on the device that no effective setting accounts for (leftovers, being removed). */
  otherNodes: ExplainedStatus[];
  /** How many settings are in each status; settings without a known node count as `unknown`. */
  statusCounts: Record<string, number>;
}
