import { codeMeaning, NODE_STATUSES, type NodeStatus } from '@winmdm/policy';
import { z } from 'zod';
import type { NodeStatusCount, Store } from '../store/Store.js';
import { LISTED_STATUSES } from '../store/migrations.js';
import { RESENDABLE } from '../store/rows.js';
import { defineApiRoute, EnvelopeCodes, type ApiRoute } from '../http/Route.js';
import { outstandingRefresh } from '../device/inventoryDue.js';
import { Permissions } from './authenticate.js';
import type { ChangeNotifier } from './ChangeNotifier.js';
import { decodeCursor, encodeCursor, ownDevice, ownDocument } from './owned.js';

/** Options of {@link deliveryRoutes}. */
export interface DeliveryRoutesOptions {
  store: Store;
  now?: () => Date;
  notifier?: ChangeNotifier;
}

const IdParams = z.object({ id: z.string().min(1).max(512) });
const NodeStatusEnum = z.enum(NODE_STATUSES as [NodeStatus, ...NodeStatus[]]);
const ListedStatusEnum = z.enum(LISTED_STATUSES);
const ResendableEnum = z.enum(RESENDABLE as ['failed', 'quarantined', 'drifted', 'not-removable']);

/** Counts by state, every state present (0 when none). */
const StatusCountsSchema = z.record(NodeStatusEnum, z.number().int().min(0));

/** What `GET /mdm/windows/policies/{id}/status` answers in `data`. */
export const PolicyStatusSchema = z.object({
  policyId: z.string(),
  /** Nodes of this policy's settings across the organization's devices, by state. */
  totals: StatusCountsSchema,
  settings: z.array(
    z.object({
      /** The setting's node (normalised LocURI; ADMX ingestions and MSI installs are settings too). */
      locUri: z.string(),
      counts: StatusCountsSchema,
      /** The devices' codes for `failed`, `quarantined` and `not-removable`, with their meaning. */
      codes: z.array(z.object({ status: NodeStatusEnum, code: z.number().int(), meaning: z.string(), count: z.number().int() })),
    }),
  ),
  /**
   * For each state an admin acts on (`pending`, `failed`, `drifted`, `quarantined`,
   * `not-removable`, `conflict`), the ids of the devices with a node of this policy in it, a page
   * at a time (`?status=` and `?cursor=` for the next).
   */
  devices: z.partialRecord(ListedStatusEnum, z.object({ deviceIds: z.array(z.string()), nextCursor: z.string().nullable() })),
});

/** The body of both resends: the states whose nodes are sent again. */
const ResendBody = z.strictObject({ status: z.array(ResendableEnum).min(1) });

/** What `POST /mdm/windows/policies/{id}/resend` answers in `data`. */
export const ResendResultSchema = z.object({
  policyId: z.string(),
  status: z.array(ResendableEnum),
  /** Nodes made `pending` again, and the devices they are on (sent at their next check-in). */
  nodes: z.number().int(),
  devices: z.number().int(),
});

/** What `POST /mdm/windows/devices/{id}/resend` answers in `data`. */
export const DeviceResendResultSchema = z.object({
  deviceId: z.string(),
  status: z.array(ResendableEnum),
  /** Nodes of the device made `pending` again (sent at its next check-in). */
  nodes: z.number().int(),
});

/** What `POST /mdm/windows/devices/{id}/refresh` answers in `data`. */
export const RefreshResultSchema = z.object({
  deviceId: z.string(),
  /** The inventories now asked for and not yet answered (the document's `refreshInfoNeeded`). */
  refreshInfoNeeded: z.array(z.string()),
});

const Limit = z
  .string()
  .regex(/^[0-9]{1,4}$/, 'Expected an integer from 1 to 500')
  .transform(Number)
  .pipe(z.number().int().min(1, 'Expected an integer from 1 to 500').max(500, 'Expected an integer from 1 to 500'));

const PolicyStatusQuery = z
  .object({
    status: ListedStatusEnum.optional(),
    locUri: z.string().min(1).max(2048).optional(),
    limit: Limit.default(50),
    cursor: z
      .string()
      .refine((c) => decodeCursor(c) !== undefined, 'Expected the nextCursor of an earlier page')
      .transform((c) => decodeCursor(c) ?? '')
      .optional(),
  })
  .refine((q) => q.cursor === undefined || q.status !== undefined, { message: 'A cursor pages one status: give status too', path: ['cursor'] });

const zeroCounts = (): Record<NodeStatus, number> => Object.fromEntries(NODE_STATUSES.map((s) => [s, 0])) as Record<NodeStatus, number>;
const WITH_CODES: ReadonlySet<NodeStatus> = new Set(['failed', 'quarantined', 'not-removable']);

/** The aggregate's counts of one policy as the status answer's totals and settings. */
function summarise(counts: readonly NodeStatusCount[]): Pick<z.infer<typeof PolicyStatusSchema>, 'totals' | 'settings'> {
  const totals = zeroCounts();
  const settings = new Map<string, z.infer<typeof PolicyStatusSchema>['settings'][number]>();
  for (const c of counts) {
    totals[c.status] += c.count;
    let setting = settings.get(c.locUri);
    if (setting === undefined) settings.set(c.locUri, (setting = { locUri: c.locUri, counts: zeroCounts(), codes: [] }));
    setting.counts[c.status] += c.count;
    if (WITH_CODES.has(c.status) && c.code !== null) {
      const kind = c.locUri.includes('/EnterpriseDesktopAppManagement/MSI/') ? 'msi' : 'csp';
      setting.codes.push({ status: c.status, code: c.code, meaning: codeMeaning(c.code, kind), count: c.count });
    }
  }
  return { totals, settings: [...settings.values()] };
}

/**
 * The management API of delivery: where a policy stands across the organization's devices (from
 * the fleet-status aggregate, never a scan of node rows), a resend of its failed, drifted,
 * quarantined or refused settings (of a policy, or of one device), and an inventory request for a device.
 */
export function deliveryRoutes(options: DeliveryRoutesOptions): ApiRoute[] {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  return [
    defineApiRoute({
      method: 'GET',
      path: '/mdm/windows/policies/{id}/status',
      operationId: 'getPolicyStatus',
      summary: "Where a policy's settings stand on the organization's devices",
      description:
        'Per setting, the number of devices in each state (`failed`, `quarantined` and `not-removable` by code with its meaning), and for each state an admin acts on the device ids, a page at a time (`status` and `cursor` for the next page, `locUri` for one setting). From an aggregate kept with every node write.',
      tags: ['policies'],
      permission: Permissions.policyRead,
      params: IdParams,
      query: PolicyStatusQuery,
      response: PolicyStatusSchema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: ({ caller, params, query }) =>
        store.transaction(async (tx) => {
          await ownDocument(tx, caller, 'policies', params.id, 'winPolicy');
          const counts = (await tx.getNodeStatusCounts({ policyId: params.id })).filter((c) => query.locUri === undefined || c.locUri === query.locUri);
          const devices: z.infer<typeof PolicyStatusSchema>['devices'] = {};
          for (const status of query.status !== undefined ? [query.status] : LISTED_STATUSES) {
            // One more than asked for tells whether another page follows.
            const ids = await tx.listNodeStatusDevices(params.id, status, {
              ...(query.locUri !== undefined ? { locUri: query.locUri } : {}),
              ...(query.cursor !== undefined ? { after: query.cursor } : {}),
              limit: query.limit + 1,
            });
            const page = ids.slice(0, query.limit);
            const last = page.at(-1);
            devices[status] = { deviceIds: page, nextCursor: ids.length > query.limit && last !== undefined ? encodeCursor(last) : null };
          }
          return { policyId: params.id, ...summarise(counts), devices };
        }),
    }),
    defineApiRoute({
      method: 'POST',
      path: '/mdm/windows/policies/{id}/resend',
      operationId: 'resendPolicy',
      summary: "Send a policy's failed, drifted, quarantined or refused settings again",
      description:
        'Every node of the policy in one of the given states becomes `pending` with its tries reset (a quarantine is lifted); its devices receive it at their next check-in.',
      tags: ['policies'],
      permission: Permissions.policyUpdate,
      params: IdParams,
      body: ResendBody,
      response: ResendResultSchema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: async ({ caller, params, body }) => {
        const status = [...new Set(body.status)];
        const result = await store.transaction(async (tx) => {
          await ownDocument(tx, caller, 'policies', params.id, 'winPolicy');
          return tx.resendNodes(params.id, status, now().toISOString());
        });
        if (result.devices > 0) await options.notifier?.organizationChanged(caller.organizationId);
        return { policyId: params.id, status, ...result };
      },
    }),
    defineApiRoute({
      method: 'POST',
      path: '/mdm/windows/devices/{id}/resend',
      operationId: 'resendDevice',
      summary: "Send a device's failed, drifted, quarantined or refused settings again",
      description:
        'The resend of `POST /mdm/windows/policies/{id}/resend` for one device, whatever policy its settings come from (the web console\'s device page): its nodes in the given states become `pending` with their tries reset, and go out at its next check-in.',
      tags: ['devices'],
      permission: Permissions.deviceUpdate,
      params: IdParams,
      body: ResendBody,
      response: DeviceResendResultSchema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: async ({ caller, params, body }) => {
        const status = [...new Set(body.status)];
        const nodes = await store.transaction(async (tx) => {
          const row = await ownDevice(tx, caller, params.id);
          return tx.resendDeviceNodes(row.id, status, now().toISOString());
        });
        if (nodes > 0) await options.notifier?.devicesChanged([params.id]);
        return { deviceId: params.id, status, nodes };
      },
    }),
    defineApiRoute({
      method: 'POST',
      path: '/mdm/windows/devices/{id}/refresh',
      operationId: 'refreshDevice',
      summary: 'Ask a device for its inventory',
      description:
        'The inventories (`hardware`: DevDetail, DevInfo, DeviceStatus; `applications`: the MSI products) are read at the next check-in; the request stays in `refreshInfoNeeded` until Results arrive.',
      tags: ['devices'],
      permission: Permissions.deviceUpdate,
      params: IdParams,
      body: z.strictObject({ refreshInfoNeeded: z.array(z.enum(['hardware', 'applications'])).min(1) }),
      response: RefreshResultSchema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: async ({ caller, params, body }) => {
        const result = await store.transaction(async (tx) => {
          const row = await ownDevice(tx, caller, params.id);
          const doc = { ...row.doc, refreshInfoNeeded: [...new Set(body.refreshInfoNeeded)], updatedAt: now().toISOString() };
          // A new revision: the device leaves the fast path, and the request is outstanding at it.
          const revision = await tx.updateDeviceDoc(row.id, doc, row.revision);
          if (revision === undefined) throw new Error(`device ${row.id} changed during its own locked update`);
          return { deviceId: row.id, refreshInfoNeeded: outstandingRefresh({ ...row, doc, revision }, row.report) };
        });
        await options.notifier?.devicesChanged([params.id]);
        return result;
      },
    }),
  ];
}
