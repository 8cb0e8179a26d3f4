import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { codeMeaning, NODE_STATUSES, NODE_TRANSITIONS, nodeTransition, type NodeRecord } from '@winmdm/policy';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const T0 = '2026-01-01T00:00:00.000Z';
const sent: NodeRecord = { status: 'sent', value: '1', code: null, actual: null, tries: 0, retryAt: null, lastCommand: 'Replace' };

describe('the per-setting state table', () => {
  test.each(NODE_TRANSITIONS.map((row) => [`${row.from} --${row.on}--> ${row.to}`, row] as const))('%s', (_name, row) => {
    const after = nodeTransition(row.example.from, row.example.event);
    const { to } = row.example;
    if (to === 'forgotten') expect(after).toBeNull();
    else if (to === 'unchanged') expect(after).toEqual(row.example.from);
    else expect(after?.status).toBe(to);
  });

  test('is the README\'s table, row for row', () => {
    const rows = NODE_TRANSITIONS.map((row) => `| ${row.from} | ${row.on} | ${row.to} |`);
    const table = ['| from | on | to |', '|---|---|---|', ...rows].join('\n');
    expect(README).toContain(table);
    for (const status of NODE_STATUSES) expect(README).toContain(`\`${status}\``);
  });

  test('a failure is retried at the next session, then waits a doubling backoff; the third session in a row quarantines', () => {
    const fail = (record: NodeRecord, counted = false): NodeRecord =>
      nodeTransition(record, { type: 'status', command: 'Replace', op: 'set', value: '1', code: 500, counted, now: T0, retry: { maxTries: 3, backoffMs: 60_000 } }) as NodeRecord;
    const first = fail(sent);
    // The first failure is retried at the next session.
    expect(first).toMatchObject({ status: 'failed', code: 500, tries: 1, retryAt: null });
    // A second failure in the same session (a 404/418 retry) is not counted again.
    expect(fail({ ...first, status: 'sent' }, true)).toMatchObject({ status: 'failed', tries: 1 });
    const second = fail({ ...first, status: 'sent' });
    expect(second).toMatchObject({ status: 'failed', tries: 2, retryAt: '2026-01-01T00:01:00.000Z' });
    expect(fail({ ...second, status: 'sent' })).toMatchObject({ status: 'quarantined', tries: 3, retryAt: null, code: 500 });
    const patient = (tries: number): NodeRecord =>
      nodeTransition({ ...sent, tries }, { type: 'status', command: 'Replace', op: 'set', value: '1', code: 500, now: T0, retry: { maxTries: 9, backoffMs: 60_000 } }) as NodeRecord;
    expect([2, 3, 4].map((t) => patient(t).retryAt)).toEqual(['2026-01-01T00:02:00.000Z', '2026-01-01T00:04:00.000Z', '2026-01-01T00:08:00.000Z']);
    // Success clears the count; an asynchronous acceptance (202) does not prove anything yet.
    const ok = (code: number): NodeRecord | null => nodeTransition({ ...second, status: 'sent' }, { type: 'status', command: 'Exec', op: 'set', value: '1', code, now: T0 });
    expect(ok(200)).toMatchObject({ status: 'applied', tries: 0 });
    expect(ok(202)).toMatchObject({ status: 'applied', tries: 2 });
  });

  test('each failed state carries a short meaning of its code', () => {
    expect(codeMeaning(404)).toBe('node not found');
    expect(codeMeaning(405)).toBe('not allowed (read-only node?)');
    expect(codeMeaning(418)).toBe('already exists');
    expect(codeMeaning(500)).toBe('command failed');
    expect(codeMeaning(216)).toBe('rolled back (Atomic failed)');
    expect(codeMeaning(1603, 'msi')).toBe('installer: fatal error during installation');
    expect(codeMeaning(1234, 'msi')).toBe('installer: error 1234');
    expect(codeMeaning(1234)).toBe('code 1234');
  });
});
