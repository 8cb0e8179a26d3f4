/**
 * Laws of the per-setting state machine: a reported state is a claim about a real device, so no
 * sequence of events makes a node `applied` or `verified` without the device saying so, and no
 * event forgets a node the device did not confirm gone.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ACKNOWLEDGED_STATUSES, classifyStatus, nodeTransition, type NodeEvent, type NodeRecord } from '@winmdm/policy';
import { nodeEventArb, nodeRecordArb } from '../arbitraries/delivery.js';

const RUNS = { numRuns: 2000, seed: 1212 };

/** The event is a Status that means the command took effect (not rolled back, not a chunk). */
function confirms(event: NodeEvent): boolean {
  return event.type === 'status' && event.rolledBack !== true && classifyStatus(event.command, event.code, { intermediate: event.intermediate === true }) === 'done';
}

const equalReadBack = (event: NodeEvent): boolean => event.type === 'read-back' && event.result.kind === 'equal';

describe('nodeTransition laws', () => {
  test('a status never moves to applied or verified without a status that means it took effect or an equal read-back', () => {
    fc.assert(
      fc.property(fc.option(nodeRecordArb, { nil: undefined }), nodeEventArb, (before, event) => {
        const after = nodeTransition(before, event);
        if (after === null) return;
        const entered = (status: string): boolean => after.status === status && (before === undefined || before.status !== status || before.value !== after.value);
        if (entered('applied')) {
          // From conflict (an acknowledged value) the plan may say the tie is gone: same value, no new claim.
          const untied = before?.status === 'conflict' && before.value === after.value && event.type === 'plan';
          expect(confirms(event) || untied).toBe(true);
        }
        if (entered('verified')) expect(equalReadBack(event)).toBe(true);
        // Any acknowledged state with a value the device did not hold acknowledged before.
        const acknowledgedBefore = before !== undefined && ACKNOWLEDGED_STATUSES.has(before.status) && before.value === after.value;
        if (ACKNOWLEDGED_STATUSES.has(after.status) && !acknowledgedBefore) expect(confirms(event) || equalReadBack(event)).toBe(true);
      }),
      RUNS,
    );
  });

  test('over any sequence of events, an acknowledged node holds the value the device last confirmed', () => {
    fc.assert(
      fc.property(fc.array(nodeEventArb, { maxLength: 40 }), (events) => {
        let record: NodeRecord | undefined;
        /** The value the device last confirmed (a Status that took effect, an equal read-back), if any. */
        let confirmed: string | null | undefined;
        for (const event of events) {
          const next = nodeTransition(record, event);
          if (next !== null && confirms(event)) confirmed = next.value;
          if (next !== null && equalReadBack(event) && record !== undefined && next.status !== record.status) confirmed = next.value;
          if (next !== null && ACKNOWLEDGED_STATUSES.has(next.status)) expect(next.value).toBe(confirmed);
          record = next ?? undefined;
          if (next === null) confirmed = undefined;
        }
      }),
      RUNS,
    );
  });

  test("a refused SyncHdr is the session's failure: it never fails, applies or quarantines a node, nor counts a try", () => {
    fc.assert(
      fc.property(nodeRecordArb, (before) => {
        const after = nodeTransition(before, { type: 'header-refused' });
        expect(after).toEqual(before.status === 'sent' ? { ...before, status: 'pending' } : before);
      }),
      RUNS,
    );
  });

  test('a tracked node is forgotten only when the device confirmed its Delete', () => {
    fc.assert(
      fc.property(nodeRecordArb, nodeEventArb, (before, event) => {
        if (nodeTransition(before, event) !== null) return;
        expect(event.type === 'status' && event.op === 'delete' && confirms(event)).toBe(true);
      }),
      RUNS,
    );
  });

  test('a failure is counted once per session and quarantines at the limit; a new value or a resend starts over', () => {
    fc.assert(
      fc.property(nodeRecordArb, nodeEventArb, (before, event) => {
        const after = nodeTransition(before, event);
        if (after === null) return;
        if (after.status === 'quarantined' && before.status !== 'quarantined') {
          expect(event.type === 'status' || event.type === 'install-result').toBe(true);
          expect(after.tries).toBeGreaterThanOrEqual(3);
        }
        // The first failure is retried at the next session; later ones wait.
        if (after.status === 'failed' && before.status !== 'failed') expect(after.retryAt === null).toBe(after.tries < 2);
        if (event.type === 'resend' && ['failed', 'quarantined', 'drifted', 'not-removable'].includes(before.status)) {
          expect(after).toMatchObject({ status: 'pending', tries: 0, retryAt: null });
        }
        if (event.type === 'plan' && after.value !== before.value) expect(after).toMatchObject({ status: 'pending', tries: 0 });
      }),
      RUNS,
    );
  });
});
