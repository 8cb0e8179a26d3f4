import {
  AdmxFileSchema,
  ApplicationSchema,
  ExplanationSchema,
  UpdateDeviceRequestSchema,
  WinPolicySchema,
  evaluateAutomationRules,
  type AutomationRule,
  type UpdateDeviceRequest,
} from '@winmdm/policy';
import { z } from 'zod';
import type { DeviceRow, JsonObject, Store } from '../store/Store.js';
import { BillingPlanError, EntityNotFoundError } from '../ServerError.js';
import { defineApiRoute, EnvelopeCodes, type ApiRoute, type Page } from '../http/Route.js';
import { deviceDocument } from '../fleet/deviceDocument.js';
import { DeviceDocumentSchema } from '../fleet/DeviceDocumentSchema.js';
import { explainDevice } from '../fleet/explainDevice.js';
import { deviceForResolution } from '../fleet/loadResolveInput.js';
import { allows, Features, organizationPlan } from '../fleet/organizationPlan.js';
import { DeviceReportSchema } from '../upstream/DeviceReportSchema.js';
import { Permissions, type Caller } from './authenticate.js';
import { decodeCursor, encodeCursor, ownDevice, ownDocument } from './owned.js';
import type { ChangeNotifier } from './ChangeNotifier.js';
import type { ReportHandler } from './ReportHandler.js';

/** Options of {@link createApiRoutes}. */
export interface ApiOptions {
  store: Store;
  now?: () => Date;
  /** Told about every change that alters what devices should get (the hook for push, WNS). */
  notifier?: ChangeNotifier;
  /** Applies reports that sync agents post (`POST /mdm/windows/devices/{id}/reports`). */
  reports?: ReportHandler;
}

/** The `{id}` of a path: one non-empty segment, decoded. */
const IdParams = z.object({ id: z.string().min(1).max(512) });

/** The query of `GET /mdm/windows/devices`. */
const DeviceListQuery = z.object({
  winId: z.string().min(1).optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'Expected an integer from 1 to 500')
    .transform(Number)
    .pipe(z.number().int().min(1, 'Expected an integer from 1 to 500').max(500, 'Expected an integer from 1 to 500'))
    .default(100),
  cursor: z
    .string()
    .refine((c) => decodeCursor(c) !== undefined, 'Expected the nextCursor of an earlier page')
    .transform((c) => decodeCursor(c) ?? '')
    .optional(),
  /** What the web console's search box sends: a part of the id, winId, name or a tag. */
  q: z.string().trim().min(1).max(200).optional(),
});

/** What `POST /mdm/windows/devices/{id}/reports` answers in `data`. */
export const ReportAcceptedSchema = z.looseObject({
  reportId: z.string(),
  /** False for a `reportId` already applied (a retry after a lost answer). */
  applied: z.boolean(),
  duplicate: z.boolean(),
});

/**
 * The management API's route table: the upstream document's `PATCH /mdm/windows/devices/{id}`
 * (and its `GET`), what a sync agent needs (the device list by `winId`, catalog reads, the reports
 * endpoint) and `GET`/`PUT /mdm/windows/policies/{id}`. Each entry declares its method, path,
 * permission and request and response schemas; the router validates requests with them and the
 * OpenAPI document is generated from them. Errors use the upstream envelope
 * `{status:false,error:{code,message}}`.
 *
 * A new route is one more entry here (or in a table of its own that `startWinmdmServer` adds):
 * the test "every registered route is documented" then holds by construction.
 */
export function createApiRoutes(options: ApiOptions): ApiRoute[] {
  const { store } = options;
  const now = options.now ?? (() => new Date());

  const patchDevice = async (caller: Caller, id: string, request: UpdateDeviceRequest): Promise<JsonObject> =>
    store.transaction(async (tx) => {
      const row = await ownDevice(tx, caller, id);
      const plan = organizationPlan(await tx.getDocument('organizations', caller.organizationId));
      if (request.mdmUserId !== undefined) await ownDocument(tx, caller, 'mdm_users', request.mdmUserId, 'mdmUser');
      if (request.winPolicyId !== undefined) await ownDocument(tx, caller, 'policies', request.winPolicyId, 'winPolicy');
      if (request.winPolicyAssignments !== undefined) {
        const count = request.winPolicyAssignments.length;
        if (count > 0 && !allows(plan, Features.policyAssignments)) throw new BillingPlanError(Features.policyAssignments);
        const max = plan.limits.winPolicyAssignments;
        if (max !== undefined && count > max) throw new BillingPlanError(`${Features.policyAssignments}:limit`);
        for (const a of request.winPolicyAssignments) await ownDocument(tx, caller, 'policies', a.winPolicyId, 'winPolicy');
      }
      const doc: JsonObject = { ...row.doc, ...request, updatedAt: now().toISOString() };
      if (!allows(plan, Features.automationRules)) {
        // Enforced assignments are a plan feature: an update that would make the organization's
        // automation rules enforce a policy on this device is refused rather than silently ignored.
        const rules = (await tx.listDocuments('automation_rules', caller.organizationId)) as AutomationRule[];
        if (rules.length > 0) {
          const device = await deviceForResolution(tx, { ...row, doc });
          if (evaluateAutomationRules(device, rules).assignments.length > 0) throw new BillingPlanError(Features.automationRules);
        }
      }
      const revision = await tx.updateDeviceDoc(row.id, doc, row.revision);
      // The device row is locked, so the revision cannot have moved under us.
      if (revision === undefined) throw new Error(`device ${row.id} changed during its own locked update`);
      return (await deviceDocument(tx, { ...row, doc, revision })).document;
    });

  const catalogRoute = (collection: 'admx_files' | 'applications', segment: string, schema: z.ZodType, operationId: string, summary: string): ApiRoute =>
    defineApiRoute({
      method: 'GET',
      path: `/mdm/windows/${segment}/{id}`,
      operationId,
      summary,
      description: 'A catalog entry of the caller\'s organization, or one shared by every organization (sync agent contract).',
      tags: ['catalog'],
      permission: Permissions.deviceRead,
      params: IdParams,
      response: schema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: ({ caller, params }) => store.transaction((tx) => ownDocument(tx, caller, collection, params.id, collection)),
    });

  return [
    defineApiRoute({
      method: 'GET',
      path: '/mdm/windows/devices',
      operationId: 'listDevices',
      summary: 'The caller\'s devices, a page at a time, or the one with a winId',
      description:
        'Without `winId`: at most `limit` devices (default 100, at most 500) in the order of their ids, from `cursor` ' +
        '(the `nextCursor` of the previous page; null on the last); with `q`, only those whose id, winId, displayName ' +
        'or tags contain it (ASCII case-insensitive). With `winId`, a list of at most one device ' +
        '(the sync agent contract: `[]` when unknown).',
      tags: ['devices'],
      permission: Permissions.deviceRead,
      query: DeviceListQuery,
      response: z.array(DeviceDocumentSchema),
      paged: true,
      errors: [],
      handle: ({ caller, query }): Promise<Page> =>
        store.transaction(async (tx) => {
          const documents = async (rows: readonly (DeviceRow | undefined)[]): Promise<JsonObject[]> => {
            const out: JsonObject[] = [];
            for (const r of rows) if (r !== undefined && r.organizationId === caller.organizationId) out.push((await deviceDocument(tx, r)).document);
            return out;
          };
          if (query.winId !== undefined) return { items: await documents([await tx.getDeviceByWinId(query.winId)]), nextCursor: null };
          // One more than asked for tells whether another page follows.
          const rows = await tx.listDevices(caller.organizationId, {
            ...(query.cursor !== undefined ? { after: query.cursor } : {}),
            ...(query.q !== undefined ? { search: query.q } : {}),
            limit: query.limit + 1,
          });
          const page = rows.slice(0, query.limit);
          const last = page.at(-1);
          return { items: await documents(page), nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
        }),
    }),
    defineApiRoute({
      method: 'GET',
      path: '/mdm/windows/devices/{id}',
      operationId: 'getDevice',
      summary: 'A device document in the upstream shape',
      description: '`deviceWinPolicy` is the effective policy; `configStatus` is what the device acknowledged, per LocURI.',
      tags: ['devices'],
      permission: Permissions.deviceRead,
      params: IdParams,
      response: DeviceDocumentSchema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: ({ caller, params }) =>
        store.transaction(async (tx) => (await deviceDocument(tx, await ownDevice(tx, caller, params.id))).document),
    }),
    defineApiRoute({
      method: 'GET',
      path: '/mdm/windows/devices/{id}/explanation',
      operationId: 'explainDevice',
      summary: 'Why the device\'s effective policy is what it is',
      description:
        'One row per effective setting: its value, the layer and policy that set it (and the enforcing rule with the criteria that matched), ' +
        'the values it beat, and the status of its node with the status code\'s meaning and the status history; then the layers, conflicts and issues. ' +
        'The model `winmdm explain` prints.',
      tags: ['devices'],
      permission: Permissions.deviceRead,
      params: IdParams,
      response: ExplanationSchema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: ({ caller, params }) => store.transaction(async (tx) => explainDevice(tx, await ownDevice(tx, caller, params.id))),
    }),
    defineApiRoute({
      method: 'PATCH',
      path: '/mdm/windows/devices/{id}',
      operationId: 'updateDevice',
      summary: 'Update a device (the upstream document\'s request)',
      description: 'The change reaches the device at its next check-in; only the difference is sent.',
      tags: ['devices'],
      permission: Permissions.deviceUpdate,
      params: IdParams,
      body: UpdateDeviceRequestSchema,
      response: DeviceDocumentSchema,
      errors: [EnvelopeCodes.entityNotFound, EnvelopeCodes.billingPlan],
      handle: async ({ caller, params, body }) => {
        const doc = await patchDevice(caller, params.id, body);
        await options.notifier?.devicesChanged([params.id]);
        return doc;
      },
    }),
    defineApiRoute({
      method: 'POST',
      path: '/mdm/windows/devices/{id}/reports',
      operationId: 'postDeviceReport',
      summary: 'A sync agent\'s report of a device session',
      description: 'Applied once per `reportId`; a retried report is acknowledged with `applied: false`.',
      tags: ['sync agent'],
      permission: Permissions.deviceReport,
      params: IdParams,
      body: DeviceReportSchema,
      response: ReportAcceptedSchema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: ({ caller, params, body }) => {
        if (!options.reports) throw new EntityNotFoundError('reports');
        return options.reports.accept(caller, params.id, body);
      },
    }),
    defineApiRoute({
      method: 'GET',
      path: '/mdm/windows/policies',
      operationId: 'listPolicies',
      summary: 'The caller\'s Windows policies',
      tags: ['policies'],
      permission: Permissions.policyRead,
      response: z.array(WinPolicySchema),
      errors: [],
      handle: ({ caller }) => store.transaction((tx) => tx.listDocuments('policies', caller.organizationId)),
    }),
    defineApiRoute({
      method: 'GET',
      path: '/mdm/windows/policies/{id}',
      operationId: 'getPolicy',
      summary: 'A Windows policy',
      tags: ['policies'],
      permission: Permissions.policyRead,
      params: IdParams,
      response: WinPolicySchema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: ({ caller, params }) => store.transaction((tx) => ownDocument(tx, caller, 'policies', params.id, 'winPolicy')),
    }),
    defineApiRoute({
      method: 'PUT',
      path: '/mdm/windows/policies/{id}',
      operationId: 'putPolicy',
      summary: 'Create or replace a Windows policy',
      description: 'Bumps the policy\'s `version`; the devices it reaches get the difference at their next check-in.',
      tags: ['policies'],
      permission: Permissions.policyUpdate,
      params: IdParams,
      body: WinPolicySchema,
      response: WinPolicySchema,
      errors: [EnvelopeCodes.entityNotFound],
      handle: async ({ caller, params, body }) => {
        const id = params.id;
        const policy = await store.transaction(async (tx) => {
          const existing = await tx.getDocument('policies', id);
          if (existing && existing['organizationId'] !== caller.organizationId) throw new EntityNotFoundError('winPolicy');
          const version = (typeof existing?.['version'] === 'number' ? existing['version'] : 0) + 1;
          const doc: JsonObject = {
            ...body,
            id,
            organizationId: caller.organizationId,
            version,
            updatedAt: now().toISOString(),
            createdAt: existing?.['createdAt'] ?? now().toISOString(),
          };
          await tx.putDocument('policies', id, caller.organizationId, doc);
          await tx.bumpPolicyEpoch(caller.organizationId);
          return doc;
        });
        await options.notifier?.organizationChanged(caller.organizationId);
        return policy;
      },
    }),
    catalogRoute('admx_files', 'admx-files', AdmxFileSchema, 'getAdmxFile', 'An ADMX file of the catalog'),
    catalogRoute('applications', 'applications', ApplicationSchema, 'getApplication', 'An application of the catalog'),
  ];
}
