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
    fleet = await startFleet();
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

    await device.runSession();
    expect(device.model.get(INGESTION)).toBe(content);
    expect((await nodes(fleet, 'dev-contoso-001'))[INGESTION]).toMatchObject({ status: 'applied' });
  });
});

describe('an inventory whose every Get failed', () => {
  test('keeps the request outstanding, is retried at the next sessions (bounded), and is fulfilled only by Results', async () => {
    let clock = Date.parse('2026-12-01T08:00:00.000Z');
    const bundle = demoBundle();
    const target = bundle.devices.find((d) => d.id === 'dev-contoso-003');
    if (target) target['refreshInfoNeeded'] = ['hardware'];
    fleet = await startFleet({ bundle, now: () => new Date(clock) });
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
    fleet = await startFleet();
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

    // The failed Delete is sent again; the refused one is not asked again.
    const retry = await device.runSession();
    expect(commandsOf(retry).map((c) => `${c.kind} ${c.locUri}`)).toEqual([`Delete ${P}Update/AllowAutoUpdate`]);
    const after = (await document(fleet, 'dev-contoso-003'))['configStatus'] as Record<string, unknown>;
    expect(after).not.toHaveProperty(`${P}Update/AllowAutoUpdate`);
    expect(after[`${P}DeviceLock/DevicePasswordEnabled`]).toMatchObject({ status: 'not-removable' });
    expect(commandsOf(await device.runSession())).toEqual([]);
  });
});

describe('an MSI install', () => {
  test('whose Exec was accepted (202) but whose install failed is failed with the installer\'s code, and installed again', async () => {
    fleet = await startFleet();
    const device = await fleet.device('DEMO-LAPTOP-001', {
      deviceModel: new DeviceModel({ installResults: { '{6E3C4B1A-2F5D-4A8E-9B7C-1D2E3F4A5B6C}': 1603 } }),
    });
    await device.runSession();
    expect((await nodes(fleet, 'dev-contoso-001'))[MSI]).toMatchObject({ status: 'applied', code: 202 });
    // The next session starts with the install report: 1603, a fatal installer error. The server
    // learns it before it plans, and sends the install again.
    const second = await device.runSession();
    expect(commandsOf(second).filter((c) => c.locUri === MSI).map((c) => c.kind)).toEqual(['Add', 'Exec']);
    const doc = await document(fleet, 'dev-contoso-001');
    expect(doc['applicationStatus']).toEqual({ '{6E3C4B1A-2F5D-4A8E-9B7C-1D2E3F4A5B6C}': expect.objectContaining({ status: 'failed', code: 1603 }) });
    // Accepted again (202): applied means "acknowledged", until the next report says otherwise.
    expect((await nodes(fleet, 'dev-contoso-001'))[MSI]).toMatchObject({ status: 'applied', code: 202 });
    const third = await device.runSession();
    expect(commandsOf(third).filter((c) => c.locUri === MSI).map((c) => c.kind)).toEqual(['Add', 'Exec']);
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
