import type { Collection, DeviceEnrollmentRow, DeviceRow, EnrollmentTokenRow, JsonObject, NodeHistoryRow, NodeStateRow, NodeStatusCount } from './Store.js';

/**
 * What both stores share about their rows: the collection tables, and the device row as SQL
 * returns it. Internal to the store implementations.
 */
const COLLECTIONS: ReadonlySet<Collection> = new Set([
  'policies',
  'automation_rules',
  'applications',
  'admx_files',
  'mdm_users',
  'organizations',
]);

/** The table of a collection. Table names cannot be bound parameters; the set check keeps this safe. */
export function table(collection: Collection): string {
  if (!COLLECTIONS.has(collection)) throw new Error(`unknown collection ${collection}`);
  return collection;
}

/** A `devices` row as the drivers return it (PostgreSQL returns BIGINT as a string). */
export interface DeviceDbRow {
  id: string;
  organization_id: string;
  win_id: string | null;
  doc: string;
  revision: number | string;
  report: string;
  converged_fingerprint: string | null;
}

export function toDevice(row: DeviceDbRow | undefined): DeviceRow | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    organizationId: row.organization_id,
    winId: row.win_id,
    doc: JSON.parse(row.doc) as JsonObject,
    revision: Number(row.revision),
    report: JSON.parse(row.report) as JsonObject,
    convergedFingerprint: row.converged_fingerprint,
  };
}

/** A `node_states` row as the drivers return it. */
export interface NodeDbRow {
  loc_uri: string;
  kind: string;
  value: string | null;
  status: NodeStateRow['status'];
  code: number | null;
  last_command: string | null;
  session_id: string | null;
  updated_at: string;
  actual: string | null;
  tries: number | string;
  retry_at: string | null;
  checked_at: string | null;
  policy_id: string | null;
}

export function toNodeState(r: NodeDbRow): NodeStateRow {
  return {
    locUri: r.loc_uri,
    kind: r.kind,
    value: r.value,
    status: r.status,
    code: r.code,
    lastCommand: r.last_command,
    sessionId: r.session_id,
    updatedAt: r.updated_at,
    actual: r.actual,
    tries: Number(r.tries),
    retryAt: r.retry_at,
    checkedAt: r.checked_at,
    policyId: r.policy_id,
  };
}

/** The statuses a converged device has no node in (see `StoreTx.countUnsettledNodes`), as an SQL list. */
export const UNSETTLED_SQL = "'pending', 'sent', 'failed', 'drifted'";

/** The columns of `node_states` a write sets, in the order the stores bind them (after `device_id`). */
export const NODE_COLUMNS =
  'loc_uri, kind, value, status, code, last_command, session_id, updated_at, actual, tries, retry_at, checked_at, policy_id';

/** A node row's values in the order of {@link NODE_COLUMNS}. */
export function nodeValues(r: NodeStateRow): unknown[] {
  return [r.locUri, r.kind, r.value, r.status, r.code, r.lastCommand, r.sessionId, r.updatedAt, r.actual, r.tries, r.retryAt, r.checkedAt, r.policyId];
}

/** A `node_history` row as the drivers return it. */
export interface NodeHistoryDbRow {
  loc_uri: string;
  status: string;
  code: number | null;
  value: string | null;
  at: string;
}

export function toNodeHistory(r: NodeHistoryDbRow): NodeHistoryRow {
  return { locUri: r.loc_uri, status: r.status, code: r.code, value: r.value, at: r.at };
}

/** An `enrollment_tokens` row as the drivers return it. */
export interface EnrollmentTokenDbRow {
  id: string;
  token_sha256: string;
  organization_id: string;
  email: string | null;
  max_uses: number | string | null;
  uses: number | string;
  expires_at: string;
  created_at: string;
}

export function toEnrollmentToken(r: EnrollmentTokenDbRow | undefined): EnrollmentTokenRow | undefined {
  if (!r) return undefined;
  return {
    id: r.id,
    tokenSha256: r.token_sha256,
    organizationId: r.organization_id,
    email: r.email,
    maxUses: r.max_uses === null ? null : Number(r.max_uses),
    uses: Number(r.uses),
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  };
}

/** A `device_enrollments` row as the drivers return it. */
export interface DeviceEnrollmentDbRow {
  hw_dev_id: string;
  device_id: string;
  organization_id: string;
  enrolled_at: string;
}

export function toDeviceEnrollment(r: DeviceEnrollmentDbRow | undefined): DeviceEnrollmentRow | undefined {
  return r ? { hwDevId: r.hw_dev_id, deviceId: r.device_id, organizationId: r.organization_id, enrolledAt: r.enrolled_at } : undefined;
}

/** A `node_status_counts` row (with the deltas added, on PostgreSQL) as the drivers return it. */
export interface NodeStatusCountDbRow {
  policy_id: string;
  loc_uri: string;
  status: NodeStateRow['status'];
  code: number | string;
  n: number | string;
}

export function toNodeStatusCount(r: NodeStatusCountDbRow): NodeStatusCount {
  const code = Number(r.code);
  return { policyId: r.policy_id === '' ? null : r.policy_id, locUri: r.loc_uri, status: r.status, code: code === 0 ? null : code, count: Number(r.n) };
}

/** The statuses the API's resend takes nodes out of (the `resend` row of `NODE_TRANSITIONS`). */
export const RESENDABLE: readonly NodeStateRow['status'][] = ['failed', 'quarantined', 'drifted', 'not-removable'];
