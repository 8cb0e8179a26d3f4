import { isDeepStrictEqual } from 'node:util';
import { parseAdmx, AdmxError } from '@winmdm/admx';
import type { JsonObject, Store } from '../store/Store.js';
import { ImportInvalidError, type FieldIssue } from '../ServerError.js';
import { hashToken } from '../api/authenticate.js';
import { ImportBundleSchema, type ImportBundle } from './ImportBundleSchema.js';
import { checkImportBundle } from './checkImportBundle.js';

/** What an import changed. */
export interface ImportSummary {
  organizations: number;
  devices: number;
  policies: number;
  automationRules: number;
  applications: number;
  admxFiles: number;
  mdmUsers: number;
  apiTokens: number;
  certificates: number;
  /** Documents that were already stored exactly as in the bundle. */
  unchanged: number;
}

/** Fields of the upstream device document that are computed on read, never stored. */
const COMPUTED_DEVICE_FIELDS = ['winPolicy', 'deviceWinPolicy', 'winPolicyAssignmentsEnforced', 'mdmUser', 'certificateThumbprints'];

function validate(input: unknown): ImportBundle {
  const checked: FieldIssue[] = checkImportBundle(input)
    .filter((i) => i.severity === 'error')
    .map(({ path, message, code }) => ({ path, message, code }));
  const parsed = ImportBundleSchema.safeParse(input);
  if (!parsed.success) {
    throw new ImportInvalidError([
      ...parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
        message: i.message,
        code: i.code,
      })),
      ...checked,
    ]);
  }
  const bundle = parsed.data;
  const issues: FieldIssue[] = [...checked];
  (bundle.admxFiles ?? []).forEach((file, index) => {
    try {
      parseAdmx(file.content);
    } catch (error) {
      if (!(error instanceof AdmxError)) throw error;
      issues.push({ path: ['admxFiles', index, 'content'], message: error.message, code: error.code });
    }
  });
  const winIds = new Map<string, number>();
  bundle.devices.forEach((device, index) => {
    if (device.winId === undefined) return;
    const first = winIds.get(device.winId);
    if (first !== undefined) {
      issues.push({ path: ['devices', index, 'winId'], message: `winId ${device.winId} is also devices[${first}]'s`, code: 'duplicate' });
    } else {
      winIds.set(device.winId, index);
    }
  });
  if (issues.length > 0) throw new ImportInvalidError(issues);
  return bundle;
}

/** The stored (API-owned) part of a device from its bundle entry. */
function deviceDoc(device: ImportBundle['devices'][number]): JsonObject {
  const doc: JsonObject = { ...device };
  if (device.mdmUser?.id && doc['mdmUserId'] === undefined) doc['mdmUserId'] = device.mdmUser.id;
  for (const field of COMPUTED_DEVICE_FIELDS) delete doc[field];
  doc['winPolicyAssignments'] = (device.winPolicyAssignments ?? []).map(({ winPolicy: _embedded, ...a }) => a);
  for (const field of ['id', 'organizationId', 'winId']) delete doc[field];
  return doc;
}

/**
 * Loads a bundle into the store, idempotently: documents are upserted by id, and one that is
 * already stored exactly as in the bundle is left alone (so importing twice changes nothing and
 * bumps no revision). The whole bundle is validated first and written in one transaction: invalid
 * input names the field path and changes nothing. Besides the schema, the errors of
 * {@link checkImportBundle} refuse a bundle (a config key that is no OMA-URI, an unknown permission);
 * its warnings are not this function's to report.
 */
function withoutStamps(doc: JsonObject): JsonObject {
  const { createdAt: _created, updatedAt: _updated, ...rest } = doc;
  return rest;
}

export async function importBundle(store: Store, input: unknown, now: Date = new Date()): Promise<ImportSummary> {
  const bundle = validate(input);
  const createdAt = now.toISOString();
  return store.transaction(async (tx) => {
    const summary: ImportSummary = {
      organizations: 0,
      devices: 0,
      policies: 0,
      automationRules: 0,
      applications: 0,
      admxFiles: 0,
      mdmUsers: 0,
      apiTokens: 0,
      certificates: 0,
      unchanged: 0,
    };
    const changedOrgs = new Set<string>();
    const upsert = async (
      collection: 'organizations' | 'policies' | 'automation_rules' | 'applications' | 'admx_files' | 'mdm_users',
      id: string,
      organizationId: string | null,
      doc: JsonObject,
    ): Promise<boolean> => {
      const existing = await tx.getDocument(collection, id);
      if (existing && isDeepStrictEqual(existing, doc)) {
        summary.unchanged++;
        return false;
      }
      await tx.putDocument(collection, id, organizationId, doc);
      if (organizationId) changedOrgs.add(organizationId);
      return true;
    };

    for (const org of bundle.organizations ?? []) {
      if (await upsert('organizations', org.id, org.id, org as JsonObject)) summary.organizations++;
    }
    const users = new Map<string, JsonObject>();
    for (const user of bundle.mdmUsers ?? []) users.set(user.id, user as JsonObject);
    for (const device of bundle.devices) {
      // A user embedded in a device (the upstream shape) is a user too.
      if (device.mdmUser?.id && !users.has(device.mdmUser.id)) {
        users.set(device.mdmUser.id, { ...device.mdmUser, organizationId: device.organizationId });
      }
    }
    for (const [id, user] of users) {
      if (await upsert('mdm_users', id, user['organizationId'] as string, user)) summary.mdmUsers++;
    }
    for (const policy of bundle.policies) {
      if (!policy.id) continue;
      if (await upsert('policies', policy.id, policy.organizationId ?? null, policy as JsonObject)) summary.policies++;
    }
    const policyOrg = new Map(bundle.policies.map((p) => [p.id, p.organizationId]));
    for (const rule of bundle.automationRules ?? []) {
      // A rule belongs to its organization; when it does not say, to its policy's.
      const own = (rule as JsonObject)['organizationId'];
      const org = typeof own === 'string' ? own : (policyOrg.get(rule.winPolicyId) ?? null);
      if (await upsert('automation_rules', rule.id, org, rule as JsonObject)) summary.automationRules++;
    }
    for (const app of bundle.applications ?? []) {
      const org = (app as JsonObject)['organizationId'];
      if (await upsert('applications', app.id, typeof org === 'string' ? org : null, app as JsonObject)) summary.applications++;
    }
    for (const file of bundle.admxFiles ?? []) {
      const org = (file as JsonObject)['organizationId'];
      if (await upsert('admx_files', file.id, typeof org === 'string' ? org : null, file as JsonObject)) summary.admxFiles++;
    }
    for (const device of bundle.devices) {
      const doc = deviceDoc(device);
      const existing = await tx.getDevice(device.id);
      // The document always carries createdAt and updatedAt (the upstream example has both): kept
      // from the bundle when it gives them, else from the stored document, else now. A re-import
      // that changes nothing else leaves them alone, so that import stays idempotent.
      const stamp = (key: 'createdAt' | 'updatedAt'): unknown => doc[key] ?? existing?.doc[key];
      const same =
        existing !== undefined &&
        existing.organizationId === device.organizationId &&
        existing.winId === (device.winId ?? null) &&
        isDeepStrictEqual(withoutStamps(existing.doc), withoutStamps(doc)) &&
        stamp('createdAt') === existing.doc['createdAt'] &&
        stamp('updatedAt') === existing.doc['updatedAt'] &&
        existing.doc['createdAt'] !== undefined &&
        existing.doc['updatedAt'] !== undefined;
      if (same) {
        summary.unchanged++;
      } else {
        const stamped: JsonObject = {
          ...doc,
          createdAt: (doc['createdAt'] ?? existing?.doc['createdAt'] ?? createdAt) as string,
          updatedAt: (doc['updatedAt'] ?? createdAt) as string,
        };
        await tx.putDevice({ id: device.id, organizationId: device.organizationId, winId: device.winId ?? null, doc: stamped });
        summary.devices++;
      }
      if (device.certificateThumbprints && device.certificateThumbprints.length > 0) {
        await tx.putDeviceCert({ thumbprints: device.certificateThumbprints, deviceId: device.id, createdAt });
        summary.certificates += device.certificateThumbprints.length;
      }
    }
    for (const token of bundle.apiTokens ?? []) {
      await tx.putApiToken({
        tokenSha256: hashToken(token.token),
        organizationId: token.organizationId,
        permissions: token.permissions,
        name: token.name ?? null,
      });
      summary.apiTokens++;
    }
    // Rules and catalogs without an organization may affect any organization's devices.
    const orgs = new Set([...changedOrgs, ...bundle.devices.map((d) => d.organizationId)]);
    if (summary.automationRules + summary.applications + summary.admxFiles > 0 || changedOrgs.size > 0) {
      for (const org of orgs) await tx.bumpPolicyEpoch(org);
    }
    return summary;
  });
}
