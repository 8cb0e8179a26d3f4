import { classifyStatus, type NodeCommand } from './classifyStatus.js';
import type { NodeStatus } from './NodeStatus.js';

/** What the server records about one node of one device, as far as its state is concerned. */
export interface NodeRecord {
  status: NodeStatus;
  /**
   * The value in the planner's canonical form: the value being delivered or acknowledged; while a
   * Delete is not confirmed (and after a refused one), the value the device still holds.
   */
  value: string | null;
  /** The device's status code for the last command (or the installer's result for an MSI install). */
  code: number | null;
  /** For `drifted`: what the device holds instead (null: the node is absent). */
  actual: string | null;
  /** Sessions in a row in which the current value failed (reset by success or by a new value). */
  tries: number;
  /** For `failed`: not sent again before this time (ISO 8601). */
  retryAt: string | null;
  /** The last command sent for the node. */
  lastCommand: NodeCommand | null;
}

/** How often a failing command is tried, and how long the server waits between tries. */
export interface RetryPolicy {
  /** Sessions in a row a command may fail before it is quarantined (default 3). */
  maxTries: number;
  /**
   * The backoff: a first failure is retried at the next session, a second one waits this long, and
   * each further one twice as long as the one before (default 5 minutes).
   */
  backoffMs: number;
}

/** The default {@link RetryPolicy}: three tries, the second at the next session, the third 5 minutes after the second failed. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ maxTries: 3, backoffMs: 5 * 60_000 });

/**
 * What a read-back `Get` of an acknowledged node found, compared with the value sent (see
 * `compareReadBack`): `equal`; `different` (the device's value); `absent` (404), `expected` when the
 * node is known to answer 404 although it holds the value (ADMX-backed policies); `unreadable`
 * (the device refuses to read it: 405, 406, 425…); `transient` (500…: try again later).
 */
export type ReadBack =
  | { kind: 'equal' }
  | { kind: 'different'; actual: string }
  | { kind: 'absent'; expected: boolean }
  | { kind: 'unreadable' }
  | { kind: 'transient' };

/**
 * Something that happens to a node:
 * - `plan`: the planner wants `value` on the device; `conflicted` when policies of equal priority
 *   disagree about it;
 * - `send`: a command for the node goes out (`op` `delete` for a Delete of a node no longer wanted);
 * - `status`: the device's Status for that command; `intermediate` for a large-object chunk other
 *   than the last, `rolledBack` for a command of an Atomic that did not succeed, `counted` when a
 *   failure of the node was already counted in this session (a 404/418 retry);
 * - `install-result`: the result an MSI install reported after its Exec was accepted (Alert 1224);
 * - `interrupt`: the session broke off before the device answered;
 * - `header-refused`: the device refused the SyncHdr of the message that carried the command
 *   (401/407, usually with a `Chal`: it wants OMA-DM credentials), so it processed nothing in it,
 *   whatever it answered for the command;
 * - `read-back`: a drift-detection Get answered (see {@link ReadBack});
 * - `resend`: an explicit resend (the API's resend and refresh actions).
 */
export type NodeEvent =
  | { type: 'plan'; value: string; conflicted: boolean }
  | { type: 'send'; command: NodeCommand; op: 'set' | 'delete'; value: string | null }
  | {
      type: 'status';
      command: NodeCommand;
      op: 'set' | 'delete';
      /** The value the command sets (null for a Delete). */
      value: string | null;
      code: number;
      intermediate?: boolean;
      rolledBack?: boolean;
      counted?: boolean;
      conflicted?: boolean;
      now: string;
      retry?: RetryPolicy;
    }
  | { type: 'install-result'; result: number; now: string; retry?: RetryPolicy }
  | { type: 'interrupt' }
  | { type: 'header-refused' }
  | { type: 'read-back'; result: ReadBack; conflicted?: boolean }
  | { type: 'resend' };

/**
 * One row of {@link NODE_TRANSITIONS}: from which states, on which event (and condition), to which
 * state. `example` is a case the tests run through {@link nodeTransition}.
 */
export interface TransitionRow {
  from: string;
  on: string;
  to: string;
  example: { from: NodeRecord | undefined; event: NodeEvent; to: NodeStatus | 'forgotten' | 'unchanged' };
}

const T0 = '2026-01-01T00:00:00.000Z';
const rec = (status: NodeStatus, patch: Partial<NodeRecord> = {}): NodeRecord => ({
  status,
  value: '1',
  code: null,
  actual: null,
  tries: 0,
  retryAt: null,
  lastCommand: 'Replace',
  ...patch,
});
const status = (code: number, patch: Partial<Extract<NodeEvent, { type: 'status' }>> = {}): NodeEvent => ({
  type: 'status',
  command: 'Replace',
  op: 'set',
  value: '1',
  code,
  now: T0,
  ...patch,
});

/**
 * The node state machine as a table: the one place that says how a status becomes state (the
 * README's "Per-setting states" is this table). Every row's example is checked against
 * {@link nodeTransition}; the law that no state reaches `applied`/`verified` without a status that
 * means the command took effect or an equal read-back is a property test over random sequences.
 */
export const NODE_TRANSITIONS: readonly TransitionRow[] = Object.freeze([
  {
    from: '(untracked), any with another value',
    on: 'plan',
    to: 'pending (tries reset: a changed setting leaves quarantine)',
    example: { from: rec('quarantined', { value: '0', tries: 3 }), event: { type: 'plan', value: '1', conflicted: false }, to: 'pending' },
  },
  {
    from: 'not-removable',
    on: 'plan of any value',
    to: 'pending (wanted again: set again)',
    example: { from: rec('not-removable'), event: { type: 'plan', value: '1', conflicted: false }, to: 'pending' },
  },
  {
    from: 'applied, verified',
    on: 'plan, policies of equal priority disagree',
    to: 'conflict',
    example: { from: rec('verified'), event: { type: 'plan', value: '1', conflicted: true }, to: 'conflict' },
  },
  {
    from: 'conflict',
    on: 'plan, no disagreement any more',
    to: 'applied',
    example: { from: rec('conflict'), event: { type: 'plan', value: '1', conflicted: false }, to: 'applied' },
  },
  {
    from: 'any',
    on: 'send',
    to: 'sent',
    example: { from: rec('pending'), event: { type: 'send', command: 'Replace', op: 'set', value: '1' }, to: 'sent' },
  },
  {
    from: 'sent',
    on: 'status 213 (or 200) for a chunk other than the last',
    to: 'sent (the next chunk may follow)',
    example: { from: rec('sent'), event: status(213, { intermediate: true }), to: 'unchanged' },
  },
  {
    from: 'sent',
    on: 'status 200, 201, 202, 203, 204, 205, 214 (for a Delete also 210, 211, 404)',
    to: 'applied (conflict when policies of equal priority disagree)',
    example: { from: rec('sent'), event: status(202), to: 'applied' },
  },
  {
    from: 'sent',
    on: 'that status for a Delete',
    to: 'forgotten (the node is gone)',
    example: { from: rec('sent', { lastCommand: 'Delete' }), event: status(404, { command: 'Delete', op: 'delete', value: null }), to: 'forgotten' },
  },
  {
    from: 'sent',
    on: 'Delete answered 403, 405, 406, 425',
    to: 'not-removable (the device keeps value)',
    example: { from: rec('sent', { lastCommand: 'Delete' }), event: status(405, { command: 'Delete', op: 'delete', value: null }), to: 'not-removable' },
  },
  {
    from: 'sent',
    on: 'status 216 (rolled back) or 215 (not executed), or one that took effect inside an Atomic that failed',
    to: 'pending (not carried out, through no fault of its own: sent again)',
    example: { from: rec('sent'), event: status(200, { rolledBack: true }), to: 'pending' },
  },
  {
    from: 'sent',
    on: 'any other status (errors; 213 for a whole value)',
    to: 'failed, code; retried at the next session, then after a backoff; quarantined at the third session in a row',
    example: { from: rec('sent'), event: status(500), to: 'failed' },
  },
  {
    from: 'sent (tries 2)',
    on: 'a failure in a third session in a row',
    to: 'quarantined',
    example: { from: rec('sent', { tries: 2 }), event: status(405), to: 'quarantined' },
  },
  {
    from: 'applied (an MSI install accepted with 202)',
    on: 'install-result other than 0',
    to: 'failed (code: the installer\'s result), like a failed status',
    example: { from: rec('applied', { lastCommand: 'Exec', code: 202 }), event: { type: 'install-result', result: 1603, now: T0 }, to: 'failed' },
  },
  {
    from: 'sent',
    on: 'interrupt (the session broke off)',
    to: 'pending',
    example: { from: rec('sent'), event: { type: 'interrupt' }, to: 'pending' },
  },
  {
    from: 'sent',
    on: "header-refused (the device refused the SyncHdr of the command's message: 401/407, it wants OMA-DM credentials)",
    to: "pending (the session's failure, not the node's: no try counted, whatever the command's own Status said)",
    example: { from: rec('sent', { tries: 1 }), event: { type: 'header-refused' }, to: 'pending' },
  },
  {
    from: 'applied, verified, drifted, unverifiable, conflict',
    on: 'read-back equal',
    to: 'verified (conflict when conflicted)',
    example: { from: rec('applied'), event: { type: 'read-back', result: { kind: 'equal' } }, to: 'verified' },
  },
  {
    from: 'applied, verified, drifted, unverifiable, conflict',
    on: 'read-back different, or 404 where the node should answer',
    to: 'drifted, actual',
    example: { from: rec('verified'), event: { type: 'read-back', result: { kind: 'different', actual: '0' } }, to: 'drifted' },
  },
  {
    from: 'applied, verified, unverifiable, conflict',
    on: 'read-back 404 of a node known to answer so, or a refused Get',
    to: 'unverifiable',
    example: { from: rec('applied'), event: { type: 'read-back', result: { kind: 'absent', expected: true } }, to: 'unverifiable' },
  },
  {
    from: 'any',
    on: 'read-back 5xx',
    to: '(unchanged: tried again at the next read-back)',
    example: { from: rec('verified'), event: { type: 'read-back', result: { kind: 'transient' } }, to: 'unchanged' },
  },
  {
    from: 'failed, quarantined, drifted, not-removable',
    on: 'resend',
    to: 'pending (tries reset)',
    example: { from: rec('quarantined', { tries: 3 }), event: { type: 'resend' }, to: 'pending' },
  },
]);

/** States whose value the device acknowledged and a read-back can check. */
const READABLE: ReadonlySet<NodeStatus> = new Set<NodeStatus>(['applied', 'verified', 'drifted', 'unverifiable', 'conflict']);
const RESENDABLE: ReadonlySet<NodeStatus> = new Set<NodeStatus>(['failed', 'quarantined', 'drifted', 'not-removable']);
const ASYNC_ACCEPTED = 202;

function blank(value: string | null): NodeRecord {
  return { status: 'pending', value, code: null, actual: null, tries: 0, retryAt: null, lastCommand: null };
}

function later(now: string, ms: number): string {
  return new Date(Date.parse(now) + ms).toISOString();
}

/** A failure counted against the node's tries: failed with a backoff, or quarantined once the tries are used up. */
function failure(record: NodeRecord, code: number, counted: boolean, now: string, retry: RetryPolicy, patch: Partial<NodeRecord>): NodeRecord {
  const tries = counted ? record.tries : record.tries + 1;
  if (tries >= retry.maxTries) return { ...record, ...patch, status: 'quarantined', code, actual: null, tries, retryAt: null };
  const wait = tries < 2 ? 0 : retry.backoffMs * 2 ** (tries - 2);
  return { ...record, ...patch, status: 'failed', code, actual: null, tries, retryAt: wait > 0 ? later(now, wait) : null };
}

/**
 * The node's record after `event` (see {@link NODE_TRANSITIONS}), or `null` when the server stops
 * tracking the node (a confirmed Delete, or nothing to track). Pure. The records it produces
 * never claim more than the device confirmed: a node enters `applied` only on a status that means
 * the command took effect, and `verified` only on an equal read-back.
 *
 * @example
 * ```ts
 * const sent = nodeTransition(undefined, { type: 'send', command: 'Replace', op: 'set', value: '1' });
 * nodeTransition(sent, { type: 'status', command: 'Replace', op: 'set', value: '1', code: 216, now });
 * // { status: 'pending', code: 216, ... }: rolled back, never applied
 * ```
 */
export function nodeTransition(record: NodeRecord | undefined, event: NodeEvent): NodeRecord | null {
  switch (event.type) {
    case 'plan': {
      if (record === undefined || record.value !== event.value || record.status === 'not-removable') {
        // A changed setting starts over; one in flight with this value stays in flight.
        if (record?.status === 'sent' && record.value === event.value) return record;
        return { ...blank(event.value), lastCommand: record?.lastCommand ?? null };
      }
      if (event.conflicted && (record.status === 'applied' || record.status === 'verified')) return { ...record, status: 'conflict' };
      if (!event.conflicted && record.status === 'conflict') return { ...record, status: 'applied' };
      return record;
    }
    case 'send':
      return {
        ...(record ?? blank(null)),
        status: 'sent',
        value: event.op === 'delete' ? (record?.value ?? null) : event.value,
        code: null,
        actual: null,
        retryAt: null,
        lastCommand: event.command,
      };
    case 'status': {
      const base = record ?? { ...blank(event.op === 'delete' ? null : event.value), status: 'sent' as const, lastCommand: event.command };
      const outcome = event.rolledBack === true ? 'not-applied' : classifyStatus(event.command, event.code, { intermediate: event.intermediate === true });
      const kept = event.op === 'delete' ? base.value : event.value;
      const sent = { value: kept, lastCommand: event.command };
      switch (outcome) {
        case 'chunk-accepted':
          return base;
        case 'done':
          if (event.op === 'delete') return null;
          return {
            ...base,
            ...sent,
            status: event.conflicted === true ? 'conflict' : 'applied',
            code: event.code,
            actual: null,
            // An asynchronous acceptance (an MSI install started) has not proven itself yet.
            tries: event.code === ASYNC_ACCEPTED ? base.tries : 0,
            retryAt: null,
          };
        case 'not-removable':
          return { ...base, ...sent, status: 'not-removable', code: event.code, actual: null, retryAt: null };
        case 'not-applied':
          return { ...base, ...sent, status: 'pending', code: event.code, actual: null, retryAt: null };
        case 'failed':
          return failure(base, event.code, event.counted === true, event.now, event.retry ?? DEFAULT_RETRY, sent);
      }
    }
    case 'install-result':
      if (record === undefined || event.result === 0) return record ?? null;
      return failure(record, event.result, false, event.now, event.retry ?? DEFAULT_RETRY, { lastCommand: 'Exec' });
    case 'interrupt':
    case 'header-refused':
      return record?.status === 'sent' ? { ...record, status: 'pending' } : (record ?? null);
    case 'read-back': {
      if (record === undefined || !READABLE.has(record.status)) return record ?? null;
      const result = event.result;
      switch (result.kind) {
        case 'equal':
          return { ...record, status: event.conflicted === true ? 'conflict' : 'verified', actual: null };
        case 'different':
          return { ...record, status: 'drifted', actual: result.actual };
        case 'absent':
          return result.expected ? { ...record, status: record.status === 'drifted' ? 'drifted' : 'unverifiable' } : { ...record, status: 'drifted', actual: null };
        case 'unreadable':
          return record.status === 'drifted' ? record : { ...record, status: 'unverifiable' };
        case 'transient':
          return record;
      }
    }
    case 'resend':
      if (record === undefined || !RESENDABLE.has(record.status)) return record ?? null;
      return { ...record, status: 'pending', code: null, actual: null, tries: 0, retryAt: null };
  }
}
