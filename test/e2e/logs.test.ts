import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceModel } from '@winmdm/device-sim';
import { capturedLog } from '../support/capturedLog.js';
import { commandsOf, P, startFleet, type Fleet } from '../support/fleet.js';

/**
 * What an operator reads at the default level: one line per device session and one per change made
 * through the API, and nothing per message or per read.
 */
const { logger, lines } = capturedLog('info');
let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ logger });
});
afterAll(async () => {
  await fleet.close();
});

function since(mark: number, msg: string): Record<string, unknown>[] {
  return lines.slice(mark).filter((l) => l['msg'] === msg);
}

describe('at info level', () => {
  test('a device session is one line: device, session, messages, commands sent, statuses by class, duration', async () => {
    const device = await fleet.device('DEMO-LAPTOP-003', {
      deviceModel: new DeviceModel({ devId: 'DEMO-LAPTOP-003', failures: [{ match: /AllowRealtimeMonitoring$/, code: 500, times: 1 }] }),
    });
    const mark = lines.length;
    const summary = await device.runSession();
    const sent = commandsOf(summary).length;
    expect(sent).toBeGreaterThan(2);
    // What the device answered, by class (the inventory has nodes it does not have: 404).
    const classes: Record<string, number> = {};
    for (const status of summary.sent.flatMap((m) => m.statuses).filter((st) => st.cmdRef !== 0)) {
      const c = `${String(status.code)[0]}xx`;
      classes[c] = (classes[c] ?? 0) + 1;
    }
    expect(classes['5xx']).toBe(1);
    await expect.poll(() => since(mark, 'device session').length).toBe(1);
    expect(lines.slice(mark).filter((l) => Number(l['level']) <= 30 && l['msg'] !== 'device session')).toEqual([]);
    expect(since(mark, 'device session')[0]).toMatchObject({
      level: 30,
      component: 'device-endpoint',
      deviceId: 'dev-contoso-003',
      winId: 'DEMO-LAPTOP-003',
      sessionId: summary.sessionId,
      messages: summary.messages,
      commands: sent,
      statuses: classes,
      durationMs: expect.any(Number),
    });

    // A converged device's check-in is one line too, with nothing sent.
    const quiet = lines.length;
    await device.runSession();
    await device.runSession();
    expect(since(quiet, 'device session').map((l) => [l['commands'], l['statuses']])).toEqual([
      [1, { '2xx': 1 }],
      [0, {}],
    ]);
    expect(device.model.get(`${P}Defender/AllowRealtimeMonitoring`)).toBe('1');
  });

  test('a change through the API is one line naming the route, the id, the organization and the token; a read is none', async () => {
    const mark = lines.length;
    expect((await fleet.api('GET', '/mdm/windows/devices/dev-contoso-002')).status).toBe(200);
    expect((await fleet.api('PATCH', '/mdm/windows/devices/dev-contoso-002', { tags: ['engineering', 'lab'] })).status).toBe(200);
    expect((await fleet.api('PATCH', '/mdm/windows/devices/nope', { tags: [] })).status).toBe(404);
    const writes = since(mark, 'api write');
    expect(writes).toEqual([
      expect.objectContaining({
        level: 30,
        method: 'PATCH',
        route: '/mdm/windows/devices/{id}',
        id: 'dev-contoso-002',
        organizationId: 'org-contoso',
        durationMs: expect.any(Number),
      }),
    ]);
    expect(writes[0]).toHaveProperty('token');
  });
});
