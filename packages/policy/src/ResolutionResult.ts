import type { AdmxFile } from './AdmxFileSchema.js';
import type { Application } from './ApplicationSchema.js';
import type { AutomationRule } from './AutomationRuleSchema.js';
import type { Device } from './DeviceSchema.js';
import type { EnforcedAssignment } from './EnforcedAssignmentSchema.js';
import type { ResolutionCache } from './ResolutionCache.js';
import type { WinPolicy } from './WinPolicySchema.js';

/**
 * What `resolveEffectivePolicy` reads. Catalogs that are absent count as empty: a policy that
 * references an application or ADMX file then makes the resolution incomplete, which is the safe
 * reading. `automationRules`, when present (even empty), replace the device's stored
 * `winPolicyAssignmentsEnforced`. Optional members may also be `undefined` so that zod-inferred
 * objects (a parsed bundle) can be passed as they are.
 */
export interface ResolveInput {
  device: Device;
  policies: readonly WinPolicy[];
  automationRules?: readonly AutomationRule[] | undefined;
  applications?: readonly Application[] | undefined;
  admxFiles?: readonly AdmxFile[] | undefined;
}

/** How `resolveEffectivePolicy` may work; the result is the same whichever is chosen. */
export interface ResolveOptions {
  /**
   * Merged policy stacks shared across devices (see {@link ResolutionCache}): devices with the
   * same policies at the same places share the merge; only their own `config` is merged per device.
   */
  cache?: ResolutionCache | undefined;
}

/** The fields of a policy that are merged across layers. */
export type PolicyField =
  | 'config'
  | 'applications'
  | 'scripts'
  | 'bookmarks'
  | 'assets'
  | 'admxConfigs'
  | 'agentConfiguration';

/** The layers of a resolution, lowest precedence first. */
export type Layer = 'base' | 'assignment' | 'device' | 'enforced';

/**
 * Where a value came from: the layer, and for policy layers the policy, its priority (assignment
 * and enforced) and the automation rule that enforced it. The device layer is the device's own
 * `config`.
 */
export interface SourceRef {
  layer: Layer;
  winPolicyId?: string;
  priority?: number;
  automationRuleId?: string;
}

/** A value together with the source that set it. */
export interface SourcedValue {
  source: SourceRef;
  value: unknown;
}

/**
 * Why an effective value is what it is: the source that set it and every lower-precedence source
 * that also set the key (highest first), whether or not their values differ. `key` is the
 * normalised OMA-URI for `config`, the entry key for lists (`winApplicationId`, `id`, `url`,
 * `mdmAssetId`, `winAdmxConfigId`) and the field name for `agentConfiguration`.
 */
export interface ProvenanceEntry {
  field: PolicyField;
  key: string;
  source: SourceRef;
  value: unknown;
  overridden: SourcedValue[];
}

/**
 * Two sources that set one key to different values (deep equality): one entry per losing source.
 * `ambiguous-priority` when the loser is in the winner's layer with the same priority, so that only
 * the `winPolicyId` tie-break decided; `overridden` otherwise.
 */
export interface Conflict {
  field: PolicyField;
  key: string;
  kind: 'overridden' | 'ambiguous-priority';
  winner: SourcedValue;
  loser: SourcedValue;
}

/** The codes of {@link ResolutionIssue}. */
export type ResolutionIssueCode =
  | 'policy-not-found'
  | 'admx-file-not-found'
  | 'application-not-found'
  | 'no-allowed-version'
  | 'invalid-version-range'
  | 'invalid-version'
  | 'invalid-criterion'
  | 'duplicate-key'
  | 'duplicate-id'
  | 'missing-id';

/**
 * A problem found in the input, reported as data (like a zod issue) rather than thrown. Paths name
 * list entries by their key (a policy id, an application id, a raw config key) rather than by
 * index, so that issues do not depend on the order of the input; criteria are the exception (their
 * index, since their order is meaningful).
 */
export interface ResolutionIssue {
  code: ResolutionIssueCode;
  path: (string | number)[];
  message: string;
}

/**
 * The outcome of `resolveEffectivePolicy`. `complete` is false when something the device references
 * is missing (a policy, an application, an ADMX file): a consumer must then not remove anything
 * from the device on the strength of this result.
 */
export interface ResolutionResult {
  deviceWinPolicy: WinPolicy;
  winPolicyAssignmentsEnforced: EnforcedAssignment[];
  provenance: ProvenanceEntry[];
  conflicts: Conflict[];
  issues: ResolutionIssue[];
  complete: boolean;
}
