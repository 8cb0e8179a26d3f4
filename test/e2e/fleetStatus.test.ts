import { afterEach, describe, expect, test } from 'vitest';
import { DeviceModel } from '@winmdm/device-sim';
import { P, received, startFleet, type Fleet } from '../support/fleet.js';
import { dropSubjectSchema, storeSubjects, subjectStore } from '../support/storeSubjects.js';

/**
 * Fleet-wide status and actions against real check-ins, on both stores: where a policy stands
 * across the organization's devices (from the aggregate the node writes keep), a resend of its
 * quarantined settings, and an inventory request.
 */
const REALTIME = `${P}Defender/AllowRealtimeMonitoring`;
const LENGTH = `${P}DeviceLock/MinDevicePasswordLength`;
const MINUTE = 60_000;

type Status = {
  totals: Record<string, number>;
  settings: { locUri: string; counts: Record<string, number>; codes: { status: string; code: number; meaning: string; count: number }[] }[];
  devices: Record<string, { deviceIds: string[]; nextCursor: string | null }>;
};

for (const subject of storeSubjects()) {
  describe.skipIf(subject.skip)(`fleet status (${subject.name})`, () => {
    let fleet: Fleet | undefined;
    afterEach(async () => {
      await fleet?.close();
      fleet = undefined;
      await dropSubjectSchema(subject);
    });

    test('counts and devices per state from real check-ins; a resend lifts a quarantine; a refresh asks for inventory', async () => {
      let clock = Date.parse('2026-12-01T08:00:00.000Z');
      fleet = await startFleet({ now: () => new Date(clock), aggregateCompactionMs: 50, ...subjectStore(subject) });
      const f = fleet;
      const status = async (query = ''): Promise<Status> => {
        const { status: code, json } = await f.api('GET', `/mdm/windows/policies/pol-contoso-baseline/status${query}`);
        expect(code).toBe(200);
        return json['data'] as Status;
      };
      // The desktop's Defender refuses the setting three times; the loaner's password length fails once.
      const desktop = await f.device('DEMO-DESKTOP-002', { deviceModel: new DeviceModel({ failures: [{ match: REALTIME, code: 405, times: 3 }] }) });
      const loaner = await f.device('DEMO-LAPTOP-003', { deviceModel: new DeviceModel({ failures: [{ match: LENGTH, code: 500, times: 1 }] }) });
      const laptop = await f.device('DEMO-LAPTOP-001');
      for (const d of [desktop, loaner, laptop]) await d.runSession();

      const first = await status();
      const realtime = first.settings.find((s) => s.locUri === REALTIME);
      expect(realtime?.counts).toMatchObject({ applied: 2, failed: 1 });
      expect(realtime?.codes).toEqual([{ status: 'failed', code: 405, meaning: 'not allowed (read-only node?)', count: 1 }]);
      expect(first.devices['failed']?.deviceIds).toEqual(['dev-contoso-002', 'dev-contoso-003']);

      // The loaner heals at its next session; the desktop fails twice more: quarantined.
      await loaner.runSession();
      await desktop.runSession();
      clock += 5 * MINUTE;
      await desktop.runSession();
      const second = await status();
      expect(second.devices['failed']?.deviceIds).toEqual([]);
      expect(second.devices['quarantined']?.deviceIds).toEqual(['dev-contoso-002']);
      expect(second.settings.find((s) => s.locUri === REALTIME)?.codes).toEqual([{ status: 'quarantined', code: 405, meaning: 'not allowed (read-only node?)', count: 1 }]);
      expect(second.totals['quarantined']).toBe(1);
      // Held back: the next sessions send nothing.
      expect(received(await desktop.runSession(), 'Replace')).toEqual([]);

      // The admin resends the quarantined settings; the desktop gets it at its next check-in.
      const resend = await f.api('POST', '/mdm/windows/policies/pol-contoso-baseline/resend', { status: ['quarantined'] });
      expect(resend.json['data']).toEqual({ policyId: 'pol-contoso-baseline', status: ['quarantined'], nodes: 1, devices: 1 });
      expect((await status()).devices['pending']?.deviceIds).toEqual(['dev-contoso-002']);
      expect(received(await desktop.runSession(), 'Replace')).toEqual([REALTIME]);
      const healed = await status();
      expect(healed.totals).toMatchObject({ quarantined: 0, pending: 0, failed: 0 });
      expect(healed.settings.find((s) => s.locUri === REALTIME)?.counts).toMatchObject({ applied: 3 });

      // The metrics read the same aggregate.
      const metrics = await f.server.metrics.text();
      expect(metrics).toMatch(/^winmdm_nodes\{state="quarantined"\} 0$/m);
      expect(Number(/^winmdm_nodes\{state="applied"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(18);

      // An inventory on request.
      expect((await f.api('POST', '/mdm/windows/devices/dev-contoso-001/refresh', { refreshInfoNeeded: ['hardware'] })).status).toBe(200);
      expect(received(await laptop.runSession(), 'Get')).toContain('./DevDetail/SwV');
      expect(((await f.api('GET', '/mdm/windows/devices/dev-contoso-001')).json['data'] as Record<string, unknown>)['refreshInfoNeeded']).toEqual([]);
    });
  });
}
