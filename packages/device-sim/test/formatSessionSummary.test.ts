import { describe, expect, it } from 'vitest';
import { formatSessionSummary, type SessionSummary } from '../src/index.js';

const POLICY = './Vendor/MSFT/Policy/Config/Browser/AllowCookies';
const ADMX = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/Contoso/Policy/ContosoAdmx';

const summary: SessionSummary = {
  sessionId: '3',
  messages: 3,
  received: [
    {
      msgId: 1,
      commands: [
        { kind: 'Atomic', cmdId: 5 },
        { kind: 'Replace', cmdId: 6, locUri: POLICY, data: '2' },
        { kind: 'Add', cmdId: 7, locUri: ADMX, data: '<policyDefinitions revision="1.0"\n  schemaVersion="1.0">\n  <policyNamespaces><target prefix="contoso"/></policyNamespaces>' },
        { kind: 'Get', cmdId: 8, locUri: './DevDetail/SwV' },
      ],
    },
    { msgId: 2, commands: [{ kind: 'Alert', cmdId: 2, data: '1222' }] },
    { msgId: 3, commands: [] },
  ],
  sent: [
    { msgId: 1, statuses: [], results: 0, alerts: [{ code: 1201 }, { code: 1224, type: 'com.microsoft/MDM/LoginStatus' }], final: true },
    {
      msgId: 2,
      statuses: [
        { cmdRef: 0, cmd: 'SyncHdr', code: 200 },
        { cmdRef: 5, cmd: 'Atomic', code: 507 },
        { cmdRef: 6, cmd: 'Replace', code: 216, locUri: POLICY },
        { cmdRef: 7, cmd: 'Add', code: 418, locUri: ADMX },
        { cmdRef: 8, cmd: 'Get', code: 200, locUri: './DevDetail/SwV' },
      ],
      results: 1,
      alerts: [],
      final: false,
    },
    { msgId: 3, statuses: [{ cmdRef: 0, cmd: 'SyncHdr', code: 200 }, { cmdRef: 2, cmd: 'Alert', code: 200 }], results: 1, alerts: [], final: true },
  ],
  commandsReceived: { Atomic: 1, Replace: 1, Add: 1, Get: 1, Alert: 1 },
  ended: 'server-done',
};

describe('formatSessionSummary', () => {
  it('writes a headline, the commands by kind, then each message in exchange order with its commands or statuses', () => {
    expect(formatSessionSummary(summary)).toBe(
      [
        'Session 3: 3 device messages, ended server-done',
        'Commands received: Add 1, Alert 1, Atomic 1, Get 1, Replace 1',
        '  device message 1: 0 statuses, 0 results, alerts 1201, 1224 com.microsoft/MDM/LoginStatus',
        '  server message 1: 4 commands',
        '    Atomic (CmdID 5)',
        `    Replace (CmdID 6) ${POLICY} = 2`,
        `    Add (CmdID 7) ${ADMX} = <policyDefinitions revision="1.0" schemaVersion="1.0"> <p...`, // 60 characters with the ellipsis
        '    Get (CmdID 8) ./DevDetail/SwV',
        '  device message 2 (more follows): 5 statuses, 1 result',
        '    200 SyncHdr',
        '    507 Atomic (CmdID 5)',
        `    216 Replace (CmdID 6) ${POLICY}`,
        `    418 Add (CmdID 7) ${ADMX}`,
        '    200 Get (CmdID 8) ./DevDetail/SwV',
        '  server message 2: 1 command',
        '    Alert (CmdID 2) 1222',
        '  device message 3: 2 statuses, 1 result',
        '    200 SyncHdr',
        '    200 Alert (CmdID 2)',
        '  server message 3: no commands',
      ].join('\n'),
    );
  });

  it('says so when the server sent nothing', () => {
    const empty: SessionSummary = {
      sessionId: '1',
      messages: 1,
      received: [],
      sent: [{ msgId: 1, statuses: [], results: 0, alerts: [{ code: 1201 }], final: true }],
      commandsReceived: {},
      ended: 'server-done',
    };
    expect(formatSessionSummary(empty)).toBe(
      ['Session 1: 1 device message, ended server-done', 'Commands received: none', '  device message 1: 0 statuses, 0 results, alerts 1201'].join('\n'),
    );
  });
});
