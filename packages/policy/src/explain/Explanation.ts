import { z } from 'zod';
import type { Device } from '../DeviceSchema.js';
import type { ResolutionResult } from '../ResolutionResult.js';
import type { WinPolicy } from '../WinPolicySchema.js';

const LayerSchema = z.enum(['base', 'assignment', 'device', 'enforced']);
const PolicyFieldSchema = z.enum(['config', 'applications', 'scripts', 'bookmarks', 'assets', 'admxConfigs', 'agentConfiguration']);
const ConflictKindSchema = z.enum(['overridden', 'ambiguous-priority']);

/**
 * One entry of a node's status history: what the server recorded for the node at `at` (the
 * status, the device's status code, the value sent or acknowledged).
 */
export const NodeStatusEventSchema = z.object({
  status: z.string(),
  code: z.number().nullable().optional(),
  value: z.string().nullable().optional(),
  at: z.string(),
});

/** One entry of a node's status history; see {@link NodeStatusEventSchema}. */
export type NodeStatusEvent = z.infer<typeof NodeStatusEventSchema>;

/**
 * What the server knows of one node (LocURI) of the device: its status (`pending`, `sent`,
 * `applied`, `failed`, … — any word the server records), the device's status code for the last
 * command, when, and optionally its history (oldest first).
 */
export interface NodeStatusInput {
  locUri: string;
  /** `csp`, `admx-install`, `msi`: how the code reads (an MSI node's is its installer's result). */
  kind?: string | undefined;
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
 * name), its priority, and for enforced ones the automation rule and the criteria that matched
 * (over all matched audiences, without duplicates). `label` is a short phrase:
 * `base "Corporate Security Baseline"`, `assignment p1 "Strict passwords"`, `device override`,
 * `enforced "Sales team apps" by rule "Sales team policies" (tag:sales)`.
 */
export const ExplainedSourceSchema = z.object({
  layer: LayerSchema,
  winPolicyId: z.string().optional(),
  policyName: z.string().optional(),
  priority: z.number().optional(),
  automationRuleId: z.string().optional(),
  automationRuleName: z.string().optional(),
  reasons: z.array(z.string()).optional(),
  label: z.string(),
});

/** A source of values, told for people; see {@link ExplainedSourceSchema}. */
export type ExplainedSource = z.infer<typeof ExplainedSourceSchema>;

/**
 * A layer of the device's resolution (see {@link ExplanationSchema} `layers`): its source, an
 * enforced rule's matched audiences, `missing` when the policy document was not found (the
 * resolution is then incomplete), and `countedAt` when the same policy is also referenced at a
 * place of higher precedence, where it counts (a policy counts once): this entry contributes nothing.
 */
export const ExplainedLayerSchema = z.object({
  source: ExplainedSourceSchema,
  audiences: z.array(z.object({ id: z.string(), name: z.string(), reasons: z.array(z.string()) })).optional(),
  missing: z.boolean(),
  countedAt: z.string().optional(),
});

/** A layer of the device's resolution; see {@link ExplainedLayerSchema}. */
export type ExplainedLayer = z.infer<typeof ExplainedLayerSchema>;

/** A value another source set for the same key, which the effective value beat; `same` when it equals the effective one. */
export const BeatenValueSchema = z.object({
  source: ExplainedSourceSchema,
  value: z.unknown(),
  valueText: z.string(),
  same: z.boolean(),
});

/** A beaten value; see {@link BeatenValueSchema}. */
export type BeatenValue = z.infer<typeof BeatenValueSchema>;

/**
 * The device's status of the node an effective setting is delivered as: the status word and what
 * it means, the device's last status code and what it means (`node not found`), when, and the
 * node's status history (oldest first).
 */
export const ExplainedStatusSchema = z.object({
  locUri: z.string(),
  status: z.string(),
  statusMeaning: z.string(),
  code: z.number().optional(),
  codeMeaning: z.string().optional(),
  updatedAt: z.string().optional(),
  history: z.array(NodeStatusEventSchema),
});

/** The device's status of a node; see {@link ExplainedStatusSchema}. */
export type ExplainedStatus = z.infer<typeof ExplainedStatusSchema>;

/**
 * One effective setting, with why it is what it is: `key` (the normalised OMA-URI for `config`,
 * the entry key for lists, the field name for `agentConfiguration`) and `shortKey` for a table,
 * the value, the source that set it, `beat` (every lower-precedence source that set the key,
 * highest first), the strongest `conflict` on the key (`ambiguous-priority`: only the id tie-break
 * decided), how it reaches the device (`delivery`: `syncml`, `agent` for scripts, bookmarks,
 * assets and agent settings, `self-service` for an `available` application) and the `status` of
 * its node once the server knows it.
 */
export const ExplainedSettingSchema = z.object({
  field: PolicyFieldSchema,
  key: z.string(),
  shortKey: z.string(),
  value: z.unknown(),
  valueText: z.string(),
  source: ExplainedSourceSchema,
  beat: z.array(BeatenValueSchema),
  conflict: ConflictKindSchema.optional(),
  delivery: z.enum(['syncml', 'agent', 'self-service']),
  status: ExplainedStatusSchema.optional(),
});

/** One effective setting, with why it is what it is; see {@link ExplainedSettingSchema}. */
export type ExplainedSetting = z.infer<typeof ExplainedSettingSchema>;

/** A conflict of the resolution, told for people. */
export const ExplainedConflictSchema = z.object({
  field: PolicyFieldSchema,
  key: z.string(),
  shortKey: z.string(),
  kind: ConflictKindSchema,
  winner: BeatenValueSchema,
  loser: BeatenValueSchema,
});

/** A conflict, told for people; see {@link ExplainedConflictSchema}. */
export type ExplainedConflict = z.infer<typeof ExplainedConflictSchema>;

/**
 * Why a device's effective policy is what it is: the model that `winmdm explain` prints as a
 * table, the console shows, and `GET /mdm/windows/devices/{id}/explanation` answers.
 *
 * - `complete`: false when something referenced is missing (see `issues`): nothing is removed from the device then;
 * - `layers`: lowest precedence first (base, assignments by precedence, device overrides, enforced);
 * - `settings`: one row per effective setting, by field (`config`, `admxConfigs`, `applications`,
 *   then the agent-only `scripts`, `bookmarks`, `assets`, `agentConfiguration`), then by key;
 * - `otherNodes`: nodes the server tracks on the device that no effective setting accounts for
 *   (leftovers, being removed);
 * - `statusCounts`: SyncML settings per status; a setting without a known node counts as `unknown`.
 */
export const ExplanationSchema = z.object({
  device: z.object({ id: z.string(), winId: z.string().optional(), displayName: z.string().optional() }),
  complete: z.boolean(),
  layers: z.array(ExplainedLayerSchema),
  settings: z.array(ExplainedSettingSchema),
  conflicts: z.array(ExplainedConflictSchema),
  issues: z.array(z.object({ code: z.string(), path: z.array(z.union([z.string(), z.number()])), message: z.string() })),
  otherNodes: z.array(ExplainedStatusSchema),
  statusCounts: z.record(z.string(), z.number()),
});

/** Why a device's effective policy is what it is; see {@link ExplanationSchema}. */
export type Explanation = z.infer<typeof ExplanationSchema>;
