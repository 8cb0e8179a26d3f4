import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NodeStateRow } from '../src/store/Store.js';
import { PolicyStatusSchema } from '../src/api/deliveryRoutes.js';
import { api, expectError, startDemoServer, tokens } from './support/server.js';

let ctx: Awaited<ReturnType<typeof startDemoServer>>;
beforeAll(async () => {
  ctx = await startDemoServer();
});
afterAll(async () => {
  await ctx.close();
});


const P = './Device/Vendor/MSFT/Policy/Config/';
const LENGTH = `${P}DeviceLock/MinDevicePasswordLength`;
const CAMERA = `${P}Camera/AllowCamera`;
const POLICY = 'pol-contoso-baseline';

const node = (locUri: string, patch: Partial<NodeStateRow>): NodeStateRow => ({
  locUri,
  kind: 'csp',
  value: '8',
  status: 'applied',
  code: 200,
  lastCommand: 'Replace',
  sessionId: '1',
  updatedAt: '2026-11-02T10:00:00.000Z',
  actual: null,
  tries: 0,
  retryAt: null,
  checkedAt: null,
  policyId: POLICY,
  ...patch,
});

async function status(query = ''): Promise<ReturnType<typeof PolicyStatusSchema.parse>> {
  const result = await api(ctx.server, 'GET', `/mdm/windows/policies/${POLICY}/status${query}`, tokens.contosoAdmin);
  expect(result.status).toBe(200);
  return PolicyStatusSchema.parse(result.json['data']);
}

describe('the fleet status of a policy, its resend, and a device refresh', () => {
  beforeAll(async () => {
    await ctx.store.transaction(async (tx) => {
      await tx.upsertNodeStates('dev-contoso-001', [node(LENGTH, {}), node(CAMERA, { status: 'failed', code: 500, tries: 1 })]);
      await tx.upsertNodeStates('dev-contoso-002', [node(LENGTH, { status: 'quarantined', code: 405, tries: 3 }), node(CAMERA, { status: 'failed', code: 404 })]);
      await tx.upsertNodeStates('dev-contoso-003', [node(LENGTH, { status: 'drifted', actual: '4' }), node(CAMERA, { status: 'verified' })]);
      for (const id of ['dev-contoso-001', 'dev-contoso-002', 'dev-contoso-003']) await tx.updateDeviceReport(id, {}, 'converged');
    });
  });

  test('per-setting counts with the codes and their meaning, and the devices in each state an admin acts on', async () => {
    const data = await status();
    expect(data.totals).toMatchObject({ applied: 1, verified: 1, failed: 2, quarantined: 1, drifted: 1, pending: 0 });
    expect(data.settings).toEqual([
      {
        locUri: CAMERA,
        counts: expect.objectContaining({ failed: 2, verified: 1 }),
        codes: [
          { status: 'failed', code: 404, meaning: 'node not found', count: 1 },
          { status: 'failed', code: 500, meaning: 'command failed', count: 1 },
        ],
      },
      {
        locUri: LENGTH,
        counts: expect.objectContaining({ applied: 1, drifted: 1, quarantined: 1 }),
        codes: [{ status: 'quarantined', code: 405, meaning: 'not allowed (read-only node?)', count: 1 }],
      },
    ]);
    expect(data.devices).toMatchObject({
      failed: { deviceIds: ['dev-contoso-001', 'dev-contoso-002'], nextCursor: null },
      quarantined: { deviceIds: ['dev-contoso-002'], nextCursor: null },
      drifted: { deviceIds: ['dev-contoso-003'], nextCursor: null },
      pending: { deviceIds: [], nextCursor: null },
    });
  });

  test('device ids come a page at a time, per state and per setting', async () => {
    const first = await status('?status=failed&limit=1');
    expect(Object.keys(first.devices)).toEqual(['failed']);
    expect(first.devices.failed?.deviceIds).toEqual(['dev-contoso-001']);
    const cursor = first.devices.failed?.nextCursor ?? '';
    expect(cursor).not.toBe('');
    expect((await status(`?status=failed&limit=1&cursor=${cursor}`)).devices.failed).toEqual({ deviceIds: ['dev-contoso-002'], nextCursor: null });
    const one = await status(`?locUri=${encodeURIComponent(LENGTH)}`);
    expect(one.settings.map((s) => s.locUri)).toEqual([LENGTH]);
    expect(one.devices.failed?.deviceIds).toEqual([]);
    expectError(await api(ctx.server, 'GET', `/mdm/windows/policies/${POLICY}/status?cursor=${cursor}`, tokens.contosoAdmin), 400, 4000, expect.stringContaining('cursor: A cursor pages one status: give status too'));
    expectError(await api(ctx.server, 'GET', `/mdm/windows/policies/${POLICY}/status`, tokens.contosoReadOnly), 403, 4003, expect.stringContaining('mdm.windows.policy.read'));
  });

  test('resend: those settings become pending on those devices, which leave the fast path', async () => {
    const result = await api(ctx.server, 'POST', `/mdm/windows/policies/${POLICY}/resend`, tokens.contosoAdmin, { status: ['quarantined', 'drifted'] });
    expect(result.status).toBe(200);
    expect(result.json['data']).toEqual({ policyId: POLICY, status: ['quarantined', 'drifted'], nodes: 2, devices: 2 });
    const data = await status();
    expect(data.totals).toMatchObject({ quarantined: 0, drifted: 0, pending: 2, failed: 2 });
    expect(data.devices.pending?.deviceIds).toEqual(['dev-contoso-002', 'dev-contoso-003']);
    const rows = await ctx.store.transaction(async (tx) => ({ d2: await tx.getDevice('dev-contoso-002'), d1: await tx.getDevice('dev-contoso-001'), n: await tx.getNodeStates('dev-contoso-002') }));
    expect(rows.d2?.convergedFingerprint).toBeNull();
    expect(rows.d1?.convergedFingerprint).toBe('converged');
    expect(rows.n.find((n) => n.locUri === LENGTH)).toMatchObject({ status: 'pending', tries: 0, code: null });
  });

  test('resend and status refuse what they cannot do, and another organization\'s policy is not found', async () => {
    const bad = await api(ctx.server, 'POST', `/mdm/windows/policies/${POLICY}/resend`, tokens.contosoAdmin, { status: ['applied'] });
    expectError(bad, 400, 4000, expect.stringContaining('status.0'));
    expectError(await api(ctx.server, 'POST', `/mdm/windows/policies/${POLICY}/resend`, tokens.contosoAdmin, { status: [] }), 400, 4000, expect.stringContaining('status'));
    expectError(await api(ctx.server, 'POST', `/mdm/windows/policies/${POLICY}/resend`, tokens.contosoReadOnly, { status: ['failed'] }), 403, 4003, expect.stringContaining('mdm.windows.policy.update'));
    expectError(await api(ctx.server, 'GET', '/mdm/windows/policies/pol-fabrikam-baseline/status', tokens.contosoAdmin), 404, 3001, 'Entity not found');
    expectError(await api(ctx.server, 'POST', '/mdm/windows/policies/pol-fabrikam-baseline/resend', tokens.contosoAdmin, { status: ['failed'] }), 404, 3001, 'Entity not found');
  });

  test('refresh asks a device for its inventory: outstanding until Results arrive', async () => {
    const result = await api(ctx.server, 'POST', '/mdm/windows/devices/dev-contoso-003/refresh', tokens.contosoAdmin, { refreshInfoNeeded: ['hardware'] });
    expect(result.status).toBe(200);
    expect(result.json['data']).toEqual({ deviceId: 'dev-contoso-003', refreshInfoNeeded: ['hardware'] });
    const doc = await api(ctx.server, 'GET', '/mdm/windows/devices/dev-contoso-003', tokens.contosoReadOnly);
    expect((doc.json['data'] as Record<string, unknown>)['refreshInfoNeeded']).toEqual(['hardware']);
    expectError(await api(ctx.server, 'POST', '/mdm/windows/devices/dev-contoso-003/refresh', tokens.contosoAdmin, { refreshInfoNeeded: ['everything'] }), 400, 4000, expect.stringContaining('refreshInfoNeeded.0'));
    expectError(await api(ctx.server, 'POST', '/mdm/windows/devices/dev-fabrikam-101/refresh', tokens.contosoAdmin, { refreshInfoNeeded: ['hardware'] }), 404, 3001, 'Entity not found');
  });
});
