/**
 * The device endpoint shares resolution across devices: devices with the same policies get them
 * merged once (the ResolutionCache the server passes to resolveEffectivePolicy), each still ends
 * with its own effective config (its overrides included), the organization's documents are read
 * once per policy epoch, and a policy change is read and merged anew — never served from the old
 * content.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LeanDevice } from '@winmdm/device-sim';
import { ResolutionCache } from '@winmdm/policy';
import { importBundle, SqliteStore, startWinmdmServer, type Store, type WinmdmServer } from '@winmdm/server';
import { testLogger } from '../support/fleet.js';

const ORG = 'org-shared';
const P = './Device/Vendor/MSFT/Policy/Config/';
const cache = new ResolutionCache();
let store: Store;
/** How often check-ins read policy documents from the store. */
let policyReads = 0;
let server: WinmdmServer;

const baseline = (lock: number) => ({ id: 'pol-base', organizationId: ORG, name: 'Baseline', config: { [`${P}DeviceLock/MinDevicePasswordLength`]: lock, [`${P}Defender/AllowRealtimeMonitoring`]: 1 } });

beforeAll(async () => {
  store = SqliteStore.open(':memory:');
  await store.migrate();
  await importBundle(store, {
    organizations: [{ id: ORG, name: 'Shared', plan: { features: ['policy-assignments', 'automation-rules'], limits: {} } }],
    policies: [baseline(8), { id: 'pol-team', organizationId: ORG, name: 'Team', config: { [`${P}Update/ActiveHoursStart`]: 9 } }],
    automationRules: [
      { id: 'rule-all', organizationId: ORG, name: 'All', winPolicyId: 'pol-team', priority: 0, deviceAudiences: [{ id: 'a', name: 'All', criteria: ['tag:managed'] }] },
    ],
    devices: Array.from({ length: 5 }, (_, i) => ({
      id: `dev-${i}`,
      organizationId: ORG,
      winId: `SHARED-${i}`,
      tags: ['managed'],
      winPolicyId: 'pol-base',
      winPolicyAssignments: [],
      // The last device overrides the password length: its own layer, on top of the shared merge.
      config: i === 4 ? { [`${P}DeviceLock/MinDevicePasswordLength`]: 12 } : {},
    })),
  });
  // The endpoint's store, counting what transactions read of the policies.
  const counted: Store = {
    kind: store.kind,
    migrate: () => store.migrate(),
    pendingMigrations: () => store.pendingMigrations(),
    close: () => store.close(),
    transaction: (fn) =>
      store.transaction((tx) =>
        fn(
          new Proxy(tx, {
            get: (target, name, receiver) =>
              name === 'getDocuments'
                ? (collection: string, ...rest: unknown[]) => {
                    if (collection === 'policies') policyReads++;
                    return (target.getDocuments as (...a: unknown[]) => unknown)(collection, ...rest);
                  }
                : Reflect.get(target, name, receiver),
          }),
        ),
      ),
  };
  server = await startWinmdmServer({ store: counted, logger: testLogger, port: 0, tls: false, devAuth: true, resolutionCache: cache });
});
afterAll(async () => {
  await server.close();
  await store.close();
});

async function checkInAll(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const device = new LeanDevice({ url: server.mdmUrl, winId: `SHARED-${i}` });
    await device.runSession();
    await device.close();
  }
}

async function applied(deviceId: string): Promise<Record<string, string | null>> {
  const nodes = await store.transaction((tx) => tx.getNodeStates(deviceId));
  return Object.fromEntries(nodes.filter((n) => n.status === 'applied').map((n) => [n.locUri, n.value]));
}

describe('resolution shared across devices in the device endpoint', () => {
  test('devices with the same policies share one merge; overrides and policy changes stay exact', async () => {
    await checkInAll();
    // One stack for all five: stored on its second sighting, shared by the other three; the
    // policies were read from the store once for the organization's epoch, not once per device.
    expect(cache.stats()).toMatchObject({ entries: 1, misses: 2, hits: 3 });
    expect(policyReads).toBe(1);
    expect(await applied('dev-0')).toEqual({ [`${P}DeviceLock/MinDevicePasswordLength`]: '8', [`${P}Defender/AllowRealtimeMonitoring`]: '1', [`${P}Update/ActiveHoursStart`]: '9' });
    expect((await applied('dev-4'))[`${P}DeviceLock/MinDevicePasswordLength`]).toBe('12');

    await store.transaction(async (tx) => {
      await tx.putDocument('policies', 'pol-base', ORG, baseline(10));
      await tx.bumpPolicyEpoch(ORG);
    });
    await checkInAll();
    expect(cache.stats()).toMatchObject({ entries: 1, invalidated: 1, hits: 6 });
    expect(policyReads).toBe(2);
    for (let i = 0; i < 4; i++) expect((await applied(`dev-${i}`))[`${P}DeviceLock/MinDevicePasswordLength`]).toBe('10');
    expect((await applied('dev-4'))[`${P}DeviceLock/MinDevicePasswordLength`]).toBe('12');
  });
});
