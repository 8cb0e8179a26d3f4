import type { NodeStatus } from '../delivery/NodeStatus.js';

// Typed by the vocabulary, so that a state added there cannot miss its meaning here.
const MEANINGS: Readonly<Record<NodeStatus | 'unknown', string>> = {
  pending: 'waiting to be sent at the next check-in',
  sent: 'sent, not acknowledged yet',
  applied: 'acknowledged by the device',
  verified: 'read back from the device, equal',
  drifted: 'read back from the device, different',
  failed: 'refused or failed on the device',
  'not-removable': 'the device refused to remove it',
  unverifiable: 'applied; the device cannot read it back',
  conflict: 'policies of equal priority disagree',
  quarantined: 'failed repeatedly; held back until changed or resent',
  unknown: 'not known to the server yet (no check-in since)',
};

/**
 * What a node status word means, in a few words, for a legend or a tooltip; a word the server
 * does not define reads as itself.
 *
 * @example
 * ```ts
 * nodeStatusMeaning('pending'); // 'waiting to be sent at the next check-in'
 * ```
 */
export function nodeStatusMeaning(status: string): string {
  return Object.hasOwn(MEANINGS, status) ? MEANINGS[status as NodeStatus] : status;
}
