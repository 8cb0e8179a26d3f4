import { afterEach, describe, expect, test } from 'vitest';
import { DeviceModel } from '@winmdm/device-sim';
import { parseMessage, renumberCommands, serializeMessage, type Command } from '@winmdm/syncml';
import { commandsOf, demoBundle, P, received, startFleet, windowsFirstMessage, type Fleet } from '../support/fleet.js';

/**
 * Every reported state is what the device really has: a value the device refused part of, an
 * inventory nobody answered, a Delete the device refused or failed, an install that failed after
 * its Exec was accepted — none of them is reported as done.
 */
let fleet: Fleet | undefined;
/** The server's clock: each test moves it past the retry backoff where it needs a retry. */
let clock = Date.parse('2026-12-01T08:00:00.000Z');
const now = (): Date => new Date(clock);
const later = (ms: number): void => {
  clock += ms;
};
const BACKOFF = 5 * 60_000;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

const INGESTION = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/admx-contoso-company-app';
const MSI = './Device/Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/{6E3C4B1A-2F5D-4A8E-9B7C-1D2E3F4A5B6C}/DownloadInstall';

async function nodes(f: Fleet, deviceId: string): Promise<Record<string, { status: string; value: string | null; code: number | null }>> {
  const rows = await f.store.transaction((tx) => tx.getNodeStates(deviceId));
  return Object.fromEntries(rows.map((r) => [r.locUri, { status: r.status, value: r.value, code: r.code }]));
}

async function document(f: Fleet, deviceId: string): Promise<Record<string, unknown>> {
  const { status, json } = await f.api('GET', `/mdm/windows/devices/${deviceId}`);
  expect(status).toBe(200);
  return json['data'] as Record<string, unknown>;
}

describe('a large object whose first chunk the device refuses', () => {
  test('is failed, not finished chunk by chunk; it is sent whole again and only then applied', async () => {
    fleet = await startFleet({ now });
    const admx = demoBundle().admxFiles as { id: string; content: string }[];
    const content = admx.find((f) => f.id === 'admx-contoso-company-app')?.content;
    // The device refuses the start of the ADMX ingestion once (404), as a generic OMA-DM client may.
    const device = await fleet.device('DEMO-LAPTOP-001', {
      maxMsgSize: 3072,
      deviceModel: new DeviceModel({ failures: [{ match: INGESTION, code: 404, times: 1 }] }),
    });
    const first = await device.runSession();
    // One chunk went out and was refused; the rest never followed.
    expect(first.received.flatMap((m) => m.commands).filter((c) => c.locUri === INGESTION)).toHaveLength(1);
    expect(device.model.has(INGESTION)).toBe(false);
    expect((await nodes(fleet, 'dev-contoso-001'))[INGESTION]).toMatchObject({ status: 'failed', code: 404 });

    later(BACKOFF);
    await device.runSession();
    expect(device.model.get(INGESTION)).toBe(content);
    expect((await nodes(fleet, 'dev-contoso-001'))[INGESTION]).toMatchObject({ status: 'applied' });
  });
});

describe('an inventory whose every Get failed', () => {
  test('keeps the request outstanding, is retried at the next sessions (bounded), and is fulfilled only by Results', async () => {
    const bundle = demoBundle();
    const target = bundle.devices.find((d) => d.id === 'dev-contoso-003');
    if (target) target['refreshInfoNeeded'] = ['hardware'];
    fleet = await startFleet({ bundle, now });
    // Per session: 10 DevDetail, 2 DevInfo and 4 DeviceStatus Gets; three sessions of failures.
    const device = await fleet.device('DEMO-LAPTOP-003', {
      deviceModel: new DeviceModel({
        failures: [
          { match: /^\.\/DevDetail\//, code: 404, times: 30, commands: ['Get'] },
          { match: /^\.\/DevInfo\//, code: 407, times: 6, commands: ['Get'] },
          { match: /DeviceStatus\//, code: 500, times: 12, commands: ['Get'] },
        ],
      }),
    });
    const hardwareGets = (s: Awaited<ReturnType<typeof device.runSession>>): string[] => received(s, 'Get').filter((u) => !u.includes('EnterpriseDesktopAppManagement'));

    for (let attempt = 1; attempt <= 3; attempt++) {
      const session = await device.runSession();
      expect(hardwareGets(session)).toHaveLength(16);
      const doc = await document(fleet, 'dev-contoso-003');
      expect(doc['refreshInfoNeeded']).toEqual(['hardware']);
      expect((doc['summary'] as Record<string, unknown>)['osVersion']).toBeUndefined();
      const row = await fleet.store.transaction((tx) => tx.getDevice('dev-contoso-003'));
      expect(row?.report['inventoryFailures']).toEqual({ hardware: { attempts: attempt, at: new Date(clock).toISOString(), revision: 1, codes: [404, 407, 500] } });
      clock += 60_000;
    }
    // Bounded: after three failed sessions it rests until the inventory interval has passed.
    expect(hardwareGets(await device.runSession())).toEqual([]);
    expect((await document(fleet, 'dev-contoso-003'))['refreshInfoNeeded']).toEqual(['hardware']);

    clock += 86_400_000;
    expect(hardwareGets(await device.runSession())).toHaveLength(16);
    const doc = await document(fleet, 'dev-contoso-003');
    expect(doc['refreshInfoNeeded']).toEqual([]);
    expect((doc['summary'] as Record<string, unknown>)['osVersion']).toBe('10.0.22631.4460');
    const row = await fleet.store.transaction((tx) => tx.getDevice('dev-contoso-003'));
    expect(row?.report['inventoryFailures']).toBeUndefined();
  });
});

describe('Deletes', () => {
  test('a Delete the device refuses is not-removable and stays reported; one that fails is retried, not forgotten', async () => {
    fleet = await startFleet({ now });
    const device = await fleet.device('DEMO-LAPTOP-003', {
      deviceModel: new DeviceModel({
        failures: [
          { match: `${P}DeviceLock/DevicePasswordEnabled`, code: 405, commands: ['Delete'] },
          { match: `${P}Update/AllowAutoUpdate`, code: 500, times: 1, commands: ['Delete'] },
        ],
      }),
    });
    await device.runSession();
    const baseline = (await fleet.api('GET', '/mdm/windows/policies/pol-contoso-baseline')).json['data'] as { config: Record<string, unknown> };
    const config = { ...baseline.config };
    delete config[`${P}DeviceLock/DevicePasswordEnabled`];
    delete config[`${P}Update/AllowAutoUpdate`];
    expect((await fleet.api('PUT', '/mdm/windows/policies/pol-contoso-baseline', { ...baseline, config })).status).toBe(200);

    const removal = await device.runSession();
    expect(received(removal, 'Delete')).toEqual([`${P}DeviceLock/DevicePasswordEnabled`, `${P}Update/AllowAutoUpdate`]);
    const status = (await document(fleet, 'dev-contoso-003'))['configStatus'] as Record<string, unknown>;
    expect(status[`${P}DeviceLock/DevicePasswordEnabled`]).toMatchObject({ status: 'not-removable', value: '0', code: 405 });
    expect(status[`${P}Update/AllowAutoUpdate`]).toMatchObject({ status: 'failed', value: '1', code: 500 });
    expect(device.model.get(`${P}DeviceLock/DevicePasswordEnabled`)).toBe('0');

    // The failed Delete is sent again at the next session; the refused one is not asked again.
    const retry = await device.runSession();
    expect(commandsOf(retry).map((c) => `${c.kind} ${c.locUri}`)).toEqual([`Delete ${P}Update/AllowAutoUpdate`]);
    const after = (await document(fleet, 'dev-contoso-003'))['configStatus'] as Record<string, unknown>;
    expect(after).not.toHaveProperty(`${P}Update/AllowAutoUpdate`);
    expect(after[`${P}DeviceLock/DevicePasswordEnabled`]).toMatchObject({ status: 'not-removable' });
    expect(commandsOf(await device.runSession())).toEqual([]);
  });
});

describe('a poison command', () => {
  test('is quarantined after three sessions of tries with backoff and never blocks the device\'s other commands; a change of the setting clears it', async () => {
    fleet = await startFleet({ now });
    const REALTIME = `${P}Defender/AllowRealtimeMonitoring`;
    // Defender refuses the value every time (405: not allowed), as a tamper-protected device does.
    const device = await fleet.device('DEMO-LAPTOP-003', { deviceModel: new DeviceModel({ failures: [{ match: REALTIME, code: 405 }] }) });
    const sent = (s: Awaited<ReturnType<typeof device.runSession>>): string[] => commandsOf(s).filter((c) => c.kind !== 'Get').map((c) => `${c.kind} ${c.locUri}`);
    expect(sent(await device.runSession())).toHaveLength(6);
    expect(device.model.get(`${P}DeviceLock/MinDevicePasswordLength`)).toBe('8');
    // Tried again at the next session, then after the backoff; meanwhile the rest of the device
    // goes on: a change of another setting is delivered.
    expect(sent(await device.runSession())).toEqual([`Replace ${REALTIME}`]);
    const baseline = (await fleet.api('GET', '/mdm/windows/policies/pol-contoso-baseline')).json['data'] as { config: Record<string, unknown> };
    await fleet.api('PUT', '/mdm/windows/policies/pol-contoso-baseline', { ...baseline, config: { ...baseline.config, [`${P}Update/AllowAutoUpdate`]: 2 } });
    expect(sent(await device.runSession())).toEqual([`Replace ${P}Update/AllowAutoUpdate`]);
    later(BACKOFF);
    expect(sent(await device.runSession())).toEqual([`Replace ${REALTIME}`]);
    const doc = await document(fleet, 'dev-contoso-003');
    expect((doc['configStatus'] as Record<string, unknown>)[REALTIME]).toMatchObject({ status: 'quarantined', code: 405, meaning: 'not allowed (read-only node?)', tries: 3 });
    expect(doc['quarantined']).toEqual([{ locUri: REALTIME, code: 405, meaning: 'not allowed (read-only node?)', tries: 3, since: new Date(clock).toISOString() }]);
    // Held back: the device converges without it and checks in on the fast path.
    later(24 * 3600_000);
    expect(commandsOf(await device.runSession()).filter((c) => c.kind !== 'Get')).toEqual([]);
    expect(commandsOf(await device.runSession())).toEqual([]);
    // A change of the setting clears the quarantine: the new value is sent.
    const current = (await fleet.api('GET', '/mdm/windows/policies/pol-contoso-baseline')).json['data'] as { config: Record<string, unknown> };
    await fleet.api('PUT', '/mdm/windows/policies/pol-contoso-baseline', { ...current, config: { ...current.config, [REALTIME]: 0 } });
    expect(sent(await device.runSession())).toEqual([`Replace ${REALTIME}`]);
    expect((await nodes(fleet, 'dev-contoso-003'))[REALTIME]).toMatchObject({ status: 'failed', code: 405 });
  });
});

describe('an MSI install', () => {
  test('whose Exec was accepted (202) but whose install failed is failed with the installer\'s code, retried, then quarantined', async () => {
    fleet = await startFleet({ now });
    const device = await fleet.device('DEMO-LAPTOP-001', {
      deviceModel: new DeviceModel({ installResults: { '{6E3C4B1A-2F5D-4A8E-9B7C-1D2E3F4A5B6C}': 1603 } }),
    });
    const installs = (s: Awaited<ReturnType<typeof device.runSession>>): string[] => commandsOf(s).filter((c) => c.locUri === MSI).map((c) => c.kind);
    await device.runSession();
    expect((await nodes(fleet, 'dev-contoso-001'))[MSI]).toMatchObject({ status: 'applied', code: 202 });
    // The next session starts with the install report: 1603, a fatal installer error. The server
    // learns it before it plans, and sends the install again at once (a first failure).
    expect(installs(await device.runSession())).toEqual(['Add', 'Exec']);
    const doc = await document(fleet, 'dev-contoso-001');
    expect(doc['applicationStatus']).toEqual({ '{6E3C4B1A-2F5D-4A8E-9B7C-1D2E3F4A5B6C}': expect.objectContaining({ status: 'failed', code: 1603 }) });
    const history = await fleet.store.transaction((tx) => tx.getNodeHistory('dev-contoso-001'));
    expect(history.filter((h) => h.locUri === MSI).map((h) => `${h.status} ${h.code}`)).toEqual(['applied 202', 'failed 1603', 'applied 202']);
    // Accepted again (202), failed again: now it waits for the backoff.
    expect(installs(await device.runSession())).toEqual([]);
    expect((await document(fleet, 'dev-contoso-001'))['configStatus'] as Record<string, unknown>).toMatchObject({
      [MSI]: { status: 'failed', code: 1603, meaning: 'installer: fatal error during installation', tries: 2, retryAt: new Date(clock + BACKOFF).toISOString() },
    });
    later(BACKOFF);
    expect(installs(await device.runSession())).toEqual(['Add', 'Exec']);
    await device.runSession();
    expect((await nodes(fleet, 'dev-contoso-001'))[MSI]).toMatchObject({ status: 'quarantined', code: 1603 });
    later(24 * 3600_000);
    expect(installs(await device.runSession())).toEqual([]);
  });
});

describe('large objects and what the device says it takes', () => {
  const firstMessage = (winId: string, meta: string): string =>
    windowsFirstMessage(winId, 'lo-1').replace('</Source>\n  </SyncHdr>', `</Source>\n    <Meta>${meta}</Meta>\n  </SyncHdr>`);

  test('a chunk follows only an accepted one: without its Status, the rest of the object is not sent', async () => {
    fleet = await startFleet();
    const device = await fleet.device('DEMO-LAPTOP-001');
    const first = await device.sendRaw(firstMessage('DEMO-LAPTOP-001', '<MaxMsgSize xmlns="syncml:metinf">3072</MaxMsgSize>'));
    const answer = parseMessage(first.body);
    const chunk = answer.body.find((c) => c.kind === 'Add' && c.items[0]?.moreData === true);
    expect(chunk?.kind === 'Add' && chunk.items[0]?.target?.locURI).toBe(INGESTION);
    expect(answer.final).toBe(false);
    // The device answers every command but the chunk, and asks for the next message.
    const statuses: Command[] = answer.body
      .filter((c) => c.kind !== 'Status' && c !== chunk)
      .map((c) => ({ kind: 'Status', cmdId: 0, msgRef: answer.header.msgId, cmdRef: c.cmdId, cmd: c.kind, targetRefs: [], sourceRefs: [], data: '200', items: [] }));
    const reply = serializeMessage({
      header: { ...answer.header, msgId: 2, target: answer.header.source, source: answer.header.target },
      body: renumberCommands(
        [
          { kind: 'Status', cmdId: 0, msgRef: answer.header.msgId, cmdRef: 0, cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] },
          ...statuses,
          { kind: 'Alert', cmdId: 0, data: '1222', items: [] },
        ],
        1,
      ),
      final: true,
    });
    const second = parseMessage((await device.sendRaw(reply)).body);
    expect(second.body.some((c) => 'items' in c && c.items.some((i) => i.target?.locURI === INGESTION))).toBe(false);
    expect((await nodes(fleet, 'dev-contoso-001'))[INGESTION]).toMatchObject({ status: 'pending' });
  });

  test('a value larger than the MaxObjSize the device announced is not sent', async () => {
    fleet = await startFleet();
    const device = await fleet.device('DEMO-LAPTOP-001');
    const answer = parseMessage((await device.sendRaw(firstMessage('DEMO-LAPTOP-001', '<MaxObjSize xmlns="syncml:metinf">4096</MaxObjSize>'))).body);
    const targets = answer.body.flatMap((c) => ('items' in c ? c.items.map((i) => i.target?.locURI) : []));
    expect(targets).not.toContain(INGESTION);
    expect(targets).toContain(`${P}DeviceLock/MinDevicePasswordLength`);
  });
});
