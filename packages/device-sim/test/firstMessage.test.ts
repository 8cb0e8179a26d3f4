import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage, type SyncMLMessage } from '@winmdm/syncml';
import { DEFAULT_INVENTORY, DeviceModel, DeviceSimulator } from '../src/index.js';
import { fixture, fixtureCommand, fixtureMessage } from './fixture.js';

// The device and server of the real transcript (fixtures/syncml/win10-realdevice-session-transcript.txt).
const WIN_ID = '1E08C6E95D8BB843B1278FF45BC60CC6';
const ORIGIN = 'https://pocmdmserver.com';
const PATH = '/ManagementServer/MDM.svc';
const QUERY = '?mode=Maintenance&Platform=WoA';

/** The DevInfo of the transcript's VMware VM. */
const VM_INVENTORY = { ...DEFAULT_INVENTORY, './DevInfo/Man': 'VMware, Inc.', './DevInfo/Mod': 'VMware7,1', './DevInfo/DmV': '1.3', './DevInfo/Lang': 'en-US' };

const transcriptDevice = (): DeviceModel => new DeviceModel({ devId: WIN_ID, inventory: VM_INVENTORY });

interface Captured {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A MockAgent that records the device's first request and ends the session with an empty 200 (as the transcript's server did). */
function capture(): { agent: MockAgent; requests: Captured[] } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const requests: Captured[] = [];
  agent
    .get(ORIGIN)
    .intercept({ path: `${PATH}${QUERY}`, method: 'POST' })
    .reply((options) => {
      requests.push({ path: options.path, headers: options.headers as Record<string, string>, body: String(options.body) });
      return { statusCode: 200, data: '' };
    })
    .persist();
  return { agent, requests };
}

let agents: MockAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.map((a) => a.close()));
  agents = [];
});

async function firstRequest(run: (device: DeviceSimulator) => Promise<unknown>, model = transcriptDevice()): Promise<Captured> {
  const { agent, requests } = capture();
  agents.push(agent);
  const device = new DeviceSimulator({ url: `${ORIGIN}${PATH}`, winId: WIN_ID, deviceModel: model, dispatcher: agent, msCv: 'a/tCeBgffEqA5408.0.0.0', firstSessionId: 1 });
  await run(device);
  const [request] = requests;
  if (request === undefined) throw new Error('the device sent nothing');
  return request;
}

describe('the first message of a session', () => {
  it('is win10-msg1-client-session-start.xml: Alert 1201 at CmdID 2, LoginStatus 1224, DevInfo Replace, Final', async () => {
    const request = await firstRequest((device) => device.runSession());
    expect(parseMessage(request.body)).toEqual(fixtureMessage('win10-msg1-client-session-start.xml'));
  });

  it('differs from the fixture only in the ids when the device is another one', async () => {
    const model = new DeviceModel({ devId: 'DEVICE-42', inventory: VM_INVENTORY });
    const { agent, requests } = capture();
    agents.push(agent);
    const device = new DeviceSimulator({ url: `${ORIGIN}${PATH}`, winId: 'DEVICE-42', deviceModel: model, dispatcher: agent, firstSessionId: 1 });
    await device.runSession();
    const expected: SyncMLMessage = fixtureMessage('win10-msg1-client-session-start.xml');
    expected.header.source = { locURI: 'DEVICE-42' };
    const replace = expected.body[2];
    if (replace?.kind !== 'Replace' || replace.items[0] === undefined) throw new Error('fixture changed');
    replace.items[0].data = 'DEVICE-42';
    expect(parseMessage(requests[0]?.body ?? '')).toEqual(expected);
  });

  it('is sent like Windows sends it: POST with the query string, the OMA-DM client headers, compact XML', async () => {
    const request = await firstRequest((device) => device.runSession());
    expect(request.path).toBe(`${PATH}${QUERY}`);
    // The header names and values of the transcript's request (Host and Content-Length are the HTTP stack's).
    expect(request.headers).toMatchObject({
      accept: 'application/vnd.syncml.dm+xml, application/vnd.syncml.dm+wbxml, application/octet-stream',
      'accept-charset': 'UTF-8',
      'client-request-id': '0',
      'content-type': 'application/vnd.syncml.dm+xml',
      'ms-cv': 'a/tCeBgffEqA5408.0.0.0',
      'user-agent': 'MSFT OMA DM Client/1.2.0.1',
    });
    // The fixture is pretty-printed by the logger; on the wire there is no whitespace between elements.
    expect(request.body).not.toMatch(/>\s+</);
    expect(fixture('win10-msg1-client-session-start.xml')).toMatch(/>\s+</);
  });

  it('announces MaxMsgSize in the header Meta only when the option is set', async () => {
    const { agent, requests } = capture();
    agents.push(agent);
    const device = new DeviceSimulator({ url: `${ORIGIN}${PATH}`, winId: WIN_ID, deviceModel: transcriptDevice(), dispatcher: agent, maxMsgSize: 65536, firstSessionId: 1 });
    await device.runSession();
    expect(parseMessage(requests[0]?.body ?? '').header.meta).toEqual({ maxMsgSize: 65536 });
    const plain = await firstRequest((d) => d.runSession());
    expect(parseMessage(plain.body).header.meta).toBeUndefined();
  });

  it('carries the LoginStatus given to runSession', async () => {
    const request = await firstRequest((device) => device.runSession({ loginStatus: 'others' }));
    const alert = parseMessage(request.body).body[1];
    expect(alert).toMatchObject({ kind: 'Alert', cmdId: 3, data: '1224', items: [{ meta: { type: 'com.microsoft/MDM/LoginStatus' }, data: 'others' }] });
  });

  it('with unenroll, also carries the Alert 1226 of alert-1226-unenroll-server-initiated-learn.xml', async () => {
    const request = await firstRequest((device) => device.runSession({ unenroll: true }));
    const message = parseMessage(request.body);
    expect(message.body).toHaveLength(4);
    // Same alert as the published one; only its CmdID is the device's own (next after the Replace).
    expect(message.body[3]).toEqual({ ...fixtureCommand('alert-1226-unenroll-server-initiated-learn.xml'), cmdId: 5 });
  });
});

