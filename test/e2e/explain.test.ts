import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceModel } from '@winmdm/device-sim';
import type { Explanation } from '@winmdm/policy';
import { root, runCli } from '../support/cli.js';
import { P, startFleet, type Fleet } from '../support/fleet.js';

/**
 * `winmdm explain` end to end: from a bundle, and from the store of a running server after a
 * simulated device's session in which one setting failed; and the API's explanation is the same model.
 */
let fleet: Fleet;
const scratch = mkdtempSync(join(tmpdir(), 'winmdm-explain-'));

beforeAll(async () => {
  fleet = await startFleet();
  const device = await fleet.device('DEMO-LAPTOP-001', {
    deviceModel: new DeviceModel({ devId: 'DEMO-LAPTOP-001', failures: [{ match: /DevicePasswordExpiration/, code: 405 }] }),
  });
  await device.runSession();
});
afterAll(async () => {
  await fleet.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('winmdm explain', () => {
  test('from a running server\'s store: each setting\'s source, what it beat, and the device\'s status with its history', async () => {
    const db = join(fleet.dir, 'winmdm.db');
    const result = await runCli(['explain', '--db', db, '--device', 'DEMO-LAPTOP-001', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const explanation = JSON.parse(result.stdout) as Explanation;
    const length = explanation.settings.find((s) => s.key === `${P}DeviceLock/MinDevicePasswordLength`);
    expect(length).toMatchObject({
      valueText: '12',
      source: { label: 'assignment p1 "Strict passwords"' },
      beat: [{ valueText: '8', source: { label: 'base "Corporate Security Baseline"' } }],
      status: { status: 'applied', code: 200 },
    });
    expect(length?.status?.history.map((h) => h.status)).toEqual(['applied']);
    const expiration = explanation.settings.find((s) => s.key === `${P}DeviceLock/DevicePasswordExpiration`);
    expect(expiration?.status).toMatchObject({ status: 'failed', code: 405, codeMeaning: 'not allowed (read-only node?)' });
    // The enforced rule names both criteria: the store embeds Alice's user, whose department is Sales.
    expect(explanation.settings.find((s) => s.shortKey === 'Personalization/DesktopImageUrl')?.source.label).toBe(
      'enforced "Sales team apps" by rule "Sales team policies" (tag:sales, user.department:Sales)',
    );

    // The API answers the same model.
    const api = await fleet.api('GET', '/mdm/windows/devices/dev-contoso-001/explanation');
    expect(api.status).toBe(200);
    expect(api.json['data']).toEqual(explanation);

    const table = await runCli(['explain', '--db', db, '--device', 'dev-contoso-001']);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toContain('\u001b[');
    expect(table.stdout).toMatch(/^DeviceLock\/DevicePasswordExpiration +90 +assignment p1 "Strict passwords" +- +failed 405 not allowed \(read-only node\?\)$/m);
    expect(table.stdout).toMatch(/^status: \d+ applied, 1 failed$/m);
  });

  test('from a bundle: the table, and --json for scripts', async () => {
    const result = await runCli(['explain', 'fixtures/demo/bundle.json', '--device', 'DEMO-DESKTOP-002']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^DeviceLock\/MinDevicePasswordLength +12 +assignment p1 "Strict passwords" +6 from assignment p2 "Relaxed updates"; 8 from base "Corporate Security Baseline"$/m);
    expect(result.stdout).toContain('conflicts (4)');
    const json = await runCli(['explain', join(root, 'fixtures/demo/bundle.json'), '--device', 'dev-contoso-002', '--json'], { cwd: scratch });
    expect((JSON.parse(json.stdout) as Explanation).device).toEqual({ id: 'dev-contoso-002', winId: 'DEMO-DESKTOP-002', displayName: "Bob's workstation" });
  });

  test('refuses what it cannot explain, saying why', async () => {
    const unknown = await runCli(['explain', 'fixtures/demo/bundle.json', '--device', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('winmdm explain: the bundle has no device with id or winId "nope"\n');
    const noDb = await runCli(['explain', '--device', 'DEMO-LAPTOP-001', '--data-dir', join(scratch, 'none')]);
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toContain(`no database at ${join(scratch, 'none', 'winmdm.db')}`);
    const usage = await runCli(['explain', 'fixtures/demo/bundle.json']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: winmdm explain');
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, JSON.stringify({ devices: [{ id: 'd', tags: 'x' }], policies: [] }));
    const invalid = await runCli(['explain', bad, '--device', 'd']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('devices[0].tags');
  });
});
