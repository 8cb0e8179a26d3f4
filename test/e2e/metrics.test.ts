import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DeviceModel } from '@winmdm/device-sim';
import { startFleet, windowsFirstMessage, type Fleet } from '../support/fleet.js';
import { metric, scrape } from '../support/metrics.js';

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet();
});
afterAll(async () => {
  await fleet.close();
});

describe('GET /metrics after simulated sessions', () => {
  test('the device, command, status, store and API counters moved', async () => {
    const ca = fleet.server.ca?.certPem;
    const before = await scrape(fleet.server.origin, ca);
    expect(metric(before, 'winmdm_device_messages_total')).toBe(0);

    // A first session with one failing setting, then a session that retries it, then the fast path.
    const device = await fleet.device('DEMO-LAPTOP-003', {
      deviceModel: new DeviceModel({ failures: [{ match: /AllowRealtimeMonitoring$/, code: 500, times: 1 }] }),
    });
    const first = await device.runSession();
    expect(first.ended).toBe('server-done');
    await device.runSession();
    const fast = await device.runSession();
    expect(fast.messages).toBe(1);
    // A message answered again from the log, bad input, and a SyncHdr Source that is not the certificate's.
    const retried = windowsFirstMessage('DEMO-LAPTOP-003', '900');
    expect((await device.sendRaw(retried)).status).toBe(200);
    expect((await device.sendRaw(retried)).status).toBe(200);
    expect((await device.sendRaw('<SyncML><nope')).status).toBe(400);
    expect((await device.sendRaw(windowsFirstMessage('DEMO-LAPTOP-001'))).status).toBe(403);
    expect((await fleet.api('GET', '/mdm/windows/devices/dev-contoso-003')).status).toBe(200);

    const after = await scrape(fleet.server.origin, ca);
    const messages = (labels: Record<string, string>): number => metric(after, 'winmdm_device_messages_total', labels);
    expect(messages({ outcome: 'served' })).toBeGreaterThanOrEqual(first.messages + 2);
    // The third session, and the first copy of the raw message (the device has converged by then).
    expect(messages({ outcome: 'fast_path' })).toBe(2);
    expect(messages({ outcome: 'retried' })).toBe(1);
    expect(messages({ outcome: 'bad_input', reason: 'ERR_SYNCML_NOT_XML' })).toBe(1);
    expect(messages({ outcome: 'refused', reason: 'source_mismatch' })).toBe(1);
    expect(metric(after, 'winmdm_device_message_duration_seconds_count')).toBe(metric(after, 'winmdm_device_messages_total'));

    // Six baseline Replaces, the failed one once more, and inventory Gets.
    expect(metric(after, 'winmdm_commands_sent_total', { verb: 'Replace' })).toBe(7);
    expect(metric(after, 'winmdm_commands_sent_total', { verb: 'Get' })).toBeGreaterThan(0);
    expect(metric(after, 'winmdm_statuses_received_total', { code: '500' })).toBe(1);
    expect(metric(after, 'winmdm_statuses_received_total', { code: '200' })).toBeGreaterThanOrEqual(6);

    expect(metric(after, 'winmdm_store_transaction_duration_seconds_count', { result: 'commit' })).toBeGreaterThan(
      metric(before, 'winmdm_store_transaction_duration_seconds_count', { result: 'commit' }),
    );
    expect(metric(after, 'winmdm_api_requests_total', { route: '/mdm/windows/devices/{id}', method: 'GET', status: '200' })).toBe(1);
    expect(metric(after, 'winmdm_api_requests_total', { route: '/ManagementServer/MDM.svc', method: 'POST', status: '200' })).toBeGreaterThan(0);
    // The default Node process metrics are there too.
    expect(metric(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(after.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  test('status codes are bounded labels: the codes Windows uses by number, any other by its class', async () => {
    const before = await scrape(fleet.server.origin, fleet.server.ca?.certPem);
    // Every Replace answered 299 (a 2xx no list names), the first command 9999 (no status code at all).
    const device = await fleet.device('DEMO-LAPTOP-001', {
      deviceModel: new DeviceModel({ successStatus: { Replace: 299 }, failures: [{ match: /./, code: 9999, times: 1 }] }),
    });
    await device.runSession();
    const after = await scrape(fleet.server.origin, fleet.server.ca?.certPem);
    const moved = (code: string): number =>
      metric(after, 'winmdm_statuses_received_total', { code }) - metric(before, 'winmdm_statuses_received_total', { code });
    expect(moved('2xx')).toBeGreaterThan(0);
    expect(moved('invalid')).toBe(1);
    const codes = after.filter((s) => s.name === 'winmdm_statuses_received_total').map((s) => s.labels['code']);
    expect(codes.filter((c) => c === '299' || c === '9999')).toEqual([]);
  });
});
