/**
 * Arbitraries for the per-setting state machine (`nodeTransition`): records in any state and
 * events of every kind, with status codes that include the 2xx codes that mean nothing happened.
 */
import fc from 'fast-check';
import { NODE_STATUSES, type NodeCommand, type NodeEvent, type NodeRecord, type ReadBack } from '@winmdm/policy';

const VALUES = ['0', '1', '2'] as const;
const COMMANDS: readonly NodeCommand[] = ['Add', 'Replace', 'Delete', 'Exec'];
/** Every class of answer: took effect, 2xx that did not, chunk, refusals, errors, odd codes. */
export const STATUS_CODES = [200, 201, 202, 204, 210, 211, 212, 213, 214, 215, 216, 101, 301, 400, 401, 403, 404, 405, 406, 407, 418, 425, 500, 507, 516] as const;
const TIMES = ['2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z', '2026-01-02T00:00:00.000Z'] as const;

export const nodeValueArb: fc.Arbitrary<string> = fc.constantFrom(...VALUES);

export const nodeRecordArb: fc.Arbitrary<NodeRecord> = fc.record({
  status: fc.constantFrom(...NODE_STATUSES),
  value: fc.option(nodeValueArb, { freq: 6 }),
  code: fc.option(fc.constantFrom(...STATUS_CODES), { freq: 2 }),
  actual: fc.option(nodeValueArb, { freq: 2 }),
  tries: fc.nat({ max: 4 }),
  retryAt: fc.option(fc.constantFrom(...TIMES), { freq: 2 }),
  lastCommand: fc.option(fc.constantFrom(...COMMANDS), { freq: 6 }),
});

const readBackArb: fc.Arbitrary<ReadBack> = fc.oneof(
  fc.constant<ReadBack>({ kind: 'equal' }),
  nodeValueArb.map((actual): ReadBack => ({ kind: 'different', actual })),
  fc.boolean().map((expected): ReadBack => ({ kind: 'absent', expected })),
  fc.constant<ReadBack>({ kind: 'unreadable' }),
  fc.constant<ReadBack>({ kind: 'transient' }),
);

export const nodeEventArb: fc.Arbitrary<NodeEvent> = fc.oneof(
  fc.record({ type: fc.constant('plan' as const), value: nodeValueArb, conflicted: fc.boolean() }),
  fc
    .record({ command: fc.constantFrom(...COMMANDS), value: nodeValueArb, del: fc.boolean() })
    .map(({ command, value, del }): NodeEvent => ({ type: 'send', command, op: del ? 'delete' : 'set', value: del ? null : value })),
  fc
    .record({
      command: fc.constantFrom(...COMMANDS),
      value: nodeValueArb,
      del: fc.boolean(),
      code: fc.constantFrom(...STATUS_CODES),
      intermediate: fc.boolean(),
      rolledBack: fc.boolean(),
      counted: fc.boolean(),
      conflicted: fc.boolean(),
      now: fc.constantFrom(...TIMES),
    })
    .map(({ del, value, ...rest }): NodeEvent => ({ type: 'status', ...rest, op: del ? 'delete' : 'set', value: del ? null : value })),
  fc.record({ type: fc.constant('install-result' as const), result: fc.constantFrom(0, 1603, 1618), now: fc.constantFrom(...TIMES) }),
  fc.constant<NodeEvent>({ type: 'interrupt' }),
  fc.constant<NodeEvent>({ type: 'header-refused' }),
  fc.record({ type: fc.constant('read-back' as const), result: readBackArb, conflicted: fc.boolean() }),
  fc.constant<NodeEvent>({ type: 'resend' }),
);
