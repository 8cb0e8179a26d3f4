import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Explanation } from '@winmdm/policy';
import type { NodeStateRow } from '../src/store/Store.js';
import { api, expectError, startDemoServer, tokens } from './support/server.js';

let ctx: Awaited<ReturnType<typeof startDemoServer>>;
beforeAll(async () => {
  ctx = await startDemoServer();
});
afterAll(async () => {
  await ctx.close();
});

const P = './Device/Vendor/MSFT/Policy/Config/';
const NO_STATE_FIELDS = { actual: null, tries: 0, retryAt: null, checkedAt: null, policyId: null };

describe('GET /mdm/windows/devices/{id}/explanation', () => {
  test('explains the effective policy with provenance; statuses come from the node states and their history', async () => {
    await ctx.store.transaction((tx) =>
      tx.upsertNodeStates('dev-contoso-002', [
        { locUri: `${P}DeviceLock/MinDevicePasswordLength`, kind: 'csp', value: '12', status: 'failed', code: 405, lastCommand: 'Replace', sessionId: '1', updatedAt: '2026-11-02T10:00:00.000Z', ...NO_STATE_FIELDS },
        { locUri: `${P}Camera/AllowCamera`, kind: 'csp', value: '0', status: 'applied', code: 200, lastCommand: 'Replace', sessionId: '1', updatedAt: '2026-11-02T10:00:00.000Z', ...NO_STATE_FIELDS },
      ]),
    );
    const result = await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-002/explanation', tokens.contosoReadOnly);
    expect(result.status).toBe(200);
    const data = result.json['data'] as Explanation;
    expect(data.device).toEqual({ id: 'dev-contoso-002', winId: 'DEMO-DESKTOP-002', displayName: "Bob's workstation" });
    expect(data.complete).toBe(true);
    const row = data.settings.find((s) => s.shortKey === 'DeviceLock/MinDevicePasswordLength');
    expect(row).toMatchObject({
      valueText: '12',
      source: { label: 'assignment p1 "Strict passwords"' },
      beat: [{ source: { label: 'assignment p2 "Relaxed updates"' }, valueText: '6' }, { source: { label: 'base "Corporate Security Baseline"' }, valueText: '8' }],
      status: {
        status: 'failed',
        code: 405,
        codeMeaning: 'not allowed (read-only node?)',
        history: [{ status: 'failed', code: 405, value: '12', at: '2026-11-02T10:00:00.000Z' }],
      },
    });
    expect(data.otherNodes.map((n) => n.locUri)).toEqual([`${P}Camera/AllowCamera`]);
    expect(data.layers.map((l) => l.source.layer)).toEqual(['base', 'assignment', 'assignment', 'device']);
  });

  test('another organization\'s device is not found; a token without device.read is refused', async () => {
    expectError(await api(ctx.server, 'GET', '/mdm/windows/devices/dev-fabrikam-101/explanation', tokens.contosoAdmin), 404, 3001, 'Entity not found');
    expectError(await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-001/explanation', undefined), 401, 4002, 'No auth token');
  });
});

describe('GET /mdm/windows/policies', () => {
  test('lists the caller\'s organization\'s policies, and only those', async () => {
    const result = await api(ctx.server, 'GET', '/mdm/windows/policies', tokens.contosoAdmin);
    expect(result.status).toBe(200);
    const ids = (result.json['data'] as { id: string; organizationId: string }[]).map((p) => p.id).sort();
    expect(ids).toEqual(
      ['507f1f77bcf86cd7994390aa', 'pol-contoso-baseline', 'pol-contoso-relaxed-updates', 'pol-contoso-sales', 'pol-contoso-strict-passwords', 'string'].sort(),
    );
    const fabrikam = await api(ctx.server, 'GET', '/mdm/windows/policies', tokens.fabrikamAdmin);
    expect((fabrikam.json['data'] as { id: string }[]).map((p) => p.id).sort()).toEqual(['pol-fabrikam-baseline', 'pol-fabrikam-vip']);
  });

  test('needs mdm.windows.policy.read', async () => {
    expectError(await api(ctx.server, 'GET', '/mdm/windows/policies', tokens.contosoReadOnly), 403, 4003, 'Permission required: mdm.windows.policy.read');
  });
});

describe('GET /mdm/windows/devices?q=', () => {
  test('searches the caller\'s devices by a part of the id, winId, name or a tag, a page at a time', async () => {
    const ids = async (query: string): Promise<{ ids: string[]; nextCursor: unknown }> => {
      const result = await api(ctx.server, 'GET', `/mdm/windows/devices?${query}`, tokens.contosoReadOnly);
      expect(result.status).toBe(200);
      return { ids: (result.json['data'] as { id: string }[]).map((d) => d.id), nextCursor: result.json['nextCursor'] };
    };
    expect(await ids('q=laptop')).toEqual({ ids: ['dev-contoso-001', 'dev-contoso-003'], nextCursor: null });
    const first = await ids('q=laptop&limit=1');
    expect(first.ids).toEqual(['dev-contoso-001']);
    expect(await ids(`q=laptop&limit=1&cursor=${String(first.nextCursor)}`)).toEqual({ ids: ['dev-contoso-003'], nextCursor: null });
    expect((await ids('q=SALES')).ids).toEqual(['dev-contoso-001']);
    // Fabrikam's front desk is another organization's.
    expect((await ids('q=front')).ids).toEqual([]);
    expectError(await api(ctx.server, 'GET', `/mdm/windows/devices?q=${'x'.repeat(201)}`, tokens.contosoReadOnly), 400, 4000, 'Invalid request query: query.q: Too big: expected string to have <=200 characters');
  });
});

describe('POST /mdm/windows/devices/{id}/resend', () => {
  test('makes that device\'s nodes in those states pending again, whatever their policy, and only that device\'s', async () => {
    const row = (locUri: string, status: NodeStateRow['status'], code: number | null, policyId: string | null): NodeStateRow => ({
      locUri, kind: 'csp', value: '1', status, code, lastCommand: 'Replace', sessionId: '1', updatedAt: '2026-11-02T10:00:00.000Z',
      actual: status === 'drifted' ? '0' : null, tries: status === 'quarantined' ? 3 : 1, retryAt: null, checkedAt: null, policyId,
    });
    await ctx.store.transaction(async (tx) => {
      await tx.upsertNodeStates('dev-contoso-003', [
        row(`${P}Camera/AllowCamera`, 'failed', 500, 'pol-contoso-baseline'),
        row(`${P}Update/AllowAutoUpdate`, 'quarantined', 405, 'pol-contoso-relaxed-updates'),
        row(`${P}Security/RequireDeviceEncryption`, 'drifted', 200, 'pol-contoso-baseline'),
        row(`${P}Defender/AllowRealtimeMonitoring`, 'applied', 200, 'pol-contoso-baseline'),
      ]);
      await tx.upsertNodeStates('dev-contoso-001', [row(`${P}Camera/AllowCamera`, 'failed', 500, 'pol-contoso-baseline')]);
      await tx.updateDeviceReport('dev-contoso-003', {}, 'converged');
    });
    const result = await api(ctx.server, 'POST', '/mdm/windows/devices/dev-contoso-003/resend', tokens.contosoAdmin, { status: ['failed', 'quarantined'] });
    expect(result.status).toBe(200);
    expect(result.json['data']).toEqual({ deviceId: 'dev-contoso-003', status: ['failed', 'quarantined'], nodes: 2 });
    const after = await ctx.store.transaction(async (tx) => ({ nodes: await tx.getNodeStates('dev-contoso-003'), other: await tx.getNodeStates('dev-contoso-001'), row: await tx.getDevice('dev-contoso-003') }));
    const byUri = new Map(after.nodes.map((n) => [n.locUri, n]));
    expect(byUri.get(`${P}Camera/AllowCamera`)).toMatchObject({ status: 'pending', code: null, tries: 0 });
    expect(byUri.get(`${P}Update/AllowAutoUpdate`)).toMatchObject({ status: 'pending', code: null, tries: 0 });
    expect(byUri.get(`${P}Security/RequireDeviceEncryption`)?.status).toBe('drifted');
    expect(byUri.get(`${P}Defender/AllowRealtimeMonitoring`)?.status).toBe('applied');
    // The device leaves the fast path, so its next check-in sends them; another device is untouched.
    expect(after.row?.convergedFingerprint).toBeNull();
    expect(after.other.find((n) => n.locUri === `${P}Camera/AllowCamera`)?.status).toBe('failed');
    // The fleet status follows: the aggregate is kept by the same writes.
    const fleet = await api(ctx.server, 'GET', '/mdm/windows/policies/pol-contoso-relaxed-updates/status', tokens.contosoAdmin);
    expect((fleet.json['data'] as { devices: { pending: { deviceIds: string[] } } }).devices.pending.deviceIds).toEqual(['dev-contoso-003']);
  });

  test('refuses what it cannot do', async () => {
    expectError(await api(ctx.server, 'POST', '/mdm/windows/devices/dev-contoso-003/resend', tokens.contosoReadOnly, { status: ['failed'] }), 403, 4003, 'Permission required: mdm.windows.device.update');
    expectError(await api(ctx.server, 'POST', '/mdm/windows/devices/dev-fabrikam-101/resend', tokens.contosoAdmin, { status: ['failed'] }), 404, 3001, 'Entity not found');
    const bad = await api(ctx.server, 'POST', '/mdm/windows/devices/dev-contoso-003/resend', tokens.contosoAdmin, { status: ['applied'] });
    expect(bad.status).toBe(400);
    expect((bad.json['error'] as { code: number }).code).toBe(4000);
  });
});
