import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqliteStore } from '../src/store/SqliteStore.js';
import { PostgresStore } from '../src/store/PostgresStore.js';
import type { DeviceMessageWrite, JsonObject, NodeStateRow, Store } from '../src/store/Store.js';
import { nodeTransition } from '@winmdm/policy';
import { recordOf } from '../src/device/nodeRows.js';
import { pgAvailable, pgUrl, uniqueSchema } from './support/postgres.js';

interface Subject {
  name: string;
  skip: boolean;
  open(): Store;
  cleanup(store: Store): Promise<void>;
}

const subjects: Subject[] = [
  { name: 'sqlite', skip: false, open: () => SqliteStore.open(':memory:'), cleanup: (s) => s.close() },
  {
    name: 'postgres',
    skip: !pgAvailable,
    open: () => PostgresStore.open({ connectionString: pgUrl, schema: uniqueSchema() }),
    cleanup: async (s) => {
      await (s as PostgresStore).dropSchema();
      await s.close();
    },
  },
];

const node = (locUri: string, patch: Partial<NodeStateRow> = {}): NodeStateRow => ({
  locUri,
  kind: 'csp',
  value: '1',
  status: 'sent',
  code: null,
  lastCommand: 'Replace',
  sessionId: '1',
  updatedAt: '2026-01-01T00:00:00.000Z',
  actual: null,
  tries: 0,
  retryAt: null,
  checkedAt: null,
  policyId: null,
  ...patch,
});

for (const subject of subjects) {
  describe.skipIf(subject.skip)(`store contract: ${subject.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = subject.open();
      await store.migrate();
      await store.migrate(); // idempotent
    });
    afterAll(async () => {
      await subject.cleanup(store);
    });

    test('after migrate, no migration of this code is pending', async () => {
      expect(await store.pendingMigrations()).toBe(0);
    });

    test('devices: insert, revision bumps, optimistic update, report', async () => {
      await store.transaction(async (tx) => {
        expect(await tx.putDevice({ id: 'd1', organizationId: 'o1', winId: 'W1', doc: { displayName: 'a' } })).toBe(1);
        expect(await tx.putDevice({ id: 'd1', organizationId: 'o1', winId: 'W1', doc: { displayName: 'b' } })).toBe(2);
      });
      const d = await store.transaction((tx) => tx.getDeviceByWinId('W1'));
      expect(d).toMatchObject({ id: 'd1', organizationId: 'o1', winId: 'W1', doc: { displayName: 'b' }, revision: 2, report: {} });
      await store.transaction(async (tx) => {
        expect(await tx.updateDeviceDoc('d1', { displayName: 'c' }, 1)).toBeUndefined();
        expect(await tx.updateDeviceDoc('d1', { displayName: 'c' }, 2)).toBe(3);
        await tx.updateDeviceReport('d1', { summary: { name: 'PC' } }, 'fp');
      });
      const after = await store.transaction((tx) => tx.lockDevice('d1'));
      expect(after).toMatchObject({ doc: { displayName: 'c' }, revision: 3, report: { summary: { name: 'PC' } }, convergedFingerprint: 'fp' });
      expect(await store.transaction((tx) => tx.listDevices('o1'))).toHaveLength(1);
      expect(await store.transaction((tx) => tx.getDevice('missing'))).toBeUndefined();
    });

    test('devices are listed in the byte order of their ids, the same on both stores, a page at a time', async () => {
      const ids = ['b', 'a', 'B', 'é', '10', '9', 'a-1'];
      await store.transaction(async (tx) => {
        for (const id of ids) await tx.putDevice({ id: `pg-${id}`, organizationId: 'o-paged', winId: null, doc: {} });
        await tx.putDevice({ id: 'pg-other', organizationId: 'o-elsewhere', winId: null, doc: {} });
      });
      const order = ['pg-10', 'pg-9', 'pg-B', 'pg-a', 'pg-a-1', 'pg-b', 'pg-é'];
      expect((await store.transaction((tx) => tx.listDevices('o-paged'))).map((d) => d.id)).toEqual(order);
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = (await store.transaction((tx) => tx.listDevices('o-paged', { ...(after !== undefined ? { after } : {}), limit: 3 }))).map((d) => d.id);
        if (page.length === 0) break;
        pages.push(page);
        after = page.at(-1);
      }
      expect(pages).toEqual([order.slice(0, 3), order.slice(3, 6), order.slice(6)]);
      expect((await store.transaction((tx) => tx.listDevices('o-paged', { after: 'pg-a' }))).map((d) => d.id)).toEqual(order.slice(4));
    });

    test('a device search matches a part of the id, winId, name or a tag, ASCII case-insensitively, a page at a time', async () => {
      await store.transaction(async (tx) => {
        await tx.putDevice({ id: 's-1', organizationId: 'o-search', winId: 'LAPTOP-ONE', doc: { displayName: 'Front desk', tags: ['kiosk'] } });
        await tx.putDevice({ id: 's-2', organizationId: 'o-search', winId: 'DESKTOP-TWO', doc: { displayName: "Alice's Laptop" } });
        await tx.putDevice({ id: 's-3', organizationId: 'o-search', winId: null, doc: { displayName: 'Spare', tags: ['Loaner', 'laptop-pool'] } });
        await tx.putDevice({ id: 's-4', organizationId: 'o-elsewhere', winId: 'LAPTOP-FOUR', doc: { displayName: 'laptop' } });
      });
      const search = (q: string, page: { after?: string; limit?: number } = {}): Promise<string[]> =>
        store.transaction(async (tx) => (await tx.listDevices('o-search', { ...page, search: q })).map((d) => d.id));
      expect(await search('laptop')).toEqual(['s-1', 's-2', 's-3']);
      expect(await search('laptop', { limit: 2 })).toEqual(['s-1', 's-2']);
      expect(await search('laptop', { after: 's-2' })).toEqual(['s-3']);
      expect(await search('KIOSK')).toEqual(['s-1']);
      expect(await search('s-2')).toEqual(['s-2']);
      expect(await search('front d')).toEqual(['s-1']);
      expect(await search('nothing like it')).toEqual([]);
      // The characters LIKE would read as wildcards are plain text here.
      expect(await search('%')).toEqual([]);
      expect(await search('_')).toEqual([]);
    });

    test('a failed transaction leaves nothing behind', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.putDevice({ id: 'd-rollback', organizationId: 'o1', winId: null, doc: {} });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.transaction((tx) => tx.getDevice('d-rollback'))).toBeUndefined();
    });

    test('concurrent transactions: one that fails rolls back alone, the others commit', async () => {
      const outcomes = await Promise.allSettled(
        [0, 1, 2, 3, 4].map((i) =>
          store.transaction(async (tx) => {
            await tx.putDevice({ id: `group-${i}`, organizationId: 'o-group', winId: null, doc: { i } });
            await new Promise((r) => setTimeout(r, 1));
            if (i === 2) throw new Error(`failing ${i}`);
            return i;
          }),
        ),
      );
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const ids = (await store.transaction((tx) => tx.listDevices('o-group'))).map((d) => d.id);
      expect(ids).toEqual(['group-0', 'group-1', 'group-3', 'group-4']);
    });

    test('documents and policy epochs', async () => {
      await store.transaction(async (tx) => {
        await tx.putDocument('policies', 'p1', 'o1', { id: 'p1', config: { a: '1' } });
        await tx.putDocument('policies', 'p2', 'o1', { id: 'p2' });
        await tx.putDocument('policies', 'p3', 'o2', { id: 'p3' });
      });
      await store.transaction(async (tx) => {
        expect(await tx.getDocument('policies', 'p1')).toEqual({ id: 'p1', config: { a: '1' } });
        expect((await tx.getDocuments('policies', ['p2', 'p1', 'zz', 'p1'])).map((d) => d['id']).sort()).toEqual(['p1', 'p2']);
        expect((await tx.listDocuments('policies', 'o1')).map((d) => d['id'])).toEqual(['p1', 'p2']);
        expect(await tx.getPolicyEpoch('o9')).toBe(0);
        expect(await tx.bumpPolicyEpoch('o9')).toBe(1);
        expect(await tx.bumpPolicyEpoch('o9')).toBe(2);
        expect(await tx.getPolicyEpoch('o9')).toBe(2);
      });
    });

    test('a write that fails fails its transaction, even one nobody waited for, and nothing of it stays', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.upsertNodeStates('d-failing', [node('./ok')]);
          // kind is NOT NULL: the database refuses this row (PostgreSQL only tells after COMMIT is sent).
          await tx.upsertNodeStates('d-failing', [node('./bad', { kind: null as unknown as string })]);
          return 'acknowledged';
        }),
      ).rejects.toThrow(/null|NOT NULL/i);
      expect(await store.transaction((tx) => tx.getNodeStates('d-failing'))).toEqual([]);
    });

    test('shared document reads: one frozen object per stored text, a new one once the text changes', async () => {
      await store.transaction(async (tx) => {
        await tx.putDocument('automation_rules', 'r1', 'o5', { id: 'r1', winPolicyId: 'p1', deviceAudiences: [{ id: 'a', criteria: ['tag:x'] }] });
        await tx.putDocument('automation_rules', 'r2', 'o5', { id: 'r2', winPolicyId: 'p2' });
      });
      const read = () =>
        store.transaction(async (tx) => ({
          listed: await tx.listDocuments('automation_rules', 'o5', { shared: true }),
          got: await tx.getDocuments('automation_rules', ['r2', 'r1'], { shared: true }),
          fresh: await tx.getDocuments('automation_rules', ['r1']),
        }));
      const first = await read();
      const second = await read();
      expect(first.listed.map((d) => d['id'])).toEqual(['r1', 'r2']);
      expect(first.listed[0]).toEqual(first.fresh[0]);
      // The same objects across transactions and across the two reads.
      expect(second.listed[0]).toBe(first.listed[0]);
      expect(first.got.find((d) => d['id'] === 'r1')).toBe(first.listed[0]);
      // Frozen all the way down; plain reads are not shared.
      expect(Object.isFrozen(first.listed[0])).toBe(true);
      expect(Object.isFrozen((first.listed[0]!['deviceAudiences'] as JsonObject[])[0])).toBe(true);
      expect(first.fresh[0]).not.toBe(first.listed[0]);
      expect(Object.isFrozen(first.fresh[0])).toBe(false);

      await store.transaction((tx) => tx.putDocument('automation_rules', 'r1', 'o5', { id: 'r1', winPolicyId: 'p9' }));
      const changed = await read();
      expect(changed.listed[0]).toEqual({ id: 'r1', winPolicyId: 'p9' });
      expect(changed.listed[0]).not.toBe(first.listed[0]);
      expect(changed.listed[1]).toBe(first.listed[1]);
    });

    test('tokens and certificates', async () => {
      await store.transaction(async (tx) => {
        await tx.putApiToken({ tokenSha256: 'h', organizationId: 'o1', permissions: ['a', 'b'], name: 'demo' });
        await tx.putDeviceCert({ thumbprints: ['T256', 'T1'], deviceId: 'd1', createdAt: 'now' });
      });
      await store.transaction(async (tx) => {
        expect(await tx.getApiToken('h')).toEqual({ tokenSha256: 'h', organizationId: 'o1', permissions: ['a', 'b'], name: 'demo' });
        expect(await tx.getApiToken('nope')).toBeUndefined();
        expect(await tx.findDeviceIdByThumbprint('T256')).toBe('d1');
        expect(await tx.findDeviceIdByThumbprint('T1')).toBe('d1');
        expect(await tx.findDeviceIdByThumbprint('T9')).toBeUndefined();
      });
    });

    test('certificate revocation: some thumbprints of a device, or all of them', async () => {
      await store.transaction(async (tx) => {
        await tx.putDeviceCert({ thumbprints: ['R1', 'R2', 'R3'], deviceId: 'rev', createdAt: 'now' });
        await tx.putDeviceCert({ thumbprints: ['O1'], deviceId: 'other', createdAt: 'now' });
        // Another device's thumbprint is not this device's to revoke.
        expect(await tx.deleteDeviceCerts('rev', ['R1', 'O1'])).toBe(1);
        expect(await tx.findDeviceIdByThumbprint('R1')).toBeUndefined();
        expect(await tx.findDeviceIdByThumbprint('O1')).toBe('other');
        expect(await tx.deleteDeviceCerts('rev')).toBe(2);
        expect(await tx.findDeviceIdByThumbprint('R3')).toBeUndefined();
      });
    });

    test('enrollment tokens: counted uses stop at maxUses and at expiry', async () => {
      await store.transaction(async (tx) => {
        const base = { organizationId: 'o1', email: null, uses: 0, createdAt: '2026-01-01T00:00:00.000Z' };
        await tx.putEnrollmentToken({ ...base, id: 'et1', tokenSha256: 'h1', maxUses: 2, expiresAt: '2026-01-02T00:00:00.000Z' });
        await tx.putEnrollmentToken({ ...base, id: 'et2', tokenSha256: 'h2', maxUses: null, expiresAt: '2026-01-02T00:00:00.000Z' });
        expect(await tx.getEnrollmentToken('h1')).toMatchObject({ id: 'et1', maxUses: 2, uses: 0, email: null });
        const t = '2026-01-01T12:00:00.000Z';
        expect([await tx.useEnrollmentToken('et1', t), await tx.useEnrollmentToken('et1', t), await tx.useEnrollmentToken('et1', t)]).toEqual([true, true, false]);
        expect((await tx.getEnrollmentToken('h1'))?.uses).toBe(2);
        expect(await tx.useEnrollmentToken('et2', t)).toBe(true);
        expect(await tx.useEnrollmentToken('et2', '2026-01-02T00:00:00.000Z')).toBe(false);
        expect(await tx.getEnrollmentToken('nope')).toBeUndefined();
      });
    });

    test('device enrollments by HWDevID, and MessageIDs remembered once', async () => {
      await store.transaction(async (tx) => {
        await tx.putDeviceEnrollment({ hwDevId: 'HW', deviceId: 'd-a', organizationId: 'o1', enrolledAt: '1' });
        await tx.putDeviceEnrollment({ hwDevId: 'HW', deviceId: 'd-b', organizationId: 'o1', enrolledAt: '2' });
        expect(await tx.getDeviceEnrollment('HW')).toEqual({ hwDevId: 'HW', deviceId: 'd-b', organizationId: 'o1', enrolledAt: '2' });
        expect(await tx.rememberMessageId('urn:uuid:1', '2026-01-01T00:00:00.000Z', '2025-12-31T00:00:00.000Z')).toBe(true);
        expect(await tx.rememberMessageId('urn:uuid:1', '2026-01-01T00:01:00.000Z', '2025-12-31T00:01:00.000Z')).toBe(false);
        // Forgotten after the window: the same id is new again.
        expect(await tx.rememberMessageId('urn:uuid:1', '2026-01-03T00:00:00.000Z', '2026-01-02T00:00:00.000Z')).toBe(true);
      });
    });

    test('node states keep every field of the vocabulary; unsettled nodes are counted, interrupted ones become pending', async () => {
      const drifted = node('./v/drifted', { status: 'drifted', actual: '0', checkedAt: '2026-01-02T00:00:00.000Z', policyId: 'pol-1' });
      const failed = node('./v/failed', { status: 'failed', code: 500, tries: 2, retryAt: '2026-01-01T00:10:00.000Z' });
      const settled = ['applied', 'verified', 'unverifiable', 'conflict', 'quarantined', 'not-removable'].map((status) =>
        node(`./v/${status}`, { status: status as NodeStateRow['status'] }),
      );
      await store.transaction((tx) => tx.upsertNodeStates('d-vocab', [drifted, failed, node('./v/sent'), node('./v/pending', { status: 'pending' }), ...settled]));
      await store.transaction(async (tx) => {
        const rows = new Map((await tx.getNodeStates('d-vocab')).map((r) => [r.locUri, r]));
        expect(rows.get('./v/drifted')).toEqual(drifted);
        expect(rows.get('./v/failed')).toEqual(failed);
        expect(await tx.countUnsettledNodes('d-vocab')).toBe(4);
        expect(await tx.resendUnacknowledged('d-vocab', '2026-01-03T00:00:00.000Z')).toBe(1);
        expect(await tx.getNodeStates('d-vocab')).toContainEqual(node('./v/sent', { status: 'pending', updatedAt: '2026-01-03T00:00:00.000Z' }));
      });
    });

    test('the fleet-status aggregate follows every node write: counts by policy, setting, status and code; devices by listed status', async () => {
      const A = './agg/A';
      const B = './agg/B';
      const counts = async (): Promise<string[]> =>
        (await store.transaction((tx) => tx.getNodeStatusCounts({ policyId: 'pol-agg' }))).map((c) => `${c.locUri} ${c.status} ${c.code ?? '-'} ${c.count}`);
      const at = (id: string, locUri: string, patch: Partial<NodeStateRow>): NodeStateRow => node(locUri, { policyId: 'pol-agg', ...patch, sessionId: id });
      await store.transaction(async (tx) => {
        await tx.upsertNodeStates('agg-1', [at('1', A, { status: 'applied', code: 200 }), at('1', B, { status: 'failed', code: 500 })]);
        await tx.upsertNodeStates('agg-2', [at('2', A, { status: 'failed', code: 405 }), at('2', B, { status: 'failed', code: 500 })]);
        await tx.upsertNodeStates('agg-3', [at('3', A, { status: 'applied', code: 200 }), at('3', B, { status: 'pending' })]);
        await tx.upsertNodeStates('agg-3', [node('./agg/own', { status: 'applied' })]);
      });
      expect(await counts()).toEqual([`${A} applied - 2`, `${A} failed 405 1`, `${B} failed 500 2`, `${B} pending - 1`]);
      await store.transaction(async (tx) => {
        // A status change moves a node between counts; a change of the policy its value comes from too.
        await tx.upsertNodeStates('agg-2', [at('2', A, { status: 'applied', code: 200 })]);
        await tx.upsertNodeStates('agg-3', [at('3', B, { status: 'applied', code: 200, policyId: 'pol-other' })]);
        await tx.deleteNodeStates('agg-1', [A]);
      });
      expect(await counts()).toEqual([`${A} applied - 2`, `${B} failed 500 2`]);
      expect((await store.transaction((tx) => tx.getNodeStatusCounts())).filter((c) => c.locUri === './agg/own')).toEqual([
        { policyId: null, locUri: './agg/own', status: 'applied', code: null, count: 1 },
      ]);
      expect(await store.transaction((tx) => tx.listNodeStatusDevices('pol-agg', 'failed', { limit: 10 }))).toEqual(['agg-1', 'agg-2']);
      expect(await store.transaction((tx) => tx.listNodeStatusDevices('pol-agg', 'failed', { limit: 1, after: 'agg-1' }))).toEqual(['agg-2']);
      expect(await store.transaction((tx) => tx.listNodeStatusDevices('pol-agg', 'failed', { limit: 10, locUri: A }))).toEqual([]);
      expect(await store.transaction((tx) => tx.listNodeStatusDevices('pol-agg', 'pending', { limit: 10 }))).toEqual([]);
      // Compaction (PostgreSQL) changes no count.
      await store.transaction((tx) => tx.compactNodeStatusCounts());
      expect(await counts()).toEqual([`${A} applied - 2`, `${B} failed 500 2`]);
      const total = await store.transaction((tx) => tx.countNodesByStatus());
      expect(total['failed']).toBeGreaterThanOrEqual(2);
    });

    test('resendNodes is the resend transition in bulk, and takes the devices off the fast path', async () => {
      const R = './resend/R';
      await store.transaction(async (tx) => {
        for (const id of ['rs-1', 'rs-2', 'rs-3']) {
          await tx.putDevice({ id, organizationId: 'o-rs', winId: null, doc: {} });
          await tx.updateDeviceReport(id, {}, 'fp');
        }
        await tx.upsertNodeStates('rs-1', [node(R, { policyId: 'pol-rs', status: 'quarantined', code: 405, tries: 3, lastCommand: 'Replace' })]);
        await tx.upsertNodeStates('rs-2', [node(R, { policyId: 'pol-rs', status: 'drifted', actual: '0', code: 200 })]);
        await tx.upsertNodeStates('rs-3', [node(R, { policyId: 'pol-rs', status: 'failed', code: 500, tries: 1, retryAt: 'x' })]);
      });
      const before = await store.transaction((tx) => tx.getNodeStates('rs-1'));
      expect(await store.transaction((tx) => tx.resendNodes('pol-rs', ['quarantined', 'drifted', 'applied'], 'T'))).toEqual({ nodes: 2, devices: 2 });
      await store.transaction(async (tx) => {
        const [row] = await tx.getNodeStates('rs-1');
        const expected = nodeTransition(recordOf(before[0] as NodeStateRow), { type: 'resend' });
        expect(row).toEqual({ ...(before[0] as NodeStateRow), ...expected, updatedAt: 'T' });
        expect((await tx.getNodeStates('rs-2'))[0]).toMatchObject({ status: 'pending', actual: null, value: '1' });
        expect((await tx.getNodeStates('rs-3'))[0]).toMatchObject({ status: 'failed', tries: 1 });
        expect((await tx.getDevice('rs-1'))?.convergedFingerprint).toBeNull();
        expect((await tx.getDevice('rs-3'))?.convergedFingerprint).toBe('fp');
        expect(await tx.listNodeStatusDevices('pol-rs', 'pending', { limit: 10 })).toEqual(['rs-1', 'rs-2']);
      });
    });

    test('resendDeviceNodes is the resend transition for one device, whatever the policy', async () => {
      await store.transaction(async (tx) => {
        for (const id of ['rd-1', 'rd-2']) {
          await tx.putDevice({ id, organizationId: 'o-rd', winId: null, doc: {} });
          await tx.updateDeviceReport(id, {}, 'fp');
        }
        await tx.upsertNodeStates('rd-1', [
          node('./rd/A', { policyId: 'pol-a', status: 'quarantined', code: 405, tries: 3 }),
          node('./rd/B', { policyId: 'pol-b', status: 'failed', code: 500, tries: 1, retryAt: 'x' }),
          node('./rd/C', { policyId: 'pol-a', status: 'applied', code: 200 }),
        ]);
        await tx.upsertNodeStates('rd-2', [node('./rd/A', { policyId: 'pol-a', status: 'quarantined', code: 405, tries: 3 })]);
      });
      const before = await store.transaction((tx) => tx.getNodeStates('rd-1'));
      expect(await store.transaction((tx) => tx.resendDeviceNodes('rd-1', ['quarantined', 'failed', 'applied'], 'T'))).toBe(2);
      await store.transaction(async (tx) => {
        const after = await tx.getNodeStates('rd-1');
        for (const uri of ['./rd/A', './rd/B']) {
          const was = before.find((n) => n.locUri === uri) as NodeStateRow;
          expect(after.find((n) => n.locUri === uri)).toEqual({ ...was, ...nodeTransition(recordOf(was), { type: 'resend' }), updatedAt: 'T' });
        }
        expect(after.find((n) => n.locUri === './rd/C')?.status).toBe('applied');
        expect((await tx.getNodeStates('rd-2'))[0]?.status).toBe('quarantined');
        expect((await tx.getDevice('rd-1'))?.convergedFingerprint).toBeNull();
        expect((await tx.getDevice('rd-2'))?.convergedFingerprint).toBe('fp');
        expect(await tx.listNodeStatusDevices('pol-b', 'pending', { limit: 10 })).toEqual(['rd-1']);
      });
      // Nothing to resend leaves the device on its fast path.
      await store.transaction((tx) => tx.updateDeviceReport('rd-2', {}, 'fp'));
      expect(await store.transaction((tx) => tx.resendDeviceNodes('rd-2', ['drifted'], 'T'))).toBe(0);
      expect((await store.transaction((tx) => tx.getDevice('rd-2')))?.convergedFingerprint).toBe('fp');
    });

    test('node states: batch upsert, ordering, delete', async () => {
      await store.transaction(async (tx) => {
        await tx.upsertNodeStates('d1', [node('./b'), node('./a'), node('./C')]);
        await tx.upsertNodeStates('d1', [node('./a', { status: 'failed', code: 500 }), node('./a', { status: 'applied', code: 200 })]);
      });
      await store.transaction(async (tx) => {
        const rows = await tx.getNodeStates('d1');
        expect(rows.map((r) => r.locUri)).toEqual(['./C', './a', './b']); // code-unit order on both stores
        expect(rows[1]).toEqual(node('./a', { status: 'applied', code: 200 }));
        await tx.deleteNodeStates('d1', ['./b', './zz']);
        expect((await tx.getNodeStates('d1')).map((r) => r.locUri)).toEqual(['./C', './a']);
        expect(await tx.getNodeStates('other')).toEqual([]);
      });
    });

    test('node history: every change of status, code or value but to sent is recorded, the newest 20 kept, dropped with the node', async () => {
      const uri = './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera';
      const at = (i: number): string => `2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z`;
      await store.transaction(async (tx) => {
        await tx.upsertNodeStates('h1', [node(uri, { status: 'pending', updatedAt: at(0) })]);
        await tx.upsertNodeStates('h1', [node(uri, { status: 'sent', updatedAt: at(1) })]);
        // sent lasts until the answer and shows in the node's row: not history.
        await tx.upsertNodeStates('h1', [node(uri, { status: 'sent', updatedAt: at(2) })]);
        await tx.upsertNodeStates('h1', [node(uri, { status: 'failed', code: 404, updatedAt: at(3) })]);
        await tx.upsertNodeStates('h1', [node(uri, { status: 'failed', code: 500, updatedAt: at(4) })]);
        await tx.upsertNodeStates('h1', [node(uri, { status: 'applied', code: 200, value: '0', updatedAt: at(5) })]);
        await tx.upsertNodeStates('h2', [node(uri, { status: 'pending', updatedAt: at(0) })]);
      });
      const history = await store.transaction((tx) => tx.getNodeHistory('h1'));
      expect(history.map((h) => [h.status, h.code, h.value, h.at])).toEqual([
        ['pending', null, '1', at(0)],
        ['failed', 404, '1', at(3)],
        ['failed', 500, '1', at(4)],
        ['applied', 200, '0', at(5)],
      ]);
      expect(history.every((h) => h.locUri === uri)).toBe(true);
      // resendUnacknowledged writes node_states with its own statement: recorded too.
      await store.transaction(async (tx) => {
        await tx.upsertNodeStates('h1', [node(uri, { status: 'sent', updatedAt: at(6) })]);
        await tx.resendUnacknowledged('h1', at(7));
        // Same status, code and value: nothing new to tell.
        await tx.upsertNodeStates('h1', [node(uri, { status: 'pending', updatedAt: at(8) })]);
      });
      expect((await store.transaction((tx) => tx.getNodeHistory('h1'))).slice(-2).map((h) => [h.status, h.at])).toEqual([
        ['applied', at(5)],
        ['pending', at(7)],
      ]);
      await store.transaction(async (tx) => {
        for (let i = 10; i < 40; i++) await tx.upsertNodeStates('h1', [node(uri, { status: i % 2 ? 'failed' : 'pending', updatedAt: at(i) })]);
      });
      const kept = await store.transaction((tx) => tx.getNodeHistory('h1'));
      expect(kept).toHaveLength(20);
      expect(kept.map((h) => h.at)).toEqual(Array.from({ length: 20 }, (_, i) => at(20 + i)));
      await store.transaction((tx) => tx.deleteNodeStates('h1', [uri]));
      expect(await store.transaction((tx) => tx.getNodeHistory('h1'))).toEqual([]);
      expect(await store.transaction((tx) => tx.getNodeHistory('h2'))).toHaveLength(1);
    });

    test('sessions and the message log', async () => {
      const write = (sessionId: string, response: string, state?: JsonObject, pruneLogExcept?: string[]): DeviceMessageWrite => ({
        report: {},
        convergedFingerprint: null,
        ...(state ? { session: { sessionId, state, updatedAt: 't' } } : {}),
        log: { sessionId, msgId: 1, message: { requestSha256: `r${sessionId}`, response, status: 200 }, createdAt: 't' },
        ...(pruneLogExcept ? { pruneLogExcept } : {}),
      });
      await store.transaction(async (tx) => {
        await tx.finishDeviceMessage('d1', write('1', '<a/>', { msgId: 1 }));
        await tx.finishDeviceMessage('d1', write('2', '<b/>', { msgId: 3 }));
        await tx.finishDeviceMessage('d1', write('3', '<c/>'));
      });
      await store.transaction(async (tx) => {
        expect(await tx.getSession('d1')).toEqual({ sessionId: '2', state: { msgId: 3 } });
        expect(await tx.getLoggedMessage('d1', '2', 1)).toEqual({ requestSha256: 'r2', response: '<b/>', status: 200, createdAt: 't' });
        await tx.finishDeviceMessage('d1', write('3', '<c/>', undefined, ['2', '3']));
        expect(await tx.getLoggedMessage('d1', '1', 1)).toBeUndefined();
        expect(await tx.getLoggedMessage('d1', '3', 1)).toBeDefined();
      });
    });

    test('outbox: enqueue, due, retry, complete', async () => {
      const id = await store.transaction((tx) => tx.enqueueOutbox('d1', '{"x":1}', '2026-01-01T00:00:00.000Z'));
      await store.transaction(async (tx) => {
        expect(await tx.countOutbox()).toBe(1);
        expect(await tx.dueOutbox('2025-12-31T00:00:00.000Z', 10)).toEqual([]);
        const [due] = await tx.dueOutbox('2026-01-01T00:00:00.000Z', 10);
        expect(due).toMatchObject({ id, deviceId: 'd1', body: '{"x":1}', attempts: 0 });
        await tx.leaseOutbox(id, '2026-01-01T00:01:00.000Z');
        expect(await tx.dueOutbox('2026-01-01T00:00:30.000Z', 10)).toEqual([]);
        await tx.retryOutbox(id, '2026-01-02T00:00:00.000Z', 'down');
      });
      await store.transaction(async (tx) => {
        expect(await tx.dueOutbox('2026-01-01T12:00:00.000Z', 10)).toEqual([]);
        const [due] = await tx.dueOutbox('2026-01-02T00:00:00.000Z', 10);
        expect(due).toMatchObject({ attempts: 1, lastError: 'down' });
        await tx.completeOutbox(id);
        expect(await tx.countOutbox()).toBe(0);
      });
    });

    test('the device message hot path: open by id, winId or thumbprint; finish writes everything', async () => {
      await store.transaction(async (tx) => {
        await tx.putDevice({ id: 'hot', organizationId: 'org-hot', winId: 'HOT-1', doc: { a: 1 } });
        await tx.putDeviceCert({ thumbprints: ['AA', 'BB'], deviceId: 'hot', createdAt: 'now' });
        await tx.bumpPolicyEpoch('org-hot');
      });
      const empty = await store.transaction((tx) => tx.openDeviceMessage({ id: 'hot' }, '1', 1));
      expect(empty).toEqual({
        device: expect.objectContaining({ id: 'hot', winId: 'HOT-1', doc: { a: 1 } }),
        policyEpoch: 1,
        session: undefined,
        logged: undefined,
      });
      await store.transaction(async (tx) => {
        await tx.finishDeviceMessage('hot', {
          report: {},
          convergedFingerprint: null,
          log: { sessionId: '0', msgId: 1, message: { requestSha256: 'old', response: '<old/>', status: 200 }, createdAt: 't0' },
        });
        await tx.finishDeviceMessage('hot', {
          report: { lastStatusReportTime: 't1' },
          convergedFingerprint: 'fp',
          session: { sessionId: '1', state: { lastMsgId: 1 }, updatedAt: 't1' },
          log: { sessionId: '1', msgId: 1, message: { requestSha256: 'r', response: '<a/>', status: 200 }, createdAt: 't1' },
          pruneLogExcept: ['1'],
        });
      });
      for (const key of [{ id: 'hot' }, { winId: 'HOT-1' }, { thumbprints: ['ZZ', 'BB'] }]) {
        const ctx = await store.transaction((tx) => tx.openDeviceMessage(key, '1', 1));
        expect(ctx).toEqual({
          device: expect.objectContaining({ id: 'hot', report: { lastStatusReportTime: 't1' }, convergedFingerprint: 'fp' }),
          policyEpoch: 1,
          session: { sessionId: '1', state: { lastMsgId: 1 } },
          logged: { requestSha256: 'r', response: '<a/>', status: 200, createdAt: 't1' },
        });
      }
      expect(await store.transaction((tx) => tx.getLoggedMessage('hot', '0', 1))).toBeUndefined();
      // Without a session, finishing leaves the stored session alone.
      await store.transaction((tx) =>
        tx.finishDeviceMessage('hot', {
          report: {},
          convergedFingerprint: null,
          log: { sessionId: '2', msgId: 1, message: { requestSha256: 's', response: '<b/>', status: 200 }, createdAt: 't2' },
        }),
      );
      expect(await store.transaction((tx) => tx.getSession('hot'))).toEqual({ sessionId: '1', state: { lastMsgId: 1 } });
      expect(await store.transaction((tx) => tx.getLoggedMessage('hot', '1', 1))).toBeDefined();
      expect(await store.transaction((tx) => tx.openDeviceMessage({ thumbprints: ['ZZ'] }, '1', 1))).toBeUndefined();
      expect(await store.transaction((tx) => tx.openDeviceMessage({ winId: 'nope' }, '1', 1))).toBeUndefined();
    });

    test('transactions on one device do not interleave', async () => {
      await store.transaction((tx) => tx.putDevice({ id: 'race', organizationId: 'o1', winId: null, doc: { n: 0 } }));
      const increment = () =>
        store.transaction(async (tx) => {
          const d = await tx.lockDevice('race');
          await new Promise((r) => setTimeout(r, 2));
          const n = (d?.doc['n'] as number) + 1;
          await tx.updateDeviceDoc('race', { n }, d?.revision ?? 0);
        });
      await Promise.all(Array.from({ length: 8 }, increment));
      expect((await store.transaction((tx) => tx.getDevice('race')))?.doc).toEqual({ n: 8 });
    });
  });
}
