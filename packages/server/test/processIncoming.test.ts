import { describe, expect, test } from 'vitest';
import type { Command, Status } from '@winmdm/syncml';
import { processIncoming } from '../src/device/processIncoming.js';
import { newSessionState, type SessionState } from '../src/device/SessionState.js';

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
    '7': { kind: 'Get', nodes: [{ locUri: './DevDetail/SwV', kind: 'csp', value: null, op: 'get' }] },
  };
  return state;
}

describe('processIncoming', () => {
  test('matches statuses to what was sent and records per node', () => {
    const state = session();
    const body: Command[] = [status(0, 'SyncHdr', 200, 1), status(2, 'Replace', 202), status(7, 'Get', 200)];
    const effects = processIncoming(body, true, state, NOW);
    expect(effects.nodeUpdates).toEqual([
      { locUri: './Device/a', kind: 'csp', value: '1', status: 'applied', code: 202, lastCommand: 'Replace', sessionId: '5', updatedAt: NOW },
    ]);
    expect(effects.configApplied).toBe(true);
    expect(effects.inventoryAnswered).toBe(true);
    expect(effects.statuses).toEqual([]);
  });

  test('a Delete answered 404 is a success: the node is gone (and an MSI removal stays applied)', () => {
    const state = session();
    const effects = processIncoming([status(3, 'Delete', 404), status(4, 'Delete', 404)], true, state, NOW);
    expect(effects.nodeDeletes).toEqual(['./Device/gone']);
    expect(effects.nodeUpdates).toEqual([expect.objectContaining({ locUri: './Device/MSI/{X}/DownloadInstall', status: 'applied', code: 404 })]);
    expect(effects.appsApplied).toBe(true);
  });

  test('an MSI Add answered 418 decides nothing; the Exec does', () => {
    const state = session();
    const effects = processIncoming([status(5, 'Add', 418), status(6, 'Exec', 202)], true, state, NOW);
    expect(effects.nodeUpdates).toEqual([expect.objectContaining({ locUri: './Device/MSI/{Y}/DownloadInstall', status: 'applied', code: 202, lastCommand: 'Exec' })]);
    expect(state.replan).toBe(false);
  });

  test('404 after Replace asks for a re-plan; other failures do not', () => {
    const a = session();
    processIncoming([status(2, 'Replace', 404)], true, a, NOW);
    expect(a.replan).toBe(true);
    const b = session();
    const effects = processIncoming([status(2, 'Replace', 500)], true, b, NOW);
    expect(b.replan).toBe(false);
    expect(effects.nodeUpdates[0]).toMatchObject({ status: 'failed', code: 500 });
  });

  test('statuses for commands this session did not send change nothing', () => {
    const effects = processIncoming([status(99, 'Replace', 200)], true, session(), NOW);
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
    const effects = processIncoming(body, false, session(), NOW);
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
    const first = processIncoming([chunk('10.0.', true, 2)], false, state, NOW);
    expect(first.statuses.map((s) => s.code)).toEqual([213]);
    expect(first.results).toEqual([]);
    const last = processIncoming([chunk('22631.2', false, 2)], true, state, NOW);
    expect(last.statuses.map((s) => s.code)).toEqual([200]);
    expect(last.results[0]?.items[0]?.data).toBe('10.0.22631.2');
    expect(state.incoming).toEqual({});
  });
});
