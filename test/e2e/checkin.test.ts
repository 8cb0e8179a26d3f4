import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceModel, DeviceSimulator } from '@winmdm/device-sim';
import { LocalCa } from '@winmdm/server';
import { commandsOf, P, received, startFleet, windowsFirstMessage, type Fleet } from '../support/fleet.js';

/** The baseline every Contoso device gets (fixtures/demo/bundle.json, pol-contoso-baseline). */
const BASELINE = {
  [`${P}Security/RequireDeviceEncryption`]: '1',
  [`${P}DeviceLock/DevicePasswordEnabled`]: '0',
  [`${P}DeviceLock/MinDevicePasswordLength`]: '8',
  [`${P}Update/AllowAutoUpdate`]: '1',
  [`${P}Defender/AllowRealtimeMonitoring`]: '1',
  './Device/Vendor/MSFT/Personalization/DesktopImageUrl': 'https://cdn.contoso.example/wallpaper/default.jpg',
};

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet();
});
afterAll(async () => {
  await fleet.close();
});

async function deviceDoc(id: string): Promise<Record<string, unknown>> {
  const { status, json } = await fleet.api('GET', `/mdm/windows/devices/${id}`);
  expect(status).toBe(200);
  return json['data'] as Record<string, unknown>;
}

describe('a Windows device checking in over mutual TLS', () => {
  test('the first check-in receives the effective policy; after success the next session is empty', async () => {
    const device = await fleet.device('DEMO-LAPTOP-003');
    const first = await device.runSession();
    expect(first.ended).toBe('server-done');
    expect(received(first, 'Replace')).toEqual(Object.keys(BASELINE).sort());
    // The device now holds exactly the effective config.
    for (const [uri, value] of Object.entries(BASELINE)) expect(device.model.get(uri)).toBe(value);
    // Inventory was collected in the same session.
    expect(received(first, 'Get').length).toBeGreaterThan(0);

    const doc = await deviceDoc('dev-contoso-003');
    const status = doc['configStatus'] as Record<string, { status: string; value: string; code: number }>;
    for (const [uri, value] of Object.entries(BASELINE)) expect(status[uri]).toMatchObject({ status: 'applied', value, code: 200 });
    expect(doc['configDates']).toHaveProperty('securityPolicy');
    expect(doc['lastStatusReportTime']).toEqual(expect.any(String));
    expect(doc['summary']).toMatchObject({ os: 'Windows', manufacturer: expect.any(String), osVersion: expect.any(String) });
    // The device's own config stays what the API says it is.
    expect(doc['config']).toEqual({});

    const second = await device.runSession();
    expect(commandsOf(second)).toEqual([]);
    expect(second.messages).toBe(1);
  });

  test('a failed command is retried in the next session, and only it', async () => {
    const device = await fleet.device('DEMO-DESKTOP-002', {
      deviceModel: new DeviceModel({ failures: [{ match: /AllowRealtimeMonitoring$/, code: 500, times: 1 }] }),
    });
    await device.runSession();
    const failed = (await deviceDoc('dev-contoso-002'))['configStatus'] as Record<string, { status: string; code: number }>;
    expect(failed[`${P}Defender/AllowRealtimeMonitoring`]).toMatchObject({ status: 'failed', code: 500 });

    const retry = await device.runSession();
    expect(commandsOf(retry).map((c) => `${c.kind} ${c.locUri}`)).toEqual([`Replace ${P}Defender/AllowRealtimeMonitoring`]);
    const healed = (await deviceDoc('dev-contoso-002'))['configStatus'] as Record<string, { status: string }>;
    expect(healed[`${P}Defender/AllowRealtimeMonitoring`]?.status).toBe('applied');
    expect(commandsOf(await device.runSession())).toEqual([]);
  });

  test('a Replace answered 404 is retried as Add in the same session', async () => {
    const device = await fleet.device('DEMO-LAPTOP-001', {
      deviceModel: new DeviceModel({ addOnlyPrefixes: ['./Device/Vendor/MSFT/Personalization/'] }),
    });
    const session = await device.runSession();
    const desktop = commandsOf(session).filter((c) => c.locUri === './Device/Vendor/MSFT/Personalization/DesktopImageUrl');
    expect(desktop.map((c) => c.kind)).toEqual(['Replace', 'Add']);
    expect(device.model.get('./Device/Vendor/MSFT/Personalization/DesktopImageUrl')).toBe('https://cdn.contoso.example/wallpaper/sales.jpg');
    expect(commandsOf(await device.runSession())).toEqual([]);
  });

  test('an MSI application is installed, and its install result (Alert 1224) is recorded', async () => {
    // A fleet of its own: Alice's laptop must be new to the server.
    const own = await startFleet();
    try {
      const device = await own.device('DEMO-LAPTOP-001');
      const first = await device.runSession();
      const install = commandsOf(first).filter((c) => c.kind !== 'Get' && c.locUri?.includes('/EnterpriseDesktopAppManagement/MSI/'));
      expect(install.map((c) => c.kind)).toEqual(['Add', 'Exec']);
      // The device reports the result of the install at the start of its next session.
      await device.runSession();
      const doc = (await own.api('GET', '/mdm/windows/devices/dev-contoso-001')).json['data'] as Record<string, unknown>;
      expect(doc['applicationStatus']).toEqual({
        '{6E3C4B1A-2F5D-4A8E-9B7C-1D2E3F4A5B6C}': expect.objectContaining({ status: 'installed', code: 0 }),
      });
      expect(doc['configDates']).toHaveProperty('applications');
      const status = doc['configStatus'] as Record<string, { value: string; status: string }>;
      const node = Object.entries(status).find(([uri]) => uri.includes('/MSI/'))?.[1];
      expect(node).toMatchObject({ status: 'applied', value: expect.stringContaining('3.2.1.1024') });
    } finally {
      await own.close();
    }
  });

  test('a changed policy yields only the difference', async () => {
    const device = await fleet.device('DEMO-LAPTOP-003');
    await device.runSession();
    expect(commandsOf(await device.runSession())).toEqual([]);
    const baseline = (await fleet.api('GET', '/mdm/windows/policies/pol-contoso-baseline')).json['data'] as { config: Record<string, unknown> };
    const config: Record<string, unknown> = { ...baseline.config, [`${P}Update/AllowAutoUpdate`]: 4 };
    delete config[`${P}DeviceLock/DevicePasswordEnabled`];
    expect((await fleet.api('PUT', '/mdm/windows/policies/pol-contoso-baseline', { ...baseline, config })).status).toBe(200);

    const diff = await device.runSession();
    expect(commandsOf(diff).map((c) => `${c.kind} ${c.locUri}`).sort()).toEqual([
      `Delete ${P}DeviceLock/DevicePasswordEnabled`,
      `Replace ${P}Update/AllowAutoUpdate`,
    ]);
    expect(device.model.get(`${P}Update/AllowAutoUpdate`)).toBe('4');
    expect(device.model.has(`${P}DeviceLock/DevicePasswordEnabled`)).toBe(false);
    const status = (await deviceDoc('dev-contoso-003'))['configStatus'] as Record<string, unknown>;
    expect(status).not.toHaveProperty(`${P}DeviceLock/DevicePasswordEnabled`);
  });

  test('a retried message gets the byte-identical answer and changes nothing twice', async () => {
    const device = await fleet.device('DEMO-LAPTOP-003');
    await device.runSession();
    const body = windowsFirstMessage('DEMO-LAPTOP-003', '99');
    const a = await device.sendRaw(body);
    const between = await fleet.store.transaction((tx) => tx.getDevice('dev-contoso-003'));
    const b = await device.sendRaw(body);
    const after = await fleet.store.transaction((tx) => tx.getDevice('dev-contoso-003'));
    expect(a.status).toBe(200);
    expect(b.body).toBe(a.body);
    expect(after).toEqual(between);
    const nodes = await fleet.store.transaction((tx) => tx.getNodeStates('dev-contoso-003'));
    expect(nodes.every((n) => n.status === 'applied')).toBe(true);
  });

  test('unenrollment is recorded, stops commands and revokes the certificate', async () => {
    const device = await fleet.device('FAB-PC-101');
    const session = await device.runSession({ unenroll: true });
    expect(commandsOf(session)).toEqual([]);
    const doc = await fleet.api('GET', '/mdm/windows/devices/dev-fabrikam-101', undefined, 'demo-fabrikam-admin-token');
    const data = doc.json['data'] as { state: string; stateHistory: { state: string; config?: { reason?: string } }[] };
    expect(data.state).toBe('UNENROLLED');
    expect(data.stateHistory.at(-1)).toMatchObject({ state: 'UNENROLLED', config: { reason: 'user-request' } });
    // A policy change afterwards reaches nobody: the certificate no longer identifies a device.
    await fleet.api('PATCH', '/mdm/windows/devices/dev-fabrikam-101', { tags: ['lobby'] }, 'demo-fabrikam-admin-token');
    await expect(device.runSession()).rejects.toMatchObject({ code: 'ERR_SIM_HTTP', status: 401 });
    expect(await fleet.store.transaction((tx) => tx.deleteDeviceCerts('dev-fabrikam-101'))).toBe(0);
  });
});

describe('device identity', () => {
  test('a client without a certificate gets 401, a challenge naming mutual TLS, and no policy', async () => {
    const anonymous = new DeviceSimulator({ url: fleet.server.mdmUrl, winId: 'DEMO-LAPTOP-001', tls: { ca: fleet.server.ca!.certPem } });
    try {
      await expect(anonymous.runSession()).rejects.toMatchObject({ code: 'ERR_SIM_HTTP', status: 401, refusal: 'no-client-certificate' });
      const answer = await anonymous.sendRaw(windowsFirstMessage('DEMO-LAPTOP-001'));
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('MutualTLS realm="winmdm-devices"');
      expect(answer.body).not.toContain('<Replace>');
    } finally {
      await anonymous.close();
    }
  });

  test('a certificate of one device naming another device in its SyncHdr gets 403', async () => {
    const impostor = await fleet.device('DEMO-LAPTOP-001');
    const body = windowsFirstMessage('DEMO-DESKTOP-002');
    const answer = await impostor.sendRaw(body);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/<CmdRef>0<\/CmdRef><Cmd>SyncHdr<\/Cmd>.*<Data>403<\/Data><\/Status><Final\/>/);
    expect(answer.body).not.toContain('<Replace>');
  });

  test('a certificate from another CA is refused', async () => {
    const rogue = LocalCa.open(mkdtempSync(join(tmpdir(), 'rogue-ca-'))).issue('client', 'DEMO-LAPTOP-001');
    const sim = new DeviceSimulator({
      url: fleet.server.mdmUrl,
      winId: 'DEMO-LAPTOP-001',
      tls: { cert: rogue.certPem, key: rogue.keyPem, ca: fleet.server.ca!.certPem },
    });
    try {
      await expect(sim.runSession()).rejects.toMatchObject({ code: 'ERR_SIM_HTTP', status: 401, refusal: 'certificate-not-trusted' });
      expect((await sim.sendRaw(windowsFirstMessage('DEMO-LAPTOP-001'))).headers['www-authenticate']).toBe('MutualTLS realm="winmdm-devices"');
    } finally {
      await sim.close();
    }
  });
});
