import { describe, expect, test } from 'vitest';
import { importBundle } from '../src/fleet/importBundle.js';
import { SqliteStore } from '../src/store/SqliteStore.js';
import { demoBundle } from './support/server.js';

const t1 = new Date('2026-03-01T08:00:00.000Z');
const t2 = new Date('2026-03-02T08:00:00.000Z');
const t3 = new Date('2026-03-03T08:00:00.000Z');

/** The demo fleet without the timestamps its devices carry. */
function unstamped(): ReturnType<typeof demoBundle> {
  const bundle = demoBundle();
  bundle.devices = bundle.devices.map(({ createdAt: _c, updatedAt: _u, ...d }) => ({ ...d, id: d.id, winId: d.winId }));
  return bundle;
}

describe('device documents carry createdAt and updatedAt', () => {
  test('set on import, kept by an identical re-import, updatedAt moved by a change, given ones kept', async () => {
    const store = SqliteStore.open(':memory:');
    await store.migrate();
    const doc = async (id: string): Promise<Record<string, unknown>> => (await store.transaction((tx) => tx.getDevice(id)))!.doc;
    try {
      const bundle = unstamped();
      await importBundle(store, bundle, t1);
      expect(await doc('dev-contoso-001')).toMatchObject({ createdAt: t1.toISOString(), updatedAt: t1.toISOString() });

      const again = await importBundle(store, unstamped(), t2);
      expect(again.devices).toBe(0);
      expect(await doc('dev-contoso-001')).toMatchObject({ createdAt: t1.toISOString(), updatedAt: t1.toISOString() });

      const changed = unstamped();
      changed.devices[0] = { ...changed.devices[0]!, displayName: 'Renamed' };
      changed.devices.push({ ...changed.devices[1]!, id: 'dev-given', winId: 'GIVEN-1', createdAt: '2025-01-01T00: 00: 00.000Z', updatedAt: '2025-06-01T00:00:00Z' });
      await importBundle(store, changed, t3);
      expect(await doc(changed.devices[0]!.id)).toMatchObject({ displayName: 'Renamed', createdAt: t1.toISOString(), updatedAt: t3.toISOString() });
      expect(await doc('dev-contoso-002')).toMatchObject({ createdAt: t1.toISOString(), updatedAt: t1.toISOString() });
      // The upstream document's stray spaces are normalised, like every timestamp.
      expect(await doc('dev-given')).toMatchObject({ createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-06-01T00:00:00.000Z' });
    } finally {
      await store.close();
    }
  });
});
