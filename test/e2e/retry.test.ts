import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceModel } from '@winmdm/device-sim';
import { parseMessage } from '@winmdm/syncml';
import { commandsOf, deviceAnswer, P, startFleet, windowsFirstMessage, type Fleet } from '../support/fleet.js';

/**
 * What counts as a retry: the same message of the device's current session sent again shortly
 * after. Anything else that reuses a (SessionID, MsgID) — a second run of a device whose counter
 * restarted, a repeat long after, a late copy from a session the device has left — is not answered
 * from the log.
 */
let fleet: Fleet;
let clock = Date.parse('2026-03-02T09:00:00.000Z');
const tick = (ms = 1000): void => void (clock += ms);
const FIVE_MINUTES = 300_000;

beforeAll(async () => {
  // Inventory on every session, so that two sessions of one device send the very same commands.
  fleet = await startFleet({ now: () => new Date(clock), inventoryIntervalMs: 0 });
});
afterAll(async () => {
  await fleet.close();
});

const nonInventory = (summary: Parameters<typeof commandsOf>[0]): string[] =>
  commandsOf(summary)
    .filter((c) => c.kind !== 'Get')
    .map((c) => `${c.kind} ${c.locUri}`)
    .sort();

async function nodes(deviceId: string): Promise<{ locUri: string; status: string; code: number | null }[]> {
  return fleet.store.transaction((tx) => tx.getNodeStates(deviceId));
}

describe('a new session that reuses a SessionID is served afresh', () => {
  test('two runs of a device that both start at SessionID 1: the second gets what changed since (the tour, step 4)', async () => {
    const first = await fleet.device('DEMO-LAPTOP-003', { firstSessionId: 1 });
    expect((await first.runSession()).sessionId).toBe('1');
    tick();
    const patched = await fleet.api('PATCH', '/mdm/windows/devices/dev-contoso-003', {
      winPolicyAssignments: [{ winPolicyId: 'pol-contoso-strict-passwords', priority: 1 }],
    });
    expect(patched.status).toBe(200);
    tick();
    // A second `winmdm simulate`: a new simulator of the same device, whose counter starts at 1 again.
    const second = await fleet.device('DEMO-LAPTOP-003', { firstSessionId: 1, deviceModel: first.model });
    const summary = await second.runSession();
    expect(summary.sessionId).toBe('1');
    expect(nonInventory(summary)).toEqual([
      `Replace ${P}DeviceLock/DevicePasswordExpiration`,
      `Replace ${P}DeviceLock/MinDevicePasswordLength`,
    ]);
    expect(first.model.get(`${P}DeviceLock/MinDevicePasswordLength`)).toBe('12');
  });

  test('a repeat of a first message after its session moved on starts a new session', async () => {
    const device = await fleet.device('DEMO-DESKTOP-002');
    const model = new DeviceModel({ devId: 'DEMO-DESKTOP-002' });
    const msg1 = windowsFirstMessage('DEMO-DESKTOP-002', '4711');
    const a1 = await device.sendRaw(msg1);
    expect(a1.status).toBe(200);
    expect(parseMessage(a1.body).body.some((c) => c.kind === 'Replace')).toBe(true);
    tick();
    const a2 = await device.sendRaw(deviceAnswer(parseMessage(a1.body), model));
    expect(a2.status).toBe(200);
    expect((await nodes('dev-contoso-002')).every((n) => n.status === 'applied')).toBe(true);
    tick();
    // Within seconds, byte for byte the first message again: a new session, not the old answer.
    const again = await device.sendRaw(msg1);
    expect(again.status).toBe(200);
    expect(again.body).not.toBe(a1.body);
    expect(parseMessage(again.body).body.filter((c) => c.kind === 'Replace')).toEqual([]);
  });

  test('a later message of a reused SessionID is processed even when its bytes match the old session\'s', async () => {
    const device = await fleet.device('FAB-PC-101');
    // Every Replace fails, so both sessions are sent the same commands and answer them the same way.
    const failing = (): DeviceModel => new DeviceModel({ devId: 'FAB-PC-101', failures: [{ match: /Policy\/Config/, code: 500, commands: ['Replace'] }] });
    const msg1 = windowsFirstMessage('FAB-PC-101', '900');
    const run = async (): Promise<string> => {
      const a1 = await device.sendRaw(msg1);
      expect(a1.status).toBe(200);
      tick();
      const msg2 = deviceAnswer(parseMessage(a1.body), failing());
      const a2 = await device.sendRaw(msg2);
      expect(a2.status).toBe(200);
      tick();
      return msg2;
    };
    const firstMsg2 = await run();
    expect((await nodes('dev-fabrikam-101')).filter((n) => n.locUri.includes('Policy/Config')).map((n) => n.status)).toEqual(['failed', 'failed']);
    const secondMsg2 = await run();
    expect(secondMsg2).toBe(firstMsg2);
    // Processed, not answered from the first session's log: the failures of the second session are recorded.
    const after = (await nodes('dev-fabrikam-101')).filter((n) => n.locUri.includes('Policy/Config'));
    expect(after.map((n) => [n.status, n.code])).toEqual([
      ['failed', 500],
      ['failed', 500],
    ]);
  });
});

describe('a retry is the same message of the current session, sent again shortly after', () => {
  test('within the window the answer is byte-identical and nothing changes; after it, a repeat is refused', async () => {
    const device = await fleet.device('DEMO-LAPTOP-001');
    const model = new DeviceModel({ devId: 'DEMO-LAPTOP-001' });
    const a1 = await device.sendRaw(windowsFirstMessage('DEMO-LAPTOP-001', '31'));
    tick();
    const msg2 = deviceAnswer(parseMessage(a1.body), model);
    const a2 = await device.sendRaw(msg2);
    expect(a2.status).toBe(200);
    const before = await fleet.store.transaction((tx) => tx.getDevice('dev-contoso-001'));

    tick(60_000);
    const retry = await device.sendRaw(msg2);
    expect(retry.status).toBe(200);
    expect(retry.body).toBe(a2.body);
    expect(await fleet.store.transaction((tx) => tx.getDevice('dev-contoso-001'))).toEqual(before);

    tick(FIVE_MINUTES);
    const late = await device.sendRaw(msg2);
    expect(late.status).toBe(400);
    expect(late.body).toBe('ERR_NOT_A_RETRY: message 2 of session 31 was answered more than 300 s ago and is not answered again\n');
    expect(await fleet.store.transaction((tx) => tx.getDevice('dev-contoso-001'))).toEqual(before);
  });

  test('a late copy of a message from a session the device has left is refused and does not disturb the current one', async () => {
    const device = await fleet.device('DEMO-LAPTOP-001');
    const model = new DeviceModel({ devId: 'DEMO-LAPTOP-001' });
    const a1 = await device.sendRaw(windowsFirstMessage('DEMO-LAPTOP-001', '40'));
    tick();
    const old2 = deviceAnswer(parseMessage(a1.body), model);
    expect((await device.sendRaw(old2)).status).toBe(200);
    tick();
    // The next session starts; then the copy of session 40's message 2 arrives.
    const b1 = await device.sendRaw(windowsFirstMessage('DEMO-LAPTOP-001', '41'));
    expect(b1.status).toBe(200);
    tick();
    const late = await device.sendRaw(old2);
    expect(late.status).toBe(400);
    expect(late.body).toBe('ERR_NOT_A_RETRY: message 2 of session 40 belongs to a session the device has left and is not answered again\n');
    expect(await fleet.store.transaction((tx) => tx.getSession('dev-contoso-001'))).toMatchObject({ sessionId: '41' });
    // Session 41 goes on.
    const b2 = await device.sendRaw(deviceAnswer(parseMessage(b1.body), model));
    expect(b2.status).toBe(200);
    expect(parseMessage(b2.body).header.sessionId).toBe('41');
  });
});
