import { afterEach, describe, expect, test } from 'vitest';
import { DEFAULT_INVENTORY, DeviceModel } from '@winmdm/device-sim';
import { commandsOf, startFleet, type Fleet } from '../support/fleet.js';

/**
 * OMA-DM large objects through the real server and the simulator: the server's chunks (MoreData,
 * Meta/Size, the device's 213 and Alert 1222) and the device's own chunked Results.
 */
let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

const INGESTION = './Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/admx-contoso-company-app';

describe('large objects', () => {
  test('an ADMX file larger than the device\'s MaxMsgSize arrives in chunks and is ingested whole', async () => {
    fleet = await startFleet();
    // Alice's laptop gets the sales policy: the Contoso ADMX (6 KB) and its ADMX-backed values.
    const device = await fleet.device('DEMO-LAPTOP-001', { maxMsgSize: 3072 });
    const session = await device.runSession();
    expect(session.ended).toBe('server-done');
    const chunks = session.received.flatMap((m) => m.commands).filter((c) => c.locUri === INGESTION);
    expect(chunks.length).toBeGreaterThan(1);
    // The device asked for the next message after every chunk but the last.
    const continuations = session.sent.filter((m) => m.alerts.some((a) => a.code === 1222));
    expect(continuations.length).toBeGreaterThanOrEqual(chunks.length - 1);
    const ingested = device.model.get(INGESTION);
    expect(ingested).toContain('<policyDefinitions');
    expect(ingested).toContain('L_PolicyGalDownloadInitialDelay_1');
    // And the values of its namespace came after it, and stuck.
    expect(device.model.get('./Device/Vendor/MSFT/Policy/Config/ContosoCompanyApp~Policy~ParentCategoryArea~Category1/L_PolicySipCompression')).toBe(
      '<enabled/><data id="L_PolicySipCompression" value="2"/>',
    );
    const nodes = await fleet.store.transaction((tx) => tx.getNodeStates('dev-contoso-001'));
    expect(nodes.find((n) => n.locUri === INGESTION)).toMatchObject({ status: 'applied', kind: 'admx-install' });
    expect(commandsOf(await device.runSession())).toEqual([]);
  });

  test('a Results value larger than the server\'s MaxMsgSize is sent in chunks and reassembled', async () => {
    // The server accepts (and announces) messages of at most 4 KiB.
    fleet = await startFleet({ maxRequestBytes: 4096 });
    const name = `DESKTOP-${'X'.repeat(9000)}`;
    const device = await fleet.device('DEMO-LAPTOP-003', {
      deviceModel: new DeviceModel({ inventory: { ...DEFAULT_INVENTORY, './DevDetail/Ext/Microsoft/DeviceName': name } }),
    });
    const session = await device.runSession();
    expect(session.ended).toBe('server-done');
    expect(session.sent.some((m) => !m.final)).toBe(true);
    const row = await fleet.store.transaction((tx) => tx.getDevice('dev-contoso-003'));
    expect((row?.report['summary'] as { name?: string }).name).toBe(name);
  });

  test('a MaxMsgSize too small for any command gets a valid answer with no commands, not an error', async () => {
    fleet = await startFleet();
    const device = await fleet.device('DEMO-LAPTOP-003', { maxMsgSize: 300 });
    const session = await device.runSession();
    expect(session.ended).toBe('server-done');
    expect(commandsOf(session)).toEqual([]);
  });
});
