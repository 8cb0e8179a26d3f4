import { compareCodeUnits } from '../compareCodeUnits.js';
import type { NodeKind } from '../plan/Plan.js';
import { codeMeaning } from './codeMeaning.js';
import type { NodeStatus } from './NodeStatus.js';

/**
 * Whether a node in each state counts towards a compliant device, and why: the one place that
 * decides it (the README's "Compliance" table is this one). The rule is that a setting is in place
 * only when the device confirmed it holds the wanted value, and nothing else is ever assumed.
 */
export const COMPLIANCE_BY_STATUS: Readonly<Record<NodeStatus, { compliant: boolean; why: string }>> = Object.freeze({
  pending: { compliant: false, why: 'not sent yet: the device has not confirmed anything' },
  sent: { compliant: false, why: 'sent, no status yet: not confirmed' },
  applied: { compliant: true, why: 'the device answered a status that means the command took effect' },
  verified: { compliant: true, why: 'read back from the device, equal to what was sent' },
  drifted: { compliant: false, why: 'read back different: the device no longer holds the value' },
  failed: { compliant: false, why: 'the device answered an error' },
  'not-removable': { compliant: false, why: 'the device refused to remove a setting no longer wanted: it still holds it' },
  unverifiable: {
    compliant: true,
    why: 'applied (the device answered a status that means it took effect), and the node cannot be read back: as confirmed as applied is',
  },
  conflict: {
    compliant: false,
    why: 'policies of equal priority want different values: whichever the device holds, one of them is not met',
  },
  quarantined: { compliant: false, why: 'failed too many sessions in a row: held back' },
});

/** A state that makes a device not compliant: a {@link NodeStatus} that does not count, or `unresolved`. */
export type ComplianceReasonState = Exclude<NodeStatus, 'applied' | 'verified' | 'unverifiable'> | 'unresolved';

/**
 * One reason a device is not compliant: a setting (its LocURI; for `unresolved`, the path of what
 * the desired state references and is missing) and its state, with the device's status code and its
 * meaning when the state carries one.
 */
export interface ComplianceReason {
  setting: string;
  state: ComplianceReasonState;
  code?: number;
  meaning?: string;
}

/** What the server tracks of one node of the device, as far as compliance is concerned. */
export interface ComplianceNode {
  locUri: string;
  status: NodeStatus;
  /** The device's status code for the last command (an MSI install: the installer's result). */
  code: number | null;
  kind?: NodeKind;
}

/** What {@link evaluateCompliance} reads. */
export interface ComplianceInput {
  /**
   * Every node the server tracks for the device: the desired settings, and the ones being removed
   * (a removal not confirmed yet, or refused, leaves a row).
   */
  nodes: readonly ComplianceNode[];
  /**
   * What the desired state references and could not be resolved (a missing policy, application or
   * ADMX file): while anything is, nobody can say what the device should hold.
   */
  unresolved?: readonly { setting: string; meaning: string }[];
  /** The time of the evaluation (ISO 8601). */
  now: string;
  /** Reasons listed at most (default 20); `reasonCount` counts them all. */
  maxReasons?: number;
}

/** A device's compliance as `summary.compliance` holds it. */
export interface ComplianceResult {
  compliant: boolean;
  /** When it was evaluated. */
  lastCheck: string;
  /** Why not (empty when compliant), worst first, at most `maxReasons`. */
  reasons: ComplianceReason[];
  /** How many reasons there are in all. */
  reasonCount: number;
}

/** Reasons worst first: what needs an admin, then what waits for the device. */
const SEVERITY: readonly ComplianceReasonState[] = ['unresolved', 'quarantined', 'failed', 'drifted', 'not-removable', 'conflict', 'pending', 'sent'];
const CODED: ReadonlySet<NodeStatus> = new Set<NodeStatus>(['failed', 'quarantined', 'not-removable']);
const DEFAULT_MAX_REASONS = 20;

/**
 * A device's compliance from the nodes the server tracks for it (see {@link COMPLIANCE_BY_STATUS}):
 * compliant when nothing is unresolved and every node is `applied`, `verified` or `unverifiable`
 * (applied, and not readable). A device with no node to hold is compliant. Pure: the server calls it
 * when a session ends, never when a device is read.
 *
 * @example
 * ```ts
 * evaluateCompliance({ nodes: [{ locUri: './Device/A', status: 'failed', code: 405 }], now });
 * // { compliant: false, lastCheck: now, reasonCount: 1,
 * //   reasons: [{ setting: './Device/A', state: 'failed', code: 405, meaning: 'not allowed (read-only node?)' }] }
 * ```
 */
export function evaluateCompliance(input: ComplianceInput): ComplianceResult {
  const reasons: ComplianceReason[] = [];
  for (const { setting, meaning } of input.unresolved ?? []) reasons.push({ setting, state: 'unresolved', meaning });
  for (const node of input.nodes) {
    if (COMPLIANCE_BY_STATUS[node.status].compliant) continue;
    const reason: ComplianceReason = { setting: node.locUri, state: node.status as ComplianceReasonState };
    if (CODED.has(node.status) && node.code !== null) {
      reason.code = node.code;
      reason.meaning = codeMeaning(node.code, node.kind);
    }
    reasons.push(reason);
  }
  reasons.sort((a, b) => SEVERITY.indexOf(a.state) - SEVERITY.indexOf(b.state) || compareCodeUnits(a.setting, b.setting));
  return {
    compliant: reasons.length === 0,
    lastCheck: input.now,
    reasons: reasons.slice(0, Math.max(0, input.maxReasons ?? DEFAULT_MAX_REASONS)),
    reasonCount: reasons.length,
  };
}
