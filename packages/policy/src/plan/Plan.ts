import type { AdmxIssueCode } from '@winmdm/admx';
import type { NodeStatus } from '../delivery/NodeStatus.js';
import type { ReadBackComparer } from '../delivery/compareReadBack.js';
import type { Command } from '@winmdm/syncml';
import type { AdmxFile } from '../AdmxFileSchema.js';
import type { Application } from '../ApplicationSchema.js';

/**
 * What a state key stands for: a CSP node (plain values and ADMX-backed policies alike), an ADMX
 * file ingested through `Policy/ConfigOperations/ADMXInstall`, or an MSI application installed
 * through `EnterpriseDesktopAppManagement/MSI/{ProductCode}/DownloadInstall`.
 */
export type NodeKind = 'csp' | 'admx-install' | 'msi';

/**
 * What the server knows about one node (keyed by LocURI in {@link DeviceState.nodes}). The
 * planner reads it to decide what to send: nothing for a node that already holds the desired value
 * or whose command is in flight, a retry for a failure, a `Delete` for a node nobody wants.
 *
 * @example
 * ```ts
 * const known: KnownNode = { kind: 'csp', value: '1', status: 'failed', code: 404, lastCommand: 'Replace', attemptedThisSession: true };
 * // the next plan sends an Add of the same value
 * ```
 */
export interface KnownNode {
  kind: NodeKind;
  /**
   * The node's value in the planner's canonical string form as last sent/acknowledged; while a
   * Delete is not confirmed (failed, pending again, refused), the value the device still holds.
   */
  value: string | null;
  /**
   * The node's state (see `NodeStatus` and `NODE_TRANSITIONS`). `sent` from an interrupted
   * session is turned back into `pending` by the server before planning. The planner sends
   * nothing for a node that holds the desired value (`applied`, `verified`, `unverifiable`,
   * `conflict`), is in flight (`sent`), is `quarantined` with it, or whose retry is not due yet
   * (`failed` with a later `retryAt`); it re-sends a `drifted` value when remediation is on.
   */
  status: NodeStatus;
  /** The device's status code for the last command on this node. */
  code?: number;
  lastCommand?: 'Add' | 'Replace' | 'Delete' | 'Exec';
  /** The last command on this node was sent in the current session. */
  attemptedThisSession?: boolean;
  /** For `failed`: not sent again before this time (ISO 8601, compared with `PlanOptions.now`). */
  retryAt?: string;
  /** When the value was last read back (drift detection), if ever. */
  checkedAt?: string;
}

/** What the server knows about one device: every node it tracks, by state key (see {@link PlannedNode.locUri}). */
export interface DeviceState {
  nodes: ReadonlyMap<string, KnownNode>;
}

/**
 * The limits and catalogs a plan is made with. Optional members may also be `undefined`, so that
 * the catalogs of a parsed bundle or a `ResolveInput` can be passed as they are.
 */
export interface PlanOptions {
  /** The device's MaxMsgSize in bytes (Windows: 524288 when it does not say). */
  maxMsgSize: number;
  /**
   * Bytes to keep free in every message for the SyncHdr, the Statuses the server puts first and
   * `<Final/>` (default 4096, or a quarter of a smaller MaxMsgSize). The XML declaration, the root element and the `SyncBody` tags are
   * counted by the planner itself.
   */
  reserveBytes?: number | undefined;
  /** Inventory to refresh in this plan (`Get` commands, see {@link inventoryNodes}). */
  refresh?: readonly ('hardware' | 'applications')[] | undefined;
  /** The ADMX catalog (with `content`) for ingestion and for validating ADMX-backed values. */
  admxFiles?: readonly AdmxFile[] | undefined;
  /** The application catalog (the resolution's applicationsInfo already carries the chosen version). */
  applications?: readonly Application[] | undefined;
  /**
   * Whether the device accepts OMA-DM large objects (`./DevDetail/LrgObj`; default true, as every
   * Windows device does). When false, a value too large for one message is not sent (an issue).
   */
  largeObjects?: boolean | undefined;
  /**
   * The largest object the device accepts, in bytes (the `MaxObjSize` of its SyncHdr Meta); a value
   * whose data is larger is not sent (an issue). Absent: no limit beyond the message size.
   */
  maxObjSize?: number | undefined;
  /** The time of the plan (ISO 8601): a failed node whose `retryAt` is later waits. Absent: every retry is due. */
  now?: string | undefined;
  /**
   * Whether a `drifted` node is sent again, by the policy it comes from (see `Plan.desired`'s
   * `policyId`; `undefined` for a value that is the device's own). Absent: always (remediation is
   * the default).
   */
  remediate?: ((policyId: string | undefined) => boolean) | undefined;
  /**
   * Drift detection for this plan (absent: none): read back, with `Get`s after every other
   * command, the acknowledged nodes whose value comes from a policy in scope and that were not
   * read back since `since` (the start of the current round), at most `limit` of them, those read
   * longest ago first. Nodes of `UNVERIFIABLE_NODES` marked `always` are not read but listed
   * in `Plan.verification.unverifiable` (`UNVERIFIABLE_NODES` of the delivery module); `./User` nodes are read only when `userSession` (the
   * enrolled user is signed in), and listed there otherwise.
   */
  verify?: VerifyOptions | undefined;
}

/** See {@link PlanOptions.verify}. */
export interface VerifyOptions {
  since: string;
  limit: number;
  /** Whether the value of a policy (undefined: the device's own config) is checked. */
  inScope(policyId: string | undefined): boolean;
  userSession?: boolean;
}

/**
 * One node a planned command acts on, with the state it leads to. `op` describes the state key,
 * not the SyncML verb: an MSI `remove` is a `Delete` command whose node is `set` to `msi:remove`
 * (so that a removed application stays removed without being deleted again every session).
 */
export interface PlannedNode {
  /**
   * The state key: for CSP and ADMX-backed values the normalised OMA-URI; for ADMX files the
   * ADMXInstall URI; for MSI apps the `.../MSI/{ProductCode}/DownloadInstall` URI.
   */
  locUri: string;
  kind: NodeKind;
  /** The canonical value the node will hold once this command succeeds; null for a Delete (and a Get). */
  value: string | null;
  op: 'set' | 'delete' | 'get' | 'verify';
  /** For an inventory `Get`: the inventory it belongs to (the MSI `Version`/`Status` reads belong to `applications`). */
  inventory?: 'hardware' | 'applications';
  /**
   * For a read-back `Get` (`op: 'verify'`, `value` the value acknowledged): how to compare what
   * the device returns, and whether a 404 is normal for the node (see `UNVERIFIABLE_NODES`).
   */
  readBack?: { comparer: ReadBackComparer; absentIsNormal: boolean };
}

/** One command of a plan, the nodes it changes and, for a large object, which chunk it is. */
export interface PlannedCommand {
  /** `@winmdm/syncml` AST; CmdIDs numbered 1.. within each message (the server renumbers after its Statuses). */
  command: Command;
  /** The nodes this command changes (empty for none); for MSI, Add and Exec both carry the node; a Get carries its node with `op: 'get'`. */
  nodes: PlannedNode[];
  /**
   * For large-object chunks: index (0-based) and count; a message with a chunk other than the last
   * must end with it and is sent without `<Final/>`.
   */
  chunk?: { index: number; count: number };
}

/** The codes of {@link PlanIssue}: the ADMX validation codes of `@winmdm/admx` plus the planner's own. */
export type PlanIssueCode =
  | AdmxIssueCode
  /** An effective ADMX file whose content cannot be read or whose URIs cannot be built. */
  | 'admx-file-invalid'
  /** An effective ADMX file that `options.admxFiles` does not carry. */
  | 'admx-file-missing'
  /** A key in an ingested-app namespace (`{AppName}~Policy~...`) that no effective, valid ADMX file defines. */
  | 'admx-policy-unknown'
  /** A CSP value that cannot be sent (not a finite number, a character XML cannot carry, ...). */
  | 'invalid-value'
  /** A config key that is not a valid OMA-URI (`./Devic/...`): no node could take its value. */
  | 'invalid-loc-uri'
  /** A required or removed application without what installing or removing it needs. */
  | 'application-unavailable'
  /** Two desired things map to one state key; the first one (in plan order) is kept. */
  | 'duplicate-node'
  /** A command without data to split into chunks that alone exceeds the message budget. */
  | 'command-too-large';

/** A problem found while planning, as data; `locUri` names the node concerned when there is one. */
export interface PlanIssue {
  code: PlanIssueCode;
  path: (string | number)[];
  message: string;
  locUri?: string;
}

/** A node the device should hold; see {@link Plan.desired}. */
export interface DesiredNode {
  kind: NodeKind;
  value: string;
  policyId?: string;
  conflicted?: true;
}

/** The outcome of `planCommands`. */
export interface Plan {
  /** The messages to send, in order; each is a list of commands in wire order. Empty when there is nothing to do. */
  messages: PlannedCommand[][];
  /**
   * Every node the device should end up with (LocURI → kind and canonical value), sorted by
   * LocURI, with the policy its value comes from (`policyId`, absent for the device's own
   * `config`) and `conflicted` when policies of equal priority disagree about it (the resolution's
   * `ambiguous-priority` conflicts).
   */
  desired: ReadonlyMap<string, DesiredNode>;
  /**
   * Known nodes that are neither desired nor deleted by this plan (failed/pending leftovers, MSI
   * applications no longer assigned, or everything not desired when the resolution is
   * incomplete): the server stops tracking them only when `complete`; listed so it can decide.
   * Nodes whose desired value is invalid this time (an issue) are not listed: the device keeps
   * them and the server should keep tracking them. Sorted.
   */
  stale: string[];
  issues: PlanIssue[];
  /** What drift detection planned, when `options.verify` asked for it. */
  verification?: PlannedVerification;
}

/** See {@link Plan.verification}. */
export interface PlannedVerification {
  /** Nodes in scope (acknowledged, from a policy in scope), checked this round or not. */
  inScope: number;
  /** Read-back Gets in this plan. */
  planned: number;
  /** Nodes still to be read back in this round after these (beyond `limit`). */
  remaining: number;
  /** Nodes that cannot be read back, with the reason (no Get is sent for them). */
  unverifiable: { locUri: string; reason: string }[];
}
