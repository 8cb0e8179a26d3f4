import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseMessage, serializeMessage, type Command, type Status, type SyncMLMessage } from '@winmdm/syncml';
import { capturedLog } from '../support/capturedLog.js';
import { P, startFleet, windowsFirstMessage, type Fleet } from '../support/fleet.js';

/**
 * A generic OMA-DM 1.2 client that answers the server's SyncHdr with 401 or 407 and a `Chal`: it
 * wants the server to authenticate with OMA-DM credentials, which winmdm does not have (mutual TLS
 * is the identity). Nothing in the refused message was processed, so none of its nodes may be
 * reported failed (the session failed, not they) nor applied; the session ends clearly. Over
 * mutual TLS with registered device certificates, one raw message at a time.
 */
const CHALLENGE = readFileSync(new URL('../../fixtures/syncml/dm12-client-header-401-chal-md5.xml', import.meta.url), 'utf8');
const { logger, lines } = capturedLog('info');

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ logger });
});
afterAll(async () => {
  await fleet.close();
});

/** The node commands of a server message (outside Status), flattened out of Atomic/Sequence. */
function commandsIn(message: SyncMLMessage): Command[] {
  const out: Command[] = [];
  const walk = (c: Command): void => {
    if (c.kind === 'Status') return;
    out.push(c);
    if (c.kind === 'Atomic' || c.kind === 'Sequence') c.commands.forEach(walk);
  };
  message.body.forEach(walk);
  return out;
}

/**
 * The device's answer to `server`: the fixture's SyncHdr Status (`code`, with its MD5 Chal) for
 * the server's message, then `statusFor(command)` for each command it carried (none when it
 * returns undefined).
 */
function challenge(server: SyncMLMessage, winId: string, code: 401 | 407, statusFor: (c: Command) => string | undefined): string {
  const template = parseMessage(CHALLENGE.replaceAll('DMCtest', winId));
  const header = template.body[0] as Status;
  const body: Command[] = [{ ...header, msgRef: server.header.msgId, data: String(code) }];
  for (const command of commandsIn(server)) {
    const data = statusFor(command);
    if (data !== undefined) body.push({ kind: 'Status', cmdId: body.length + 1, msgRef: server.header.msgId, cmdRef: command.cmdId, cmd: command.kind, targetRefs: [], sourceRefs: [], data, items: [] });
  }
  return serializeMessage({
    header: { ...template.header, sessionId: server.header.sessionId, msgId: server.header.msgId + 1, target: { locURI: fleet.server.mdmUrl } },
    body,
    final: true,
  });
}

async function nodes(deviceId: string): Promise<Record<string, { status: string; tries: number; code: number | null }>> {
  const rows = await fleet.store.transaction((tx) => tx.getNodeStates(deviceId));
  return Object.fromEntries(rows.map((r) => [r.locUri, { status: r.status, tries: r.tries, code: r.code }]));
}

const cases = [
  { name: 'every command answered 401 too (a consequence of the header)', winId: 'DEMO-LAPTOP-001', deviceId: 'dev-contoso-001', code: 401, statusFor: () => '401' },
  { name: 'no status for the commands at all', winId: 'DEMO-DESKTOP-002', deviceId: 'dev-contoso-002', code: 401, statusFor: () => undefined },
  // A device that says 200 for a command of a message whose header it refused contradicts itself:
  // nothing is taken for applied on that word.
  { name: '407, and 200 for the commands anyway', winId: 'DEMO-LAPTOP-003', deviceId: 'dev-contoso-003', code: 407, statusFor: () => '200' },
] as const;

describe('a device that answers the SyncHdr with 401/407 and a Chal', () => {
  for (const c of cases) {
    test(`${c.name}: a warning, a clear end of session, no node failed or applied, all sent again next session`, async () => {
      const device = await fleet.device(c.winId);
      const first = await device.sendRaw(windowsFirstMessage(c.winId, '700'));
      expect(first.status).toBe(200);
      const server = parseMessage(first.body);
      expect(commandsIn(server).some((x) => x.kind === 'Replace')).toBe(true);
      expect(commandsIn(server).some((x) => x.kind === 'Get')).toBe(true);
      const inFlight = await nodes(c.deviceId);
      expect(Object.values(inFlight).filter((n) => n.status === 'sent').length).toBeGreaterThan(0);

      const mark = lines.length;
      const answer = await device.sendRaw(challenge(server, c.winId, c.code, c.statusFor));
      expect(answer.status).toBe(200);
      const end = parseMessage(answer.body);
      // The device's header is fine (its certificate says who it is); the session is aborted and
      // nothing more is sent for the device to refuse.
      expect(end.body[0]).toMatchObject({ kind: 'Status', cmdRef: 0, data: '200' });
      expect(end.body.filter((x) => x.kind !== 'Status')).toEqual([expect.objectContaining({ kind: 'Alert', data: '1223' })]);
      expect(end.final).toBe(true);

      // Every node of the refused message is pending again: not failed (the session's failure),
      // not applied (the device never processed it), no try counted.
      const after = await nodes(c.deviceId);
      for (const [locUri, before] of Object.entries(inFlight)) {
        if (before.status !== 'sent') continue;
        expect(after[locUri], locUri).toEqual({ status: 'pending', tries: before.tries, code: null });
      }
      // The inventory asked for in that message is still outstanding, and no attempt was counted.
      const row = await fleet.store.transaction((tx) => tx.getDevice(c.deviceId));
      expect(row?.report['inventoryFailures']).toBeUndefined();

      const warned = lines.slice(mark).filter((l) => Number(l['level']) === 40);
      expect(warned).toEqual([
        expect.objectContaining({
          msg: "the device asked the server for OMA-DM credentials (SyncHdr refused); the server authenticates with TLS only: ending the session",
          deviceId: c.deviceId,
          winId: c.winId,
          sessionId: '700',
          code: c.code,
          chal: { type: 'syncml:auth-md5', format: 'b64' },
        }),
      ]);
      expect(lines.slice(mark).find((l) => l['msg'] === 'device session')).toMatchObject({ deviceId: c.deviceId, ended: 'device-challenge' });

      // The next session (a device that no longer challenges) gets it all and applies it.
      const next = await device.runSession();
      expect(next.ended).toBe('server-done');
      expect(device.model.get(`${P}Security/RequireDeviceEncryption`)).toBe('1');
      const settled = await nodes(c.deviceId);
      expect(Object.values(settled).every((n) => n.status === 'applied')).toBe(true);
    });
  }
});
