import { afterEach, describe, expect, test } from 'vitest';
import type { DeviceSimulator, SessionSummary } from '@winmdm/device-sim';
import { P, commandsOf, startFleet, type Fleet } from '../support/fleet.js';

/**
 * Drift detection against the simulator: applied settings are read back once per interval,
 * compared by type, found verified, drifted (and remediated unless the policy says report only)
 * or unverifiable (ADMX-backed values answer 404 like Windows; ingestions and installs are never
 * read); a round bounded per session goes on over several sessions; a converged device that is
 * not due stays on the fast path.
 */
let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

const HOUR = 3_600_000;
let clock = Date.parse('2026-12-01T08:00:00.000Z');
const now = (): Date => new Date(clock);

const LENGTH = `${P}DeviceLock/MinDevicePasswordLength`;
const UPDATE = `${P}Update/AllowAutoUpdate`;
const BASELINE = [
  `${P}Security/RequireDeviceEncryption`,
  `${P}DeviceLock/DevicePasswordEnabled`,
  LENGTH,
  UPDATE,
  `${P}Defender/AllowRealtimeMonitoring`,
  './Device/Vendor/MSFT/Personalization/DesktopImageUrl',
].sort();

type Status = { status: string; value: string | null; actual?: string | null; checkedAt?: string };

async function configStatus(f: Fleet, deviceId: string): Promise<Record<string, Status>> {
  const { json } = await f.api('GET', `/mdm/windows/devices/${deviceId}`);
  return (json['data'] as { configStatus: Record<string, Status> }).configStatus;
}

const reads = (s: SessionSummary): string[] => commandsOf(s).filter((c) => c.kind === 'Get' && c.locUri?.includes('/Policy/Config/')).map((c) => c.locUri ?? '').sort();
const readsOf = (s: SessionSummary, prefix: string): string[] => commandsOf(s).filter((c) => c.kind === 'Get' && c.locUri?.startsWith(prefix)).map((c) => c.locUri ?? '').sort();

async function converged(f: Fleet, winId: string): Promise<DeviceSimulator> {
  const device = await f.device(winId);
  await device.runSession();
  return device;
}

describe('drift detection', () => {
  test('verifies, detects, remediates; at most once per interval, a converged device not due stays on the fast path', async () => {
    fleet = await startFleet({ now, verify: { all: true, intervalMs: HOUR } });
    const device = await converged(fleet, 'DEMO-LAPTOP-003');
    // Not due yet: nothing read.
    expect(commandsOf(await device.runSession())).toEqual([]);

    clock += HOUR;
    const round = await device.runSession();
    expect(readsOf(round, './Device/Vendor/MSFT/')).toEqual(BASELINE);
    const verified = await configStatus(fleet, 'dev-contoso-003');
    for (const uri of BASELINE) expect(verified[uri]).toMatchObject({ status: 'verified', checkedAt: new Date(clock).toISOString() });

    // A local administrator lowers the password length; until the next round nobody knows.
    device.model.tamper(LENGTH, '4', 'int');
    clock += HOUR / 2;
    expect(commandsOf(await device.runSession())).toEqual([]);
    clock += HOUR / 2;
    const drift = await device.runSession();
    // Read, found different, sent again in the same session.
    expect(commandsOf(drift).filter((c) => c.locUri === LENGTH).map((c) => c.kind)).toEqual(['Get', 'Replace']);
    expect(device.model.get(LENGTH)).toBe('8');
    expect((await configStatus(fleet, 'dev-contoso-003'))[LENGTH]).toMatchObject({ status: 'applied', value: '8' });
    const history = await fleet.store.transaction((tx) => tx.getNodeHistory('dev-contoso-003'));
    expect(history.filter((h) => h.locUri === LENGTH).map((h) => h.status).slice(-3)).toEqual(['verified', 'drifted', 'applied']);
  });

  test('a policy that says report only keeps the drift with what the device holds; one that opts out is not read', async () => {
    fleet = await startFleet({ now, verify: { all: true, intervalMs: HOUR } });
    const baseline = (await fleet.api('GET', '/mdm/windows/policies/pol-contoso-baseline')).json['data'] as Record<string, unknown>;
    expect((await fleet.api('PUT', '/mdm/windows/policies/pol-contoso-baseline', { ...baseline, driftDetection: { enabled: true, remediate: false } })).status).toBe(200);
    const device = await converged(fleet, 'DEMO-LAPTOP-003');
    device.model.tamper(UPDATE, '0', 'int');
    // Value types are compared as types: an int written back as 08 is still 8.
    device.model.tamper(LENGTH, '08', 'int');
    clock += HOUR;
    const round = await device.runSession();
    expect(commandsOf(round).filter((c) => c.kind !== 'Get')).toEqual([]);
    const status = await configStatus(fleet, 'dev-contoso-003');
    expect(status[UPDATE]).toMatchObject({ status: 'drifted', value: '1', actual: '0' });
    expect(status[LENGTH]).toMatchObject({ status: 'verified' });
    expect(device.model.get(UPDATE)).toBe('0');

    // Opted out: not read back, even with --verify-interval for every policy.
    expect((await fleet.api('PUT', '/mdm/windows/policies/pol-contoso-baseline', { ...baseline, driftDetection: { enabled: false } })).status).toBe(200);
    await device.runSession();
    clock += HOUR;
    expect(reads(await device.runSession())).toEqual([]);
  });

  test('ADMX-backed values answer 404 like Windows: unverifiable, and so are the ADMX ingestion and the MSI install', async () => {
    // Only the sales policy opts in; no server-wide verification.
    fleet = await startFleet({ now, verify: { intervalMs: HOUR } });
    const sales = (await fleet.api('GET', '/mdm/windows/policies/pol-contoso-sales')).json['data'] as Record<string, unknown>;
    expect((await fleet.api('PUT', '/mdm/windows/policies/pol-contoso-sales', { ...sales, driftDetection: { enabled: true } })).status).toBe(200);
    const device = await converged(fleet, 'DEMO-LAPTOP-001');
    clock += HOUR;
    const round = await device.runSession();
    const admxValues = [
      `${P}ContosoCompanyApp~Policy~ParentCategoryArea~Category1/L_PolicyConfigurationMode`,
      `${P}ContosoCompanyApp~Policy~ParentCategoryArea~Category1/L_PolicySipCompression`,
    ];
    // Only the sales policy's readable values are read: its ADMX-backed values and its wallpaper.
    expect(readsOf(round, './Device/Vendor/MSFT/')).toEqual([...admxValues, './Device/Vendor/MSFT/Personalization/DesktopImageUrl'].sort());
    const status = await configStatus(fleet, 'dev-contoso-001');
    for (const uri of admxValues) expect(status[uri]).toMatchObject({ status: 'unverifiable' });
    expect(status['./Device/Vendor/MSFT/Personalization/DesktopImageUrl']).toMatchObject({ status: 'verified' });
    expect(status['./Device/Vendor/MSFT/Policy/ConfigOperations/ADMXInstall/ContosoCompanyApp/Policy/admx-contoso-company-app']).toMatchObject({ status: 'unverifiable' });
    expect(Object.entries(status).find(([uri]) => uri.includes('/MSI/'))?.[1]).toMatchObject({ status: 'unverifiable' });
    // The baseline's values are not in scope.
    expect(status[LENGTH]).toMatchObject({ status: 'applied' });
  });

  test('a round is bounded per session and goes on over the next sessions until every node was read once', async () => {
    fleet = await startFleet({ now, verify: { all: true, intervalMs: HOUR, maxGets: 4 } });
    const device = await converged(fleet, 'DEMO-LAPTOP-003');
    clock += HOUR;
    const first = readsOf(await device.runSession(), './Device/Vendor/MSFT/');
    const second = readsOf(await device.runSession(), './Device/Vendor/MSFT/');
    expect(first).toHaveLength(4);
    expect(second).toHaveLength(2);
    expect([...first, ...second].sort()).toEqual(BASELINE);
    // Complete: the next session is the fast path again.
    expect(commandsOf(await device.runSession())).toEqual([]);
  });
});
