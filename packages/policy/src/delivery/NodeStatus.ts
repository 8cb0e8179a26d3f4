/**
 * The state of one setting (node) on one device, in the vocabulary MDM admins know (Intune's):
 *
 * - `pending`: wanted, not sent yet (or sent in a session that broke off: sent again);
 * - `sent`: sent in the current session, no Status yet;
 * - `applied`: the device answered a status that means the command took effect;
 * - `verified`: read back from the device, equal to what was sent;
 * - `drifted`: read back, different (`actual` holds what the device has);
 * - `failed`: the device answered an error (`code`); retried after a backoff;
 * - `not-removable`: the device refused a Delete (it still holds `value`);
 * - `unverifiable`: applied, and the node cannot be read back (ADMX ingestion, write-only or
 *   masked nodes, `./User` nodes of another user);
 * - `conflict`: applied, and policies of equal priority disagree about it (the tie-break chose);
 * - `quarantined`: failed too many sessions in a row; held back until the setting changes or it
 *   is resent.
 *
 * How a node moves between them is `nodeTransition`'s table, the one place that decides it.
 */
export type NodeStatus =
  | 'pending'
  | 'sent'
  | 'applied'
  | 'verified'
  | 'drifted'
  | 'failed'
  | 'not-removable'
  | 'unverifiable'
  | 'conflict'
  | 'quarantined';

/** Every {@link NodeStatus}, in the order they are documented. */
export const NODE_STATUSES: readonly NodeStatus[] = Object.freeze([
  'pending',
  'sent',
  'applied',
  'verified',
  'drifted',
  'failed',
  'not-removable',
  'unverifiable',
  'conflict',
  'quarantined',
]);

/**
 * The states in which the device acknowledged the node's current value: the only ones in which a
 * setting counts as delivered. `drifted` is not among them: the device acknowledged it once and no
 * longer holds it. (Compliance asks more: a `conflict` is delivered but leaves one policy unmet; see
 * `COMPLIANCE_BY_STATUS`.)
 */
export const ACKNOWLEDGED_STATUSES: ReadonlySet<NodeStatus> = new Set<NodeStatus>(['applied', 'verified', 'unverifiable', 'conflict']);

/** Whether `status` is one of {@link NODE_STATUSES}. */
export function isNodeStatus(status: string): status is NodeStatus {
  return (NODE_STATUSES as readonly string[]).includes(status);
}
