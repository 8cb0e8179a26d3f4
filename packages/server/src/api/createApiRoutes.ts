import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  UpdateDeviceRequestSchema,
  WinPolicySchema,
  evaluateAutomationRules,
  type AutomationRule,
  type UpdateDeviceRequest,
} from '@winmdm/policy';
import type { Logger } from 'pino';
import type { DeviceRow, JsonObject, Store, StoreTx } from '../store/Store.js';
import {
  ApiError,
  BillingPlanError,
  EntityNotFoundError,
  InvalidBodyError,
  type FieldIssue,
} from '../ServerError.js';
import { BodyTooLargeError, readBody } from '../http/readBody.js';
import type { RouteHandler } from '../http/startServer.js';
import { deviceDocument } from '../fleet/deviceDocument.js';
import { deviceForResolution } from '../fleet/loadResolveInput.js';
import { allows, Features, organizationPlan } from '../fleet/organizationPlan.js';
import { authenticate, Permissions, requirePermission, type Caller } from './authenticate.js';
import type { ChangeNotifier } from './ChangeNotifier.js';
import type { ReportHandler } from './ReportHandler.js';

/** Options of {@link createApiRoutes}. */
export interface ApiOptions {
  store: Store;
  logger: Logger;
  now?: () => Date;
  /** Told about every change that alters what devices should get (the hook for push, WNS). */
  notifier?: ChangeNotifier;
  /** Applies reports that sync agents post (`POST /mdm/windows/devices/{id}/reports`). */
  reports?: ReportHandler;
  /** Largest accepted JSON body (default 1 MiB). */
  maxBodyBytes?: number;
}

const PREFIX = '/mdm/windows/';

function sendJson(res: ServerResponse, status: number, value: unknown, req?: IncomingMessage): void {
  const body = JSON.stringify(value);
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8' };
  if (req?.method === 'GET' && status === 200) {
    // Conditional GETs: a sync agent revalidating an unchanged document gets a bodiless 304.
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    headers['etag'] = etag;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(status, headers);
  res.end(body);
}

function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, { status: false, error: { code: error.envelopeCode, message: error.message, ...error.details() } });
}

function zodIssues(issues: readonly { path: readonly PropertyKey[]; message: string; code: string }[]): FieldIssue[] {
  return issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: i.message,
    code: i.code,
  }));
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await readBody(req, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new InvalidBodyError([{ path: [], message: error.message, code: 'too_big' }]);
    throw error;
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new InvalidBodyError([{ path: [], message: 'body is not JSON', code: 'invalid_json' }]);
  }
}

/** A device of the caller's organization, locked for the rest of the transaction; another organization's is "not found". */
async function ownDevice(tx: StoreTx, caller: Caller, id: string): Promise<DeviceRow> {
  const row = await tx.lockDevice(id);
  if (!row || row.organizationId !== caller.organizationId) throw new EntityNotFoundError('device');
  return row;
}

async function ownDocument(
  tx: StoreTx,
  caller: Caller,
  collection: 'policies' | 'mdm_users' | 'admx_files' | 'applications',
  id: string,
  entity: string,
): Promise<JsonObject> {
  const doc = await tx.getDocument(collection, id);
  const org = doc?.['organizationId'];
  // Catalog entries without an organization are shared by every organization.
  if (!doc || (org !== undefined && org !== caller.organizationId)) throw new EntityNotFoundError(entity);
  return doc;
}

/**
 * The management API on the device endpoint's server: the upstream document's
 * `PATCH /mdm/windows/devices/{id}` (and its `GET`), plus what a sync agent needs (the device list
 * by `winId`, catalog reads, the reports endpoint) and `PUT /mdm/windows/policies/{id}`. Errors
 * use the upstream envelope `{status:false,error:{code,message}}`.
 */
export function createApiRoutes(options: ApiOptions): RouteHandler {
  const { store, logger } = options;
  const now = options.now ?? (() => new Date());
  const limit = options.maxBodyBytes ?? 1024 * 1024;

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

  const routes: { method: string; pattern: RegExp; run(req: IncomingMessage, caller: Caller, m: RegExpExecArray, url: URL): Promise<[number, unknown]> }[] = [
    {
      method: 'GET',
      pattern: /^devices$/,
      run: async (_req, caller, _m, url) => {
        requirePermission(caller, Permissions.deviceRead);
        const winId = url.searchParams.get('winId');
        const docs = await store.transaction(async (tx) => {
          const rows = winId !== null ? [await tx.getDeviceByWinId(winId)] : await tx.listDevices(caller.organizationId);
          const own = rows.filter((r): r is DeviceRow => r !== undefined && r.organizationId === caller.organizationId);
          const out: JsonObject[] = [];
          for (const r of own) out.push((await deviceDocument(tx, r)).document);
          return out;
        });
        return [200, { status: true, data: docs }];
      },
    },
    {
      method: 'GET',
      pattern: /^devices\/([^/]+)$/,
      run: async (_req, caller, m) => {
        requirePermission(caller, Permissions.deviceRead);
        const id = decodeURIComponent(m[1] as string);
        const doc = await store.transaction(async (tx) => (await deviceDocument(tx, await ownDevice(tx, caller, id))).document);
        return [200, { status: true, data: doc }];
      },
    },
    {
      method: 'PATCH',
      pattern: /^devices\/([^/]+)$/,
      run: async (req, caller, m) => {
        requirePermission(caller, Permissions.deviceUpdate);
        const id = decodeURIComponent(m[1] as string);
        const parsed = UpdateDeviceRequestSchema.safeParse(await readJson(req, limit));
        if (!parsed.success) throw new InvalidBodyError(zodIssues(parsed.error.issues));
        const doc = await patchDevice(caller, id, parsed.data);
        await options.notifier?.devicesChanged([id]);
        return [200, { status: true, data: doc }];
      },
    },
    {
      method: 'POST',
      pattern: /^devices\/([^/]+)\/reports$/,
      run: async (req, caller, m) => {
        requirePermission(caller, Permissions.deviceReport);
        if (!options.reports) throw new EntityNotFoundError('reports');
        const id = decodeURIComponent(m[1] as string);
        const body = await readJson(req, limit);
        const result = await options.reports.accept(caller, id, body);
        return [200, { status: true, data: result }];
      },
    },
    {
      method: 'GET',
      pattern: /^policies\/([^/]+)$/,
      run: async (_req, caller, m) => {
        requirePermission(caller, Permissions.policyRead);
        const id = decodeURIComponent(m[1] as string);
        return [200, { status: true, data: await store.transaction((tx) => ownDocument(tx, caller, 'policies', id, 'winPolicy')) }];
      },
    },
    {
      method: 'PUT',
      pattern: /^policies\/([^/]+)$/,
      run: async (req, caller, m) => {
        requirePermission(caller, Permissions.policyUpdate);
        const id = decodeURIComponent(m[1] as string);
        const parsed = WinPolicySchema.safeParse(await readJson(req, limit));
        if (!parsed.success) throw new InvalidBodyError(zodIssues(parsed.error.issues));
        const policy = await store.transaction(async (tx) => {
          const existing = await tx.getDocument('policies', id);
          if (existing && existing['organizationId'] !== caller.organizationId) throw new EntityNotFoundError('winPolicy');
          const version = (typeof existing?.['version'] === 'number' ? existing['version'] : 0) + 1;
          const doc: JsonObject = {
            ...parsed.data,
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
        return [200, { status: true, data: policy }];
      },
    },
    {
      method: 'GET',
      pattern: /^(admx-files|applications)\/([^/]+)$/,
      run: async (_req, caller, m) => {
        requirePermission(caller, Permissions.deviceRead);
        const collection = m[1] === 'admx-files' ? 'admx_files' : 'applications';
        const id = decodeURIComponent(m[2] as string);
        const doc = await store.transaction((tx) => ownDocument(tx, caller, collection, id, collection));
        return [200, { status: true, data: doc }];
      },
    },
  ];

  return async (req, res, url) => {
    if (!url.pathname.startsWith(PREFIX)) return false;
    const rest = url.pathname.slice(PREFIX.length);
    const matching = routes.filter((r) => r.pattern.test(rest));
    if (matching.length === 0) return false;
    try {
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        res.setHeader('allow', matching.map((r) => r.method).join(', '));
        sendJson(res, 405, { status: false, error: { code: 405, message: 'Method not allowed' } });
        return true;
      }
      const caller = await authenticate(store, req);
      const [status, value] = await route.run(req, caller, route.pattern.exec(rest) as RegExpExecArray, url);
      sendJson(res, status, value, req);
    } catch (error) {
      if (error instanceof ApiError) {
        logger.info({ code: error.code, path: url.pathname, method: req.method }, error.message);
        sendError(res, error);
      } else {
        throw error;
      }
    }
    return true;
  };
}
