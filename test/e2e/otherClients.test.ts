import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseMessage } from '@winmdm/syncml';
import { P, startFleet, windowsFirstMessage, type Fleet } from '../support/fleet.js';
import { metric, scrape } from '../support/metrics.js';

/**
 * OMA-DM 1.2 clients other than Windows' (found by trying one): the media types they send their
 * messages in. Over mutual TLS with registered device certificates.
 */
const DM = 'application/vnd.syncml.dm+xml';
const DS = 'application/vnd.syncml+xml';
const WIN_ID = 'DEMO-LAPTOP-003';
const DEVICE_ID = 'dev-contoso-003';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet();
});
afterAll(async () => {
  await fleet.close();
});

async function nodeStates(deviceId: string): Promise<Record<string, string>> {
  const rows = await fleet.store.transaction((tx) => tx.getNodeStates(deviceId));
  return Object.fromEntries(rows.map((r) => [r.locUri, r.status]));
}

describe('SyncML DM 1.2 sent as application/vnd.syncml+xml (the SyncML DS media type)', () => {
  test('a whole session is served, every answer in the type the message came in', async () => {
    const device = await fleet.device(WIN_ID, { headers: { 'content-type': DS } });
    const session = await device.runSession();
    expect(session.ended).toBe('server-done');
    expect(device.model.get(`${P}Security/RequireDeviceEncryption`)).toBe('1');
    expect((await nodeStates(DEVICE_ID))[`${P}Security/RequireDeviceEncryption`]).toBe('applied');

    const answer = await device.sendRaw(windowsFirstMessage(WIN_ID, '4242'), { contentType: DS });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(DS);
    expect(parseMessage(answer.body).header.verProto).toBe('DM/1.2');
    // The same message in OMA-DM's own type is answered in that type.
    const own = await (await fleet.device(WIN_ID)).sendRaw(windowsFirstMessage(WIN_ID, '4243'));
    expect(own.headers['content-type']).toBe(DM);
  });

  test("another client's first message (libdmclient: XML declaration, Cred, MaxMsgSize 16384) is accepted in that type", async () => {
    const libdmclient = readFileSync(new URL('../../fixtures/syncml/libdmclient-msg1-client-init.xml', import.meta.url), 'utf8');
    const device = await fleet.device('DEMO-DESKTOP-002');
    const answer = await device.sendRaw(libdmclient.replaceAll('DMCtest', 'DEMO-DESKTOP-002'), { contentType: `${DS}; charset=UTF-8` });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(DS);
    const message = parseMessage(answer.body);
    expect(message.body[0]).toMatchObject({ kind: 'Status', cmdRef: 0, data: '200' });
    expect(message.body.some((c) => c.kind === 'Replace')).toBe(true);
  });

  test('a refusal in that type is in that type too', async () => {
    const device = await fleet.device('DEMO-LAPTOP-001');
    const answer = await device.sendRaw(windowsFirstMessage('DEMO-DESKTOP-002'), { contentType: DS });
    expect(answer.status).toBe(403);
    expect(answer.headers['content-type']).toBe(DS);
    expect(answer.headers['winmdm-refusal']).toBe('source-mismatch');
  });

  test('a SyncML DS message (VerProto SyncML/1.2) in that type stays refused: 415, plain text, not-oma-dm', async () => {
    const device = await fleet.device(WIN_ID);
    const before = await nodeStates(DEVICE_ID);
    const ds = windowsFirstMessage(WIN_ID, '5151').replace('<VerProto>DM/1.2</VerProto>', '<VerProto>SyncML/1.2</VerProto>');
    const answer = await device.sendRaw(ds, { contentType: DS });
    expect(answer.status).toBe(415);
    expect(answer.headers['content-type']).toBe('text/plain');
    expect(answer.headers['winmdm-refusal']).toBe('not-oma-dm');
    expect(answer.body).toBe(
      'not OMA-DM 1.2 (SyncHdr VerProto is "SyncML/1.2"; expected DM/1.2): this endpoint serves SyncML DM 1.2 only, not SyncML DS\n',
    );
    expect(await nodeStates(DEVICE_ID)).toEqual(before);
    // In OMA-DM's own type the same body is bad SyncML DM, as before.
    const own = await device.sendRaw(ds);
    expect(own.status).toBe(400);
    expect(own.body).toMatch(/^ERR_SYNCML_VERSION: /);
  });

  test('WBXML, in any type, is refused with a clear 415 that is not SyncML', async () => {
    const device = await fleet.device(WIN_ID);
    const before = await nodeStates(DEVICE_ID);
    for (const type of ['application/vnd.syncml.dm+wbxml', 'application/vnd.syncml+wbxml', 'application/vnd.wap.wbxml', 'APPLICATION/VND.SYNCML.DM+WBXML; charset=x']) {
      // A WBXML header (version 1.2, public id, UTF-8) and a few tokens: never looked at.
      const answer = await device.sendRaw(Buffer.from([0x02, 0xa4, 0x01, 0x6a, 0x00, 0x6d, 0x6c, 0x71]), { contentType: type });
      expect(answer.status, type).toBe(415);
      expect(answer.headers['content-type']).toBe('text/plain');
      expect(answer.headers['winmdm-refusal']).toBe('wbxml-not-supported');
      expect(answer.body).toBe(`WBXML is not supported: send SyncML DM 1.2 as XML (${DM})\n`);
    }
    const other = await device.sendRaw(windowsFirstMessage(WIN_ID), { contentType: 'application/xml' });
    expect(other.status).toBe(415);
    expect(other.headers['winmdm-refusal']).toBe('unsupported-media-type');
    expect(other.body).toBe(`unsupported content type; expected ${DM}\n`);
    expect(await nodeStates(DEVICE_ID)).toEqual(before);
  });

  test('media-type refusals are counted under a fixed set of reasons, never under the type sent', async () => {
    const device = await fleet.device(WIN_ID);
    const before = await scrape(fleet.server.origin, fleet.server.ca?.certPem);
    await device.sendRaw('x', { contentType: 'application/x-chosen-by-the-client-1' });
    await device.sendRaw('x', { contentType: 'application/x-chosen-by-the-client-2+wbxml' });
    await device.sendRaw(windowsFirstMessage(WIN_ID).replace('DM/1.2', 'SyncML/1.1'), { contentType: DS });
    const after = await scrape(fleet.server.origin, fleet.server.ca?.certPem);
    const moved = (reason: string): number =>
      metric(after, 'winmdm_device_messages_total', { outcome: 'bad_input', reason }) - metric(before, 'winmdm_device_messages_total', { outcome: 'bad_input', reason });
    expect([moved('unsupported_content_type'), moved('wbxml'), moved('not_oma_dm')]).toEqual([1, 1, 1]);
    const reasons = after.filter((s) => s.name === 'winmdm_device_messages_total').map((s) => s.labels['reason'] ?? '');
    expect(reasons.filter((r) => r.includes('chosen') || r.includes('/'))).toEqual([]);
  });
});
