import { describe, expect, test } from 'vitest';
import type { Command, Status } from '@winmdm/syncml';
import { processIncoming } from '../src/device/processIncoming.js';
import { journalEntries, newSessionState, type SessionState } from '../src/device/SessionState.js';

const NOW = '2026-11-28T12:00:00.000Z';

function status(cmdRef: number, cmd: string, code: number, cmdId = cmdRef + 10): Status {
  return { kind: 'Status', cmdId, msgRef: 1, cmdRef, cmd, targetRefs: [], sourceRefs: [], data: String(code), items: [] };
}

function session(): SessionState {
  const state = newSessionState('5', NOW, 524288);
  state.sent['1'] = {
    '2': { kind: 'Replace', nodes: [{ locUri: './Device/a', kind: 'csp', value: '1', op: 'set' }] },
    '3': { kind: 'Delete', nodes: [{ locUri: './Device/gone', kind: 'csp', value: null, op: 'delete' }] },
    '4': { kind: 'Delete', nodes: [{ locUri: './Device/MSI/{X}/DownloadInstall', kind: 'msi', value: 'msi:remove', op: 'set' }] },
    '5': { kind: 'Add', nodes: [{ locUri: './Device/MSI/{Y}/DownloadInstall', kind: 'msi', value: 'msi:1.0:abc', op: 'set' }] },
    '6': { kind: 'Exec', nodes: [{ locUri: './Device/MSI/{Y}/DownloadInstall', kind: 'msi', value: 'msi:1.0:abc', op: 'set' }] },
    '7': { kind: 'Get', nodes: [{ locUri: './DevDetail/SwV', kind: 'csp', value: null, op: 'get', inventory: 'hardware' }] },
  };
  return state;
}

describe('processIncoming', () => {
  test('matches statuses to what was sent and records per node', () => {
    const state = session();
    const body: Command[] = [status(0, 'SyncHdr', 200, 1), status(2, 'Replace', 202), status(7, 'Get', 200)];
    const effects = processIncoming(body, true, state, { now: NOW });
    expect(effects.nodeUpdates).toEqual([
      {
        locUri: './Device/a',
        kind: 'csp',
        value: '1',
        status: 'applied',
        code: 202,
        lastCommand: 'Replace',
        sessionId: '5',
        updatedAt: NOW,
        actual: null,
        tries: 0,
        retryAt: null,
        checkedAt: null,
        policyId: null,
      },
    ]);
    expect(effects.configApplied).toBe(true);
    // A Get's Status answers no inventory: only its Results do.
    expect(effects.inventoryAnswered).toEqual([]);
    expect(effects.statuses).toEqual([]);
  });

  test('a Delete answered 404 is a success: the node is gone (and an MSI removal stays applied)', () => {
    const state = session();
    const effects = processIncoming([status(3, 'Delete', 404), status(4, 'Delete', 404)], true, state, { now: NOW });
    expect(effects.nodeDeletes).toEqual(['./Device/gone']);
    expect(effects.nodeUpdates).toEqual([expect.objectContaining({ locUri: './Device/MSI/{X}/DownloadInstall', status: 'applied', code: 404 })]);
    expect(effects.appsApplied).toBe(true);
  });

  test('an MSI Add answered 418 decides nothing; the Exec does', () => {
    const state = session();
    const effects = processIncoming([status(5, 'Add', 418), status(6, 'Exec', 202)], true, state, { now: NOW });
    expect(effects.nodeUpdates).toEqual([expect.objectContaining({ locUri: './Device/MSI/{Y}/DownloadInstall', status: 'applied', code: 202, lastCommand: 'Exec' })]);
    expect(state.replan).toBe(false);
  });

  test('404 after Replace asks for a re-plan; other failures do not', () => {
    const a = session();
    processIncoming([status(2, 'Replace', 404)], true, a, { now: NOW });
    expect(a.replan).toBe(true);
    const b = session();
    const effects = processIncoming([status(2, 'Replace', 500)], true, b, { now: NOW });
    expect(b.replan).toBe(false);
    expect(effects.nodeUpdates[0]).toMatchObject({ status: 'failed', code: 500 });
  });

  test('statuses for commands this session did not send change nothing', () => {
    const effects = processIncoming([status(99, 'Replace', 200)], true, session(), { now: NOW });
    expect(effects.nodeUpdates).toEqual([]);
  });

  test('owes a Status to every incoming command that needs one, in order, and collects alerts', () => {
    const body: Command[] = [
      { kind: 'Alert', cmdId: 2, data: '1201', items: [] },
      { kind: 'Alert', cmdId: 3, data: '1224', items: [{ meta: { type: 'com.microsoft/MDM/LoginStatus' }, data: 'user' }] },
      { kind: 'Replace', cmdId: 4, items: [{ source: { locURI: './DevInfo/Man' }, data: 'Contoso' }] },
      { kind: 'Get', cmdId: 5, items: [{ target: { locURI: './x' } }] },
      {
        kind: 'Alert',
        cmdId: 6,
        data: '1226',
        items: [{ meta: { type: 'com.microsoft:mdm.unenrollment.userrequest', format: 'int' }, data: '1' }],
      },
      {
        kind: 'Alert',
        cmdId: 7,
        data: '1224',
        items: [
          {
            source: { locURI: './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{AF9257BA-6BBD-4624-AA9B-0182D50292C3}/DownloadInstall' },
            meta: { type: 'Reversed-Domain-Name:com.microsoft.mdm.win32csp_install', format: 'int', mark: 'informational' },
            data: '0',
          },
        ],
      },
    ];
    const effects = processIncoming(body, false, session(), { now: NOW });
    expect(effects.statuses.map((s) => [s.command.cmdId, s.code])).toEqual([
      [2, 200],
      [3, 200],
      [4, 200],
      [5, 406],
      [6, 200],
      [7, 200],
    ]);
    expect(effects.loginStatus).toBe('user');
    expect(effects.devInfo).toEqual({ './DevInfo/Man': 'Contoso' });
    expect(effects.unenroll).toBe(true);
    expect(effects.appInstalls).toEqual([
      { productCode: '{AF9257BA-6BBD-4624-AA9B-0182D50292C3}', locUri: expect.stringContaining('/MSI/'), code: 0 },
    ]);
    expect(effects.clientHasMore).toBe(true);
  });

  test('reassembles chunked Results and answers 213 for each chunk', () => {
    const state = session();
    const chunk = (data: string, more: boolean, cmdId: number): Command => ({
      kind: 'Results',
      cmdId,
      msgRef: 1,
      cmdRef: 7,
      cmd: 'Get',
      targetRefs: [],
      sourceRefs: [],
      items: [{ source: { locURI: './DevDetail/SwV' }, data, ...(more ? { moreData: true } : {}) }],
    });
    const first = processIncoming([chunk('10.0.', true, 2)], false, state, { now: NOW });
    expect(first.statuses.map((s) => s.code)).toEqual([213]);
    expect(first.results).toEqual([]);
    const last = processIncoming([chunk('22631.2', false, 2)], true, state, { now: NOW });
    expect(last.statuses.map((s) => s.code)).toEqual([200]);
    expect(last.results[0]?.items[0]?.data).toBe('10.0.22631.2');
    expect(state.incoming).toEqual({});
  });

  test('an inventory is answered by its Results only; failed Gets leave it unanswered with their codes', () => {
    const state = session();
    state.sent['1']!['8'] = { kind: 'Get', nodes: [{ locUri: './DevDetail/HwV', kind: 'csp', value: null, op: 'get', inventory: 'hardware' }] };
    state.sent['1']!['9'] = { kind: 'Get', nodes: [{ locUri: './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI', kind: 'csp', value: null, op: 'get', inventory: 'applications' }] };
    state.inventory = { hardware: { answered: false, codes: [] }, applications: { answered: false, codes: [] } };
    // Every Get failed: 404, 407, 500. Nothing is answered.
    const failed = processIncoming([status(7, 'Get', 404), status(8, 'Get', 407), status(9, 'Get', 500)], true, state, { now: NOW, msgId: 2 });
    expect(failed.inventoryAnswered).toEqual([]);
    expect(state.inventory).toEqual({ hardware: { answered: false, codes: [404, 407] }, applications: { answered: false, codes: [500] } });
    // A Results (MsgRef absent: the answer to the message before) answers its Get's inventory.
    const results: Command = { kind: 'Results', cmdId: 3, cmdRef: 8, targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './DevDetail/HwV' }, data: '1.0' }] };
    const answered = processIncoming([status(8, 'Get', 200), results], true, state, { now: NOW, msgId: 2 });
    expect(answered.inventoryAnswered).toEqual(['hardware']);
    expect(state.inventory.hardware?.answered).toBe(true);
    expect(state.inventory.applications?.answered).toBe(false);
  });

  test('a large object is one value: a refused chunk fails it, and the rest of it is not to be sent', () => {
    const BIG = './Device/Vendor/MSFT/Policy/Config/Big';
    const big = { locUri: BIG, kind: 'csp' as const, value: 'x'.repeat(30), op: 'set' as const };
    const chunked = (): SessionState => {
      const state = newSessionState('5', NOW, 524288);
      state.sent['1'] = { '2': { kind: 'Replace', nodes: [big], chunk: { index: 0, count: 3 } } };
      state.sent['2'] = { '2': { kind: 'Replace', nodes: [big], chunk: { index: 1, count: 3 } } };
      state.sent['3'] = { '2': { kind: 'Replace', nodes: [big], chunk: { index: 2, count: 3 } } };
      return state;
    };
    const refused = chunked();
    const effects = processIncoming([status(2, 'Replace', 404)], true, refused, { now: NOW, msgId: 2 });
    expect(effects.nodeUpdates).toEqual([expect.objectContaining({ locUri: BIG, status: 'failed', code: 404, lastCommand: 'Replace' })]);
    expect(effects.abortedObjects).toEqual([BIG]);
    expect(refused.replan).toBe(true); // retried whole, as an Add

    const accepted = chunked();
    for (const code of [213, 200]) {
      const s = chunked();
      expect(processIncoming([status(2, 'Replace', code)], true, s, { now: NOW, msgId: 2 }).nodeUpdates).toEqual([]);
      expect(s.chunksAccepted).toEqual({ [BIG]: 0 });
    }
    // A 202 is not how a device accepts a chunk.
    expect(processIncoming([status(2, 'Replace', 202)], true, chunked(), { now: NOW, msgId: 2 }).abortedObjects).toEqual([BIG]);
    // The last chunk decides; a 213 there means the device still waits for data.
    const last = { ...status(2, 'Replace', 213), msgRef: 3 };
    expect(processIncoming([last], true, accepted, { now: NOW, msgId: 4 }).nodeUpdates).toEqual([expect.objectContaining({ status: 'failed', code: 213 })]);
  });

  test('2xx codes that mean nothing happened never apply a node', () => {
    for (const code of [213, 215, 216, 212, 101]) {
      const effects = processIncoming([status(2, 'Replace', code)], true, session(), { now: NOW });
      expect(effects.nodeUpdates.map((n) => n.status), String(code)).not.toContain('applied');
      expect(effects.configApplied).toBe(false);
    }
    expect(processIncoming([status(2, 'Replace', 216)], true, session(), { now: NOW }).nodeUpdates[0]).toMatchObject({ status: 'pending', code: 216 });
    // A Delete rolled back stays a Delete to do: pending, its last command a Delete.
    expect(processIncoming([status(3, 'Delete', 216)], true, session(), { now: NOW }).nodeUpdates[0]).toMatchObject({ status: 'pending', code: 216, lastCommand: 'Delete' });
    // 214: done, and the device takes nothing more in this session.
    const stopped = processIncoming([status(2, 'Replace', 214)], true, session(), { now: NOW });
    expect(stopped.nodeUpdates[0]).toMatchObject({ status: 'applied', code: 214 });
    expect(stopped.deviceStopped).toBe(true);
  });

  test('a Delete the device refuses is not-removable, one that fails is failed: the node keeps the value it holds', () => {
    const state = (): SessionState => {
      const s = newSessionState('5', NOW, 524288);
      s.sent['1'] = { '3': { kind: 'Delete', nodes: [{ locUri: './Device/gone', kind: 'csp', value: null, op: 'delete', held: '7' }] } };
      return s;
    };
    for (const code of [403, 405, 406, 425]) {
      const effects = processIncoming([status(3, 'Delete', code)], true, state(), { now: NOW });
      expect(effects.nodeDeletes).toEqual([]);
      expect(effects.nodeUpdates).toEqual([expect.objectContaining({ locUri: './Device/gone', status: 'not-removable', value: '7', code, lastCommand: 'Delete' })]);
    }
    const failed = processIncoming([status(3, 'Delete', 500)], true, state(), { now: NOW });
    expect(failed.nodeDeletes).toEqual([]);
    expect(failed.nodeUpdates).toEqual([expect.objectContaining({ status: 'failed', value: '7', code: 500, lastCommand: 'Delete' })]);
    for (const code of [200, 210, 211, 404]) expect(processIncoming([status(3, 'Delete', code)], true, state(), { now: NOW }).nodeDeletes).toEqual(['./Device/gone']);
  });

  test('commands of an Atomic apply only when the Atomic succeeded; those of a Sequence on their own Status', () => {
    const a = { locUri: './Device/a', kind: 'csp' as const, value: '1', op: 'set' as const };
    const b = { locUri: './Device/b', kind: 'csp' as const, value: '2', op: 'set' as const };
    const replace = (cmdId: number, uri: string): Command => ({ kind: 'Replace', cmdId, items: [{ target: { locURI: uri }, data: '1' }] });
    const container = (kind: 'Atomic' | 'Sequence'): SessionState => {
      const s = newSessionState('5', NOW, 524288);
      const command: Command = { kind, cmdId: 2, commands: [replace(3, a.locUri), replace(4, b.locUri)] };
      s.sent['1'] = journalEntries([{ command, queued: { command, nodes: [a, b] } }]);
      return s;
    };
    expect(container('Atomic').sent['1']).toEqual({
      '2': { kind: 'Atomic', nodes: [] },
      '3': { kind: 'Replace', nodes: [a], parent: 2 },
      '4': { kind: 'Replace', nodes: [b], parent: 2 },
    });
    // Windows answers a failed Atomic 507, the failing command its code, the others 216 — and a
    // device that says 200 for an inner command of a failed Atomic does not get it applied either.
    const failedAtomic = processIncoming([status(2, 'Atomic', 507), status(3, 'Replace', 200), status(4, 'Replace', 500)], true, container('Atomic'), { now: NOW });
    expect(failedAtomic.nodeUpdates.map((n) => [n.locUri, n.status, n.code])).toEqual([
      ['./Device/a', 'pending', 216],
      ['./Device/b', 'failed', 500],
    ]);
    const atomic = processIncoming([status(2, 'Atomic', 200), status(3, 'Replace', 200), status(4, 'Replace', 200)], true, container('Atomic'), { now: NOW });
    expect(atomic.nodeUpdates.map((n) => n.status)).toEqual(['applied', 'applied']);
    // Inner statuses without the Atomic's own: not applied.
    const orphan = processIncoming([status(3, 'Replace', 200)], true, container('Atomic'), { now: NOW });
    expect(orphan.nodeUpdates.map((n) => n.status)).toEqual(['pending']);
    const sequence = processIncoming([status(2, 'Sequence', 200), status(3, 'Replace', 200), status(4, 'Replace', 500)], true, container('Sequence'), { now: NOW });
    expect(sequence.nodeUpdates.map((n) => [n.status, n.code])).toEqual([
      ['applied', 200],
      ['failed', 500],
    ]);
  });

  describe('a SyncHdr refused for want of credentials (401/407 with a Chal)', () => {
    const chal = (code: number, msgRef = 1): Status => ({
      ...status(0, 'SyncHdr', code, 1),
      msgRef,
      chal: { meta: { format: 'b64', type: 'syncml:auth-md5', nextNonce: 'bm9uY2U=' } },
    });

    test("withdraws the refused message: its nodes pending, none failed or applied, whatever their own Statuses say", () => {
      for (const code of [401, 407]) {
        const state = session();
        state.sent['1']!['2']!.nodes[0]!.tries = 2;
        state.inventory.hardware = { answered: false, codes: [] };
        state.verifyRound = { since: NOW, remaining: 0 };
        state.sent['1']!['8'] = { kind: 'Get', nodes: [{ locUri: './Device/v', kind: 'csp', value: '1', op: 'verify' }] };
        state.sent['1']!['9'] = { kind: 'Replace', nodes: [{ locUri: './Device/big', kind: 'csp', value: 'x'.repeat(9), op: 'set' }], chunk: { index: 1, count: 3 } };
        state.chunksAccepted['./Device/big'] = 0;
        const body: Command[] = [chal(code), status(2, 'Replace', code), status(3, 'Delete', 200), status(5, 'Add', 200), status(6, 'Exec', 202), status(7, 'Get', 401), status(8, 'Get', 404)];
        const effects = processIncoming(body, true, state, { now: NOW });
        expect(effects.headerRefused).toEqual({ msgRef: 1, code, chal: { type: 'syncml:auth-md5', format: 'b64' } });
        expect(effects.nodeUpdates.map((n) => [n.locUri, n.status, n.code, n.tries, n.value])).toEqual([
          ['./Device/a', 'pending', null, 2, '1'],
          // A Delete not confirmed: the device still holds what it held.
          ['./Device/gone', 'pending', null, 0, null],
          ['./Device/MSI/{X}/DownloadInstall', 'pending', null, 0, 'msi:remove'],
          // The MSI's Add and Exec: one row.
          ['./Device/MSI/{Y}/DownloadInstall', 'pending', null, 0, 'msi:1.0:abc'],
          ['./Device/big', 'pending', null, 0, 'x'.repeat(9)],
        ]);
        expect(effects.nodeDeletes).toEqual([]);
        expect(effects.configApplied || effects.appsApplied).toBe(false);
        // Nothing of it is awaited; the rest of its large object is not sent; its inventory and
        // read-back are left for a later session without counting as attempts.
        expect(state.sent['1']).toBeUndefined();
        expect(effects.abortedObjects).toEqual(['./Device/big']);
        expect(state.chunksAccepted).toEqual({});
        expect(state.inventory).toEqual({});
        expect(state.verifyRound).toEqual({ since: NOW, remaining: 1 });
        expect(state.replan).toBe(false);
      }
    });

    test('only the refused message is withdrawn; a SyncHdr refused without a Chal is refused all the same; other header codes are not refusals', () => {
      const state = session();
      state.sent['2'] = { '2': { kind: 'Replace', nodes: [{ locUri: './Device/later', kind: 'csp', value: '1', op: 'set' }] } };
      const effects = processIncoming([{ ...status(0, 'SyncHdr', 401, 1), msgRef: 2 }, status(2, 'Replace', 200)], true, state, { now: NOW });
      expect(effects.headerRefused).toEqual({ msgRef: 2, code: 401, chal: null });
      // The Status for message 1 is its command's own answer.
      expect(effects.nodeUpdates.map((n) => [n.locUri, n.status])).toEqual([
        ['./Device/later', 'pending'],
        ['./Device/a', 'applied'],
      ]);
      for (const code of [200, 212, 500]) expect(processIncoming([chal(code)], true, session(), { now: NOW }).headerRefused).toBeUndefined();
    });
  });
});
