import { afterEach, describe, expect, test } from 'vitest';
import { DeviceModel } from '@winmdm/device-sim';
import { P, startFleet, type Fleet } from '../support/fleet.js';
import { dropSubjectSchema, storeSubjects, subjectStore } from '../support/storeSubjects.js';

/**
 * `summary.compliance` from real check-ins, on both stores: a device becomes compliant after a
 * session in which it acknowledged everything, is not compliant with the setting and its state as
 * the reason when it refuses one, and reading the device never evaluates it again.
 */
const REALTIME = `${P}Defender/AllowRealtimeMonitoring`;
const MINUTE = 60_000;

type Compliance = { compliant?: boolean; lastCheck?: string; reasons?: unknown[]; reasonCount?: number };

/** A device's `summary.compliance` as the API answers it (reading it is what must not evaluate it). */
async function complianceOf(f: Fleet, id: string): Promise<Compliance | undefined> {
  const { status, json } = await f.api('GET', `/mdm/windows/devices/${id}`);
  expect(status).toBe(200);
  return (json['data'] as { summary?: { compliance?: Compliance } }).summary?.compliance;
}

for (const subject of storeSubjects()) {
  describe.skipIf(subject.skip)(`compliance (${subject.name})`, () => {
    let fleet: Fleet | undefined;
    afterEach(async () => {
      await fleet?.close();
      fleet = undefined;
      await dropSubjectSchema(subject);
    });

    test('evaluated when a session ends: compliant once everything is acknowledged, the refused setting as the reason, never on read', async () => {
      let clock = Date.parse('2026-12-01T08:00:00.000Z');
      const at = (): string => new Date(clock).toISOString();
      fleet = await startFleet({ now: () => new Date(clock), ...subjectStore(subject) });
      const f = fleet;
      const compliance = (id: string): Promise<Compliance | undefined> => complianceOf(f, id);

      // Never checked in: nothing was evaluated, and reading does not evaluate.
      expect(await compliance('dev-contoso-001')).toBeUndefined();

      // Alice's laptop acknowledges everything.
      const laptop = await f.device('DEMO-LAPTOP-001');
      await laptop.runSession();
      const checked = at();
      expect(await compliance('dev-contoso-001')).toEqual({ compliant: true, lastCheck: checked, reasons: [], reasonCount: 0 });

      // Reading the device, the list and the explanation later changes nothing.
      clock += 30 * MINUTE;
      await f.api('GET', '/mdm/windows/devices?limit=10');
      await f.api('GET', '/mdm/windows/devices/dev-contoso-001/explanation');
      expect((await compliance('dev-contoso-001'))?.lastCheck).toBe(checked);
      expect((await compliance('dev-contoso-001'))?.lastCheck).toBe(checked);

      // The desktop refuses Defender's real-time monitoring once: not compliant, and why.
      const desktop = await f.device('DEMO-DESKTOP-002', { deviceModel: new DeviceModel({ failures: [{ match: REALTIME, code: 405, times: 1 }] }) });
      await desktop.runSession();
      const refused = at();
      expect(await compliance('dev-contoso-002')).toEqual({
        compliant: false,
        lastCheck: refused,
        reasons: [{ setting: REALTIME, state: 'failed', code: 405, meaning: 'not allowed (read-only node?)' }],
        reasonCount: 1,
      });
      clock += MINUTE;
      expect((await compliance('dev-contoso-002'))?.lastCheck).toBe(refused);

      // Its next session sends the setting again, the device takes it: compliant.
      await desktop.runSession();
      expect(await compliance('dev-contoso-002')).toEqual({ compliant: true, lastCheck: at(), reasons: [], reasonCount: 0 });

      // A converged device on the fast path: the result stands, checked again at that session's end.
      clock += MINUTE;
      const fastPaths = async (): Promise<number> => Number(/^winmdm_device_messages_total\{outcome="fast_path"\} (\d+)$/m.exec(await f.server.metrics.text())?.[1] ?? 0);
      const fastBefore = await fastPaths();
      expect((await laptop.runSession()).messages).toBe(1);
      expect(await fastPaths()).toBe(fastBefore + 1);
      expect(await compliance('dev-contoso-001')).toEqual({ compliant: true, lastCheck: at(), reasons: [], reasonCount: 0 });
    });

    test('a quarantined setting keeps a converged device not compliant, through the fast path, until it is resent and taken', async () => {
      let clock = Date.parse('2026-12-01T08:00:00.000Z');
      const at = (): string => new Date(clock).toISOString();
      fleet = await startFleet({ now: () => new Date(clock), ...subjectStore(subject) });
      const f = fleet;
      const compliance = (): Promise<Compliance | undefined> => complianceOf(f, 'dev-contoso-002');
      const desktop = await f.device('DEMO-DESKTOP-002', { deviceModel: new DeviceModel({ failures: [{ match: REALTIME, code: 405, times: 3 }] }) });
      await desktop.runSession();
      await desktop.runSession();
      clock += 5 * MINUTE;
      await desktop.runSession();
      const quarantined = { compliant: false, reasons: [{ setting: REALTIME, state: 'quarantined', code: 405, meaning: 'not allowed (read-only node?)' }], reasonCount: 1 };
      expect(await compliance()).toEqual({ ...quarantined, lastCheck: at() });
      // Held back, nothing to send: the fast path keeps the result and checks it again.
      clock += MINUTE;
      await desktop.runSession();
      expect(await compliance()).toEqual({ ...quarantined, lastCheck: at() });
      // A resend does not make the device compliant by itself; the session that delivers it does.
      expect((await f.api('POST', '/mdm/windows/devices/dev-contoso-002/resend', { status: ['quarantined'] })).status).toBe(200);
      const before = at();
      expect(await compliance()).toEqual({ ...quarantined, lastCheck: before });
      clock += MINUTE;
      await desktop.runSession();
      expect(await compliance()).toEqual({ compliant: true, lastCheck: at(), reasons: [], reasonCount: 0 });
    });

    test('a policy change shows at the next session end: a missing application, then a refused removal, are reasons', async () => {
      let clock = Date.parse('2026-12-01T08:00:00.000Z');
      const at = (): string => new Date(clock).toISOString();
      fleet = await startFleet({ now: () => new Date(clock), ...subjectStore(subject) });
      const f = fleet;
      const compliance = (): Promise<Compliance | undefined> => complianceOf(f, 'dev-contoso-003');
      const ENABLED = `${P}DeviceLock/DevicePasswordEnabled`;
      const loaner = await f.device('DEMO-LAPTOP-003', { deviceModel: new DeviceModel({ failures: [{ match: ENABLED, code: 405, commands: ['Delete'] }] }) });
      await loaner.runSession();
      const first = at();
      expect(await compliance()).toEqual({ compliant: true, lastCheck: first, reasons: [], reasonCount: 0 });

      // The baseline drops a setting (the device will refuse the Delete) and wants an application the catalog lacks.
      const baseline = (await f.api('GET', '/mdm/windows/policies/pol-contoso-baseline')).json['data'] as { config: Record<string, unknown>; applications?: unknown[] };
      const config = { ...baseline.config };
      delete config[ENABLED];
      const applications = [...(baseline.applications ?? []), { winApplicationId: 'app-not-in-catalog', action: 'required' }];
      expect((await f.api('PUT', '/mdm/windows/policies/pol-contoso-baseline', { ...baseline, config, applications })).status).toBe(200);
      // Not evaluated by the change: the answer is the last session's, as lastCheck says.
      clock += MINUTE;
      expect(await compliance()).toEqual({ compliant: true, lastCheck: first, reasons: [], reasonCount: 0 });

      await loaner.runSession();
      // While the desired state is incomplete nothing is removed: only the missing application is a reason.
      expect(await compliance()).toEqual({
        compliant: false,
        lastCheck: at(),
        reasons: [{ setting: 'policies.pol-contoso-baseline.applications.app-not-in-catalog', state: 'unresolved', meaning: 'Application "app-not-in-catalog" is not in the application catalog' }],
        reasonCount: 1,
      });

      // Without the application the removal goes out, and the device refuses it.
      expect((await f.api('PUT', '/mdm/windows/policies/pol-contoso-baseline', { ...baseline, config })).status).toBe(200);
      clock += MINUTE;
      await loaner.runSession();
      expect(await compliance()).toEqual({
        compliant: false,
        lastCheck: at(),
        reasons: [{ setting: ENABLED, state: 'not-removable', code: 405, meaning: 'not allowed (read-only node?)' }],
        reasonCount: 1,
      });
    });
  });
}
