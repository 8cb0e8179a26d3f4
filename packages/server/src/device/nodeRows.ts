import { nodeTransition, type NodeCommand, type NodeRecord } from '@winmdm/policy';
import type { NodeStateRow } from '../store/Store.js';
import type { JournalNode } from './SessionState.js';

const COMMANDS: ReadonlySet<string> = new Set(['Add', 'Replace', 'Delete', 'Exec']);

/** The state fields of a stored node row, as `nodeTransition` reads them. */
export function recordOf(row: NodeStateRow): NodeRecord {
  return {
    status: row.status,
    value: row.value,
    code: row.code,
    actual: row.actual,
    tries: row.tries,
    retryAt: row.retryAt,
    lastCommand: row.lastCommand !== null && COMMANDS.has(row.lastCommand) ? (row.lastCommand as NodeCommand) : null,
  };
}

/** What a node row keeps besides its state: where it is, when it changed, when it was read back, whose value it is. */
export interface NodePlace {
  locUri: string;
  kind: string;
  sessionId: string | null;
  updatedAt: string;
  checkedAt: string | null;
  policyId: string | null;
}

/** Where a journaled node's row lives: its place, as of `now`, in the session that sent it. */
export function placeOf(node: JournalNode, sessionId: string, now: string): NodePlace {
  return { locUri: node.locUri, kind: node.kind, sessionId, updatedAt: now, checkedAt: null, policyId: node.policyId ?? null };
}

/** A node row from its place and a record `nodeTransition` produced. */
export function rowOf(place: NodePlace, record: NodeRecord): NodeStateRow {
  // Field by field, not `{ ...place, ...record }`: the places come in several shapes (some carry
  // more than a place), and the spread made a first check-in's ~430 rows cost 11% of its server
  // CPU in the fleet benchmark's profile; one literal gives every row the same hidden class.
  return {
    locUri: place.locUri,
    kind: place.kind,
    value: record.value,
    status: record.status,
    code: record.code,
    lastCommand: record.lastCommand,
    sessionId: place.sessionId,
    updatedAt: place.updatedAt,
    actual: record.actual,
    tries: record.tries,
    retryAt: record.retryAt,
    checkedAt: place.checkedAt,
    policyId: place.policyId,
  };
}

/**
 * The record of a node a command of the session was sent for (the table's `send`): `sent`, with
 * what the device holds until a Delete is confirmed, and the tries of the value at the time of the
 * plan. The journal carries what it needs, so a Status becomes state without reading the store.
 */
export function sentRecord(node: JournalNode, command: NodeCommand): NodeRecord {
  const prior: NodeRecord = {
    status: 'pending',
    value: node.op === 'delete' ? (node.held ?? null) : node.value,
    code: null,
    actual: null,
    tries: node.tries ?? 0,
    retryAt: null,
    lastCommand: null,
  };
  return nodeTransition(prior, { type: 'send', command, op: node.op === 'delete' ? 'delete' : 'set', value: node.value }) as NodeRecord;
}

/** Whether two records say the same (a transition that changed nothing needs no write). */
export function sameRecord(a: NodeRecord, b: NodeRecord): boolean {
  return (
    a.status === b.status &&
    a.value === b.value &&
    a.code === b.code &&
    a.actual === b.actual &&
    a.tries === b.tries &&
    a.retryAt === b.retryAt &&
    a.lastCommand === b.lastCommand
  );
}

