import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceSimulator } from '@winmdm/device-sim';
import { importBundle, SqliteStore, startWinmdmServer, type Store, type WinmdmServer } from '@winmdm/server';
import { demoBundle, windowsFirstMessage } from '../support/fleet.js';

const WIN_ID = 'DEMO-LAPTOP-003';
const msg1 = windowsFirstMessage(WIN_ID);

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).trim().split('\n'));
    done();
  },
});

let server: WinmdmServer;
let store: Store;
let url: string;
beforeAll(async () => {
  store = SqliteStore.open(':memory:');
  await store.migrate();
  await importBundle(store, demoBundle());
  // Plain HTTP with --dev-auth on loopback: identity is not what these tests are about.
  server = await startWinmdmServer({ store, logger: pino({ level: 'info' }, sink), port: 0, tls: false, devAuth: true });
  url = server.mdmUrl;
});
afterAll(async () => {
  await server.close();
  await store.close();
});

async function post(body: string | Buffer, contentType = 'application/vnd.syncml.dm+xml'): Promise<{ status: number; body: string; refusal: unknown }> {
  const response = await request(`${url}?mode=Maintenance&Platform=WoA`, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: response.statusCode, body: await response.body.text(), refusal: response.headers['winmdm-refusal'] };
}

/** Everything the store holds about the demo devices: a hostile request must change none of it. */
async function state(): Promise<unknown> {
  return store.transaction(async (tx) => {
    const devices = await tx.listDevices('org-contoso');
    return Promise.all(devices.map(async (d) => ({ d, nodes: await tx.getNodeStates(d.id), session: await tx.getSession(d.id) })));
  });
}

const cases: { name: string; body: string | Buffer; status: number; code?: string; contentType?: string; refusal?: string }[] = [
  { name: 'not XML', body: 'hello, server', status: 400, code: 'ERR_SYNCML_NOT_XML' },
  {
    name: 'a DOCTYPE (billion laughs)',
    body: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${msg1.replace('<Data>user</Data>', '<Data>&lol2;</Data>')}`,
    status: 400,
    code: 'ERR_SYNCML_DOCTYPE',
  },
  { name: 'over the size limit', body: msg1.replace('<Data>user</Data>', `<Data>${'x'.repeat(1024 * 1024)}</Data>`), status: 413 },
  {
    name: 'too deep',
    body: msg1.replace('<Data>user</Data>', `<Data>user</Data>${'<Meta>'.repeat(200)}${'</Meta>'.repeat(200)}`),
    status: 400,
    code: 'ERR_SYNCML_TOO_DEEP',
  },
  { name: 'a wrong namespace', body: msg1.replace('SYNCML:SYNCML1.2', 'SYNCML:SYNCML1.1'), status: 400, code: 'ERR_SYNCML_NAMESPACE' },
  { name: 'a wrong version', body: msg1.replace('<VerProto>DM/1.2</VerProto>', '<VerProto>DM/1.1</VerProto>'), status: 400, code: 'ERR_SYNCML_VERSION' },
  { name: 'a missing CmdID', body: msg1.replace('<CmdID>3</CmdID>', ''), status: 400, code: 'ERR_SYNCML_CMDID_MISSING' },
  { name: 'a body cut short', body: msg1.slice(0, Math.floor(msg1.length / 2)), status: 400, code: 'ERR_SYNCML_NOT_XML' },
  { name: 'an unknown device', body: msg1.replaceAll(WIN_ID, 'NO-SUCH-DEVICE'), status: 401 },
  { name: 'another content type', body: msg1, status: 415, contentType: 'application/xml', refusal: 'unsupported-media-type' },
  { name: 'WBXML', body: Buffer.from([0x02, 0xa4, 0x01, 0x6a, 0x00]), status: 415, contentType: 'application/vnd.syncml.dm+wbxml', refusal: 'wbxml-not-supported' },
  {
    name: 'SyncML DS in the DS media type',
    body: msg1.replace('<VerProto>DM/1.2</VerProto>', '<VerProto>SyncML/1.2</VerProto>'),
    status: 415,
    contentType: 'application/vnd.syncml+xml',
    refusal: 'not-oma-dm',
  },
];

describe('hostile input to the device endpoint', () => {
  for (const c of cases) {
    test(`${c.name}: a clear ${c.status}, a log line, no state change`, async () => {
      const before = await state();
      const logged = lines.length;
      const answer = await post(c.body, c.contentType);
      expect(answer.status).toBe(c.status);
      if (c.code) expect(answer.body).toMatch(new RegExp(`^${c.code}: `));
      if (c.refusal) expect(answer.refusal).toBe(c.refusal);
      expect(await state()).toEqual(before);
      const newLines = lines.slice(logged).map((l) => JSON.parse(l) as { level: number; msg: string; code?: string });
      expect(newLines.some((l) => l.level >= 40 && (c.code === undefined || l.code === c.code))).toBe(true);
    });
  }

  test('arbitrary and mutated real messages never hurt the server, and a normal session still succeeds', async () => {
    const mutated = fc
      .tuple(fc.nat({ max: msg1.length - 1 }), fc.nat({ max: 40 }), fc.string({ maxLength: 20 }))
      .map(([at, cut, insert]) => msg1.slice(0, at) + insert + msg1.slice(Math.min(msg1.length, at + cut)));
    const before = await state();
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), mutated), async (body) => {
        const answer = await post(body);
        expect([200, 400, 401, 403, 413]).toContain(answer.status);
      }),
      { numRuns: 150, seed: 20261128 },
    );
    // Some mutations are still valid messages of this device: they may have opened sessions, but
    // nothing the device acknowledged changed.
    const acknowledged = (s: unknown): unknown[] =>
      (s as { nodes: { status: string }[] }[]).map((d) => d.nodes.filter((n) => n.status === 'applied'));
    expect(acknowledged(await state())).toEqual(acknowledged(before));
    const device = new DeviceSimulator({ url, winId: WIN_ID });
    try {
      const session = await device.runSession();
      expect(session.ended).toBe('server-done');
      expect(device.model.get('./Device/Vendor/MSFT/Policy/Config/Security/RequireDeviceEncryption')).toBe('1');
    } finally {
      await device.close();
    }
  });
});
