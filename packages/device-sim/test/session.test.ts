import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage, type Command, type SyncMLMessage } from '@winmdm/syncml';
import { DeviceModel, DeviceSimError, DeviceSimulator, SimulatorHttpError, type SessionSummary } from '../src/index.js';
import { fixtureCommand } from './fixture.js';
import { serverMessage, startScriptedServer, type ScriptedServer } from './scriptedServer.js';

const WIN_ID = 'DEVICE-7';
const DESKTOP = './Vendor/MSFT/Personalization/DesktopImageUrl';
const LOCK = './Vendor/MSFT/Personalization/LockScreenImageUrl';
const IMAGE = 'https://fleetdm.com/images/articles/fleet-4.24.0-cover-1600x900@2x.jpg';

const replace = (uri: string, data: string): Command => ({ kind: 'Replace', cmdId: 0, items: [{ target: { locURI: uri }, meta: { format: 'chr', type: 'text/plain' }, data }] });
const get = (uri: string): Command => ({ kind: 'Get', cmdId: 0, items: [{ target: { locURI: uri } }] });

let servers: ScriptedServer[] = [];
let devices: DeviceSimulator[] = [];
afterEach(async () => {
  await Promise.all(devices.map((d) => d.close()));
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  devices = [];
});

async function serve(script: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const server = await startScriptedServer(script);
  servers.push(server);
  return server;
}

/** A simulator whose sessions start at 1, as the transcript's did (the scripted answers compare SessionIDs). */
function device(url: string, options: Partial<ConstructorParameters<typeof DeviceSimulator>[0]> = {}): DeviceSimulator {
  const d = new DeviceSimulator({ url, winId: WIN_ID, firstSessionId: 1, ...options });
  devices.push(d);
  return d;
}

function request(server: ScriptedServer, index: number): SyncMLMessage {
  return parseMessage(server.requests[index]?.body ?? '');
}

/** The transcript's session, plus a Get: 2 Replace + 1 Get, then a Status-only answer. */
const transcriptScript = (_: number, message: SyncMLMessage | undefined): SyncMLMessage => {
  if (message === undefined) throw new Error('the device sent something that does not parse');
  return message.header.msgId === 1 ? serverMessage(message, [replace(DESKTOP, IMAGE), replace(LOCK, IMAGE), get('./DevDetail/SwV')]) : serverMessage(message, []);
};

describe('a session against a scripted server', () => {
  it('answers 2 Replace + 1 Get with statuses (MsgRef/CmdRef/TargetRef) and Results, then ends on a Status-only answer', async () => {
    const server = await serve(transcriptScript);
    const sim = device(server.url);
    const summary = await sim.runSession();

    expect(server.requests).toHaveLength(2);
    const serverUri = server.url;
    expect(request(server, 1)).toEqual({
      header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: 2, target: { locURI: serverUri }, source: { locURI: WIN_ID } },
      body: [
        { kind: 'Status', cmdId: 1, msgRef: 1, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] },
        { kind: 'Status', cmdId: 2, msgRef: 1, cmdRef: 5, cmd: 'Replace', targetRefs: [DESKTOP], sourceRefs: [], data: '200', items: [] },
        { kind: 'Status', cmdId: 3, msgRef: 1, cmdRef: 6, cmd: 'Replace', targetRefs: [LOCK], sourceRefs: [], data: '200', items: [] },
        { kind: 'Status', cmdId: 4, msgRef: 1, cmdRef: 7, cmd: 'Get', targetRefs: ['./DevDetail/SwV'], sourceRefs: [], data: '200', items: [] },
        {
          kind: 'Results',
          cmdId: 5,
          msgRef: 1,
          cmdRef: 7,
          cmd: 'Get',
          targetRefs: [],
          sourceRefs: [],
          items: [{ source: { locURI: './DevDetail/SwV' }, meta: { format: 'chr' }, data: '10.0.22631.4460' }],
        },
      ],
      final: true,
    });
    expect(sim.model.get(DESKTOP)).toBe(IMAGE);

    expect(summary).toEqual<SessionSummary>({
      sessionId: '1',
      messages: 2,
      received: [
        {
          msgId: 1,
          commands: [
            { kind: 'Replace', cmdId: 5, locUri: DESKTOP, data: IMAGE },
            { kind: 'Replace', cmdId: 6, locUri: LOCK, data: IMAGE },
            { kind: 'Get', cmdId: 7, locUri: './DevDetail/SwV' },
          ],
        },
        { msgId: 2, commands: [] },
      ],
      sent: [
        { msgId: 1, statuses: [], results: 0, alerts: [{ code: 1201 }, { code: 1224, type: 'com.microsoft/MDM/LoginStatus' }], final: true },
        {
          msgId: 2,
          statuses: [
            { cmdRef: 0, cmd: 'SyncHdr', code: 200 },
            { cmdRef: 5, cmd: 'Replace', code: 200, locUri: DESKTOP },
            { cmdRef: 6, cmd: 'Replace', code: 200, locUri: LOCK },
            { cmdRef: 7, cmd: 'Get', code: 200, locUri: './DevDetail/SwV' },
          ],
          results: 1,
          alerts: [],
          final: true,
        },
      ],
      commandsReceived: { Replace: 2, Get: 1 },
      ended: 'server-done',
    });
  });

  it('answers 202 for Replace like the transcript device when configured so', async () => {
    const server = await serve(transcriptScript);
    await device(server.url, { deviceModel: new DeviceModel({ devId: WIN_ID, successStatus: { Replace: 202 } }) }).runSession();
    const statuses = request(server, 1).body.filter((c) => c.kind === 'Status' && c.cmd === 'Replace');
    expect(statuses.map((s) => (s.kind === 'Status' ? s.data : ''))).toEqual(['202', '202']);
  });

  it('numbers sessions n, n+1, ... per device and MsgIDs from 1 in each session', async () => {
    const server = await serve(transcriptScript);
    const sim = device(server.url);
    expect((await sim.runSession()).sessionId).toBe('1');
    expect((await sim.runSession()).sessionId).toBe('2');
    expect(server.requests.map((r) => parseMessage(r.body).header).map((h) => [h.sessionId, h.msgId])).toEqual([
      ['1', 1],
      ['1', 2],
      ['2', 1],
      ['2', 2],
    ]);
    expect(sim.sessions).toBe(2);
    expect(sim.lastSessionId).toBe('2');
  });

  it('two simulators of one device (two runs of winmdm simulate) do not start at the same SessionID', async () => {
    const server = await serve(transcriptScript);
    const first: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sim = new DeviceSimulator({ url: server.url, winId: WIN_ID });
      devices.push(sim);
      first.push((await sim.runSession()).sessionId);
    }
    expect(first.every((id) => /^[1-9][0-9]*$/.test(id))).toBe(true);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('ends the session on an empty 200 answer, as the transcript server did', async () => {
    const server = await serve(() => ({ status: 200, body: '' }));
    const summary = await device(server.url).runSession();
    expect([summary.messages, summary.received, summary.ended]).toEqual([1, [], 'server-done']);
  });

  it('stops at once when the server aborts the session (Alert 1223)', async () => {
    const server = await serve((_, message) => {
      if (message === undefined) throw new Error('unparsable');
      return serverMessage(message, [get('./DevInfo/Man'), { kind: 'Alert', cmdId: 0, data: '1223', items: [] }]);
    });
    const summary = await device(server.url).runSession();
    expect(server.requests).toHaveLength(1);
    expect([summary.ended, summary.messages, summary.commandsReceived]).toEqual(['server-abort', 1, { Get: 1, Alert: 1 }]);
  });

  it('reports an MSI install (Exec 202) in the next session with the win32csp_install alert of the Learn page', async () => {
    const productUri = './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{AF9257BA-6BBD-4624-AA9B-0182D50292C3}/DownloadInstall';
    const job = '<MsiInstallJob id="{AF9257BA-6BBD-4624-AA9B-0182D50292C3}"><Product Version="1.0.0.0"></Product></MsiInstallJob>';
    const server = await serve((index, message) => {
      if (message === undefined) throw new Error('unparsable');
      if (index !== 0) return serverMessage(message, []);
      return serverMessage(message, [
        { kind: 'Add', cmdId: 0, items: [{ target: { locURI: productUri } }] },
        { kind: 'Exec', cmdId: 0, items: [{ target: { locURI: productUri }, meta: { format: 'xml', type: 'text/plain' }, data: job }] },
      ]);
    });
    const sim = device(server.url);
    await sim.runSession();
    expect(request(server, 1).body.map((c) => (c.kind === 'Status' ? [c.cmd, c.data] : c.kind))).toEqual([
      ['SyncHdr', '200'],
      ['Add', '200'],
      ['Exec', '202'],
    ]);
    await sim.runSession();
    const first = request(server, 2);
    expect(first.body).toHaveLength(4);
    // The published alert; only its CmdID is the device's own (the next after the DevInfo Replace).
    expect(first.body[3]).toEqual({ ...fixtureCommand('alert-1224-win32csp-install-learn.xml'), cmdId: 5 });
    expect(sim.model.get(productUri.replace('/DownloadInstall', '/Version'))).toBe('1.0.0.0');
  });
});

describe('failures of the server', () => {
  it('a non-200 answer ends the session with ERR_SIM_HTTP carrying status and body', async () => {
    const server = await serve(() => ({ status: 503, body: 'maintenance' }));
    const error = await device(server.url).runSession().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulatorHttpError);
    expect(error).toMatchObject({ code: 'ERR_SIM_HTTP', status: 503, body: 'maintenance', message: 'The server answered HTTP 503 instead of 200' });
  });

  it('an answer that does not parse is ERR_SIM_PROTOCOL with the codec error as cause', async () => {
    const server = await serve(() => ({ status: 200, body: '<html>hello</html>' }));
    const error = await device(server.url).runSession().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceSimError);
    expect(error).toMatchObject({ code: 'ERR_SIM_PROTOCOL', cause: { code: 'ERR_SYNCML_ROOT' } });
    expect((error as Error).message).toMatch(/^The server's answer to message 1 is not SyncML DM 1\.2: /);
  });

  it('an answer for another session is ERR_SIM_PROTOCOL', async () => {
    const server = await serve((_, message) => {
      if (message === undefined) throw new Error('unparsable');
      const answer = serverMessage(message, [get('./DevInfo/Man')]);
      answer.header.sessionId = '99';
      return answer;
    });
    await expect(device(server.url).runSession()).rejects.toMatchObject({
      code: 'ERR_SIM_PROTOCOL',
      message: 'The server answered in session "99"; the device is in session "1"',
    });
  });

  it('a server that never stops sending commands hits the message limit: ERR_SIM_SESSION_LIMIT', async () => {
    const server = await serve((_, message) => {
      if (message === undefined) throw new Error('unparsable');
      return serverMessage(message, [get('./DevInfo/Man')]);
    });
    await expect(device(server.url, { maxMessages: 3 }).runSession()).rejects.toMatchObject({
      code: 'ERR_SIM_SESSION_LIMIT',
      message: 'The server was still sending commands after 3 messages of session 1',
    });
    expect(server.requests).toHaveLength(3);
  });

  it('no server at all is ERR_SIM_NETWORK', async () => {
    const server = await serve(() => ({ status: 200, body: '' }));
    const { url } = server;
    await server.close();
    servers = servers.filter((s) => s !== server);
    await expect(device(url).runSession()).rejects.toMatchObject({ code: 'ERR_SIM_NETWORK', name: 'SimulatorNetworkError' });
  });

  it('one session at a time per device: ERR_SIM_BUSY', async () => {
    const server = await serve(transcriptScript);
    const sim = device(server.url);
    const running = sim.runSession();
    await expect(sim.runSession()).rejects.toMatchObject({ code: 'ERR_SIM_BUSY', message: 'Device DEVICE-7 is already in session 1' });
    await running;
  });
});

describe('sendRaw', () => {
  it('posts any body with the device headers and returns status and body whatever they are', async () => {
    const server = await serve((_, message, raw) => (message === undefined ? { status: 400, body: `bad: ${raw.length}` } : { status: 200, body: 'ok' }));
    const answer = await device(server.url).sendRaw('<!DOCTYPE x [<!ENTITY a "b">]><x/>');
    expect([answer.status, answer.body]).toEqual([400, 'bad: 34']);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      url: '/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA',
      headers: { 'content-type': 'application/vnd.syncml.dm+xml', 'user-agent': 'MSFT OMA DM Client/1.2.0.1' },
    });
    const other = await device(server.url, { query: false }).sendRaw('x', { contentType: 'text/plain' });
    expect(other.status).toBe(400);
    expect(server.requests[1]).toMatchObject({ url: '/ManagementServer/MDM.svc', headers: { 'content-type': 'text/plain' } });
  });
});
