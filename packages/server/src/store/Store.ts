import type { NodeStatus } from '@winmdm/policy';
/**
 * The one storage interface of the server. Two implementations pass the same test suite:
 * {@link SqliteStore} (embedded default, one process) and {@link PostgresStore} (several
 * stateless replicas sharing one database, per-device row locks).
 *
 * Documents are stored as JSON text and handed out as plain objects; the store does not validate
 * them (the API and import layers do, with the zod schemas of `@winmdm/policy`).
 */

/** JSON-compatible object (what documents are). */
export type JsonObject = { [key: string]: unknown };

/** A device as stored: the API-owned document and the endpoint-owned report kept apart. */
export interface DeviceRow {
  id: string;
  organizationId: string;
  /** The Windows device id that the OMA-DM client puts in the SyncHdr `Source`. */
  winId: string | null;
  /**
   * The API-owned fields: `displayName`, `tags`, `mdmUserId`, `winPolicyId`,
   * `winPolicyAssignments`, `segmentId`, `config` (per-device overrides), `customConfig`,
   * `state`, `refreshInfoNeeded`, dates...
   */
  doc: JsonObject;
  /** Bumped by every write of `doc`; PATCH uses it for optimistic concurrency. */
  revision: number;
  /**
   * The endpoint-owned fields, written by check-ins: `summary`, `lastStatusReportTime`,
   * `configDates`, `stateHistory`, `loginStatus`, `applicationStatus`, `inventory`.
   */
  report: JsonObject;
  /** The desired-state fingerprint at which the device last converged (fast path), if any. */
  convergedFingerprint: string | null;
}

/**
 * The state of one node (LocURI) of a device: what `configStatus` shows. Its state fields are a
 * `NodeRecord` of `@winmdm/policy`, changed only through `nodeTransition` (or, in bulk, by the
 * statements that implement its rows: `resendUnacknowledged` for `interrupt`).
 */
export interface NodeStateRow {
  locUri: string;
  /** `csp`, `admx-install`, `msi`: decides whether a node no longer desired is deleted. */
  kind: string;
  /** The value last sent or acknowledged (for large payloads, what the planner compares); while a Delete is unconfirmed, what the device holds. */
  value: string | null;
  status: NodeStatus;
  /** The device's status code for the last command on this node (an MSI install: the installer's result). */
  code: number | null;
  /** The last command sent for this node (`Add`, `Replace`, `Delete`, `Exec`). */
  lastCommand: string | null;
  /** The session in which the node was last sent. */
  sessionId: string | null;
  updatedAt: string;
  /** For `drifted`: what the device holds instead (null: absent). */
  actual: string | null;
  /** Sessions in a row in which the current value failed. */
  tries: number;
  /** For `failed`: not sent again before this time. */
  retryAt: string | null;
  /** When the value was last read back from the device (drift detection), if ever. */
  checkedAt: string | null;
  /** The policy the desired value comes from (the resolution's provenance); null for the device's own config. */
  policyId: string | null;
}

/** One count of the fleet-status aggregate (see {@link StoreTx.getNodeStatusCounts}). */
export interface NodeStatusCount {
  policyId: string | null;
  locUri: string;
  status: NodeStatus;
  code: number | null;
  count: number;
}

/** One recorded status of a node (see `node_history` in the migrations), oldest first per node. */
export interface NodeHistoryRow {
  locUri: string;
  status: string;
  code: number | null;
  /** The value then, cut to 256 characters. */
  value: string | null;
  at: string;
}

/**
 * A device's certificate registration (mutual TLS identity): its thumbprints (uppercase hex;
 * SHA-256 and, as Windows shows them, SHA-1), each of which identifies the device.
 */
export interface DeviceCertRow {
  thumbprints: readonly string[];
  deviceId: string;
  createdAt: string;
}

/** An API token as stored: only its SHA-256 is kept. */
export interface ApiTokenRow {
  tokenSha256: string;
  organizationId: string;
  permissions: string[];
  name: string | null;
}

/** An enrollment token as stored: only its SHA-256 is kept. */
export interface EnrollmentTokenRow {
  id: string;
  tokenSha256: string;
  organizationId: string;
  /** When set, the enrolling user's email must be this one. */
  email: string | null;
  /** How many enrollments it allows; null for any number until it expires. */
  maxUses: number | null;
  uses: number;
  expiresAt: string;
  createdAt: string;
}

/** Which device record a piece of hardware (Windows' HWDevID) was enrolled as. */
export interface DeviceEnrollmentRow {
  hwDevId: string;
  deviceId: string;
  organizationId: string;
  enrolledAt: string;
}

/** A stored message exchange, for answering a retried message byte-identically. */
export interface LoggedMessage {
  requestSha256: string;
  response: string;
  status: number;
}

/** A logged exchange as read back, with the time it was answered (a replay is bounded in time). */
export interface LoggedExchange extends LoggedMessage {
  createdAt: string;
}

/** A queued report for an upstream API (sync agent mode). */
export interface OutboxRow {
  id: number;
  deviceId: string;
  body: string;
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  lastError: string | null;
}

/** A catalog or policy collection: documents keyed by id, scoped to an organization. */
export type Collection = 'policies' | 'automation_rules' | 'applications' | 'admx_files' | 'mdm_users' | 'organizations';

/** How a device message names its device: by id, by the SyncHdr's `winId`, or by its certificate's thumbprints. */
export type DeviceKey = { id: string } | { winId: string } | { thumbprints: readonly string[] };

/** What handling one device message starts from, read — and the device locked — in one step. */
export interface DeviceMessageContext {
  device: DeviceRow;
  /** The device's organization's policy epoch (see {@link StoreTx.getPolicyEpoch}). */
  policyEpoch: number;
  /**
   * The device's current session, if any; its `state` only when it is the session asked for
   * (a message that starts a new session has no use for the old one's state, and parsing it is
   * the biggest cost of a check-in on the fast path).
   */
  session: { sessionId: string; state?: JsonObject } | undefined;
  /** The logged answer to this very message (same SessionID and MsgID), if it was answered before. */
  logged: LoggedExchange | undefined;
}

/** What handling one device message ends with, written in one step. */
export interface DeviceMessageWrite {
  report: JsonObject;
  convergedFingerprint: string | null;
  /** The session to store; absent when nothing of it needs remembering (a session that ended on the fast path). */
  session?: { sessionId: string; state: JsonObject; updatedAt: string };
  log: { sessionId: string; msgId: number; message: LoggedMessage; createdAt: string };
  /** When set, the message log of every other session of the device is dropped. */
  pruneLogExcept?: readonly string[];
}

/** How documents are handed out. */
export interface DocumentReadOptions {
  /**
   * Deeply frozen objects shared with every other shared read: the same object for a document
   * while its stored text is unchanged (the text is read and compared every time). For read-only
   * use where identity saves work — resolution, whose preparation and cache recognise documents by
   * identity. Default false: a fresh object the caller may change.
   */
  shared?: boolean;
}

/** Everything a transaction can do. All reads see the transaction's own writes. */
export interface StoreTx {
  /**
   * The hot path of the device endpoint: finds and locks the device, and reads its policy epoch,
   * its session and the logged answer to (sessionId, msgId) — one round trip on PostgreSQL.
   */
  openDeviceMessage(key: DeviceKey, sessionId: string, msgId: number): Promise<DeviceMessageContext | undefined>;
  /** Writes the device's report, its session and the logged answer (and prunes the log) — one round trip on PostgreSQL. */
  finishDeviceMessage(deviceId: string, write: DeviceMessageWrite): Promise<void>;
  /** Reads a device and holds its lock until the transaction ends (PostgreSQL: `FOR UPDATE`). */
  lockDevice(id: string): Promise<DeviceRow | undefined>;
  getDevice(id: string): Promise<DeviceRow | undefined>;
  getDeviceByWinId(winId: string): Promise<DeviceRow | undefined>;
  /**
   * The organization's devices in the byte (code-point) order of `id`, the same on both stores:
   * all of them, or with `page` at most `limit` of those whose id sorts after `after`. With
   * `search`, only those whose id, winId, `displayName` or `tags` contain it (ASCII letters
   * compared case-insensitively).
   */
  listDevices(organizationId: string, page?: { after?: string; limit?: number; search?: string }): Promise<DeviceRow[]>;
  /** Inserts or replaces the API-owned document; bumps `revision` and returns the new one. */
  putDevice(device: { id: string; organizationId: string; winId: string | null; doc: JsonObject }): Promise<number>;
  /**
   * Replaces the API-owned document only if the stored revision is still `expectedRevision`
   * (optimistic concurrency); returns the new revision, or undefined when someone else won.
   */
  updateDeviceDoc(id: string, doc: JsonObject, expectedRevision: number): Promise<number | undefined>;
  /** Replaces the endpoint-owned report and the convergence fingerprint. */
  updateDeviceReport(id: string, report: JsonObject, convergedFingerprint: string | null): Promise<void>;

  getDocument(collection: Collection, id: string): Promise<JsonObject | undefined>;
  /** The documents of `ids` that exist (in no particular order). */
  getDocuments(collection: Collection, ids: readonly string[], options?: DocumentReadOptions): Promise<JsonObject[]>;
  /** The organization's documents, by id. */
  listDocuments(collection: Collection, organizationId: string, options?: DocumentReadOptions): Promise<JsonObject[]>;
  putDocument(collection: Collection, id: string, organizationId: string | null, doc: JsonObject): Promise<void>;

  /** A counter bumped by every change of the organization's policies, rules, catalogs or users. */
  getPolicyEpoch(organizationId: string): Promise<number>;
  bumpPolicyEpoch(organizationId: string): Promise<number>;

  getApiToken(tokenSha256: string): Promise<ApiTokenRow | undefined>;
  putApiToken(token: ApiTokenRow): Promise<void>;

  findDeviceIdByThumbprint(thumbprint: string): Promise<string | undefined>;
  putDeviceCert(cert: DeviceCertRow): Promise<void>;
  /**
   * Revokes certificates: the given thumbprints of the device, or all of its thumbprints when
   * none are given. Returns how many thumbprints were removed.
   */
  deleteDeviceCerts(deviceId: string, thumbprints?: readonly string[]): Promise<number>;

  putEnrollmentToken(token: EnrollmentTokenRow): Promise<void>;
  getEnrollmentToken(tokenSha256: string): Promise<EnrollmentTokenRow | undefined>;
  /** Counts one use, unless the token is used up or expired at `now`; returns whether it was counted. */
  useEnrollmentToken(id: string, now: string): Promise<boolean>;
  getDeviceEnrollment(hwDevId: string): Promise<DeviceEnrollmentRow | undefined>;
  putDeviceEnrollment(row: DeviceEnrollmentRow): Promise<void>;
  /**
   * Remembers a WS-Addressing MessageID; false when it was seen already (a replay). MessageIDs
   * seen before `forgetBefore` are forgotten.
   */
  rememberMessageId(messageId: string, now: string, forgetBefore: string): Promise<boolean>;

  getNodeStates(deviceId: string): Promise<NodeStateRow[]>;
  /** Inserts or replaces node rows; when a LocURI appears twice, the later row wins. */
  upsertNodeStates(deviceId: string, rows: readonly NodeStateRow[]): Promise<void>;
  deleteNodeStates(deviceId: string, locUris: readonly string[]): Promise<void>;
  /**
   * The status history of the device's tracked nodes (the newest 20 changes each), by LocURI then
   * oldest first. Written by the store itself on every change of a node's status, code or value.
   */
  getNodeHistory(deviceId: string): Promise<NodeHistoryRow[]>;
  /** Turns every node still `sent` (never acknowledged) back into `pending`; returns how many. */
  resendUnacknowledged(deviceId: string, now: string): Promise<number>;
  /**
   * How many of the device's nodes are unsettled: `pending`, `sent`, `failed` (a retry to come)
   * or `drifted`. A device converges only with none; quarantined, refused, unverifiable and
   * conflicting nodes are settled until something changes.
   */
  countUnsettledNodes(deviceId: string): Promise<number>;

  /**
   * The fleet-status aggregate (kept by triggers in the same transaction as every node write,
   * never a scan of node rows): node counts by policy, setting, status and code (`code` only for
   * `failed`, `quarantined`, `not-removable`), of one policy or of all. `policyId` null stands for
   * the devices' own config.
   */
  getNodeStatusCounts(filter?: { policyId?: string }): Promise<NodeStatusCount[]>;
  /** Nodes of the whole fleet by status, from the same aggregate (what `winmdm_nodes{state}` shows). */
  countNodesByStatus(): Promise<Partial<Record<NodeStatus, number>>>;
  /**
   * The devices with a node of `policyId` in `status` (one of the listed statuses: `pending`,
   * `failed`, `drifted`, `quarantined`, `not-removable`, `conflict`), optionally of one setting, in
   * id order after `after`, at most `limit`.
   */
  listNodeStatusDevices(policyId: string, status: NodeStatus, options: { locUri?: string; after?: string; limit: number }): Promise<string[]>;
  /**
   * The resend of `NODE_TRANSITIONS`, in bulk: every node of `policyId` in one of `statuses`
   * (`failed`, `quarantined`, `drifted`, `not-removable`) becomes `pending` with its tries reset,
   * and its device leaves the fast path so that its next check-in sends it. Returns how many nodes
   * and devices.
   */
  resendNodes(policyId: string, statuses: readonly NodeStatus[], now: string): Promise<{ nodes: number; devices: number }>;
  /** {@link StoreTx.resendNodes} for one device: every node of the device in one of `statuses`, whatever its policy. Returns how many nodes. */
  resendDeviceNodes(deviceId: string, statuses: readonly NodeStatus[], now: string): Promise<number>;
  /**
   * Folds what concurrent writers appended to the aggregate into its counts (PostgreSQL; nothing to
   * do on SQLite, whose triggers count directly). Returns how many appended rows it folded.
   */
  compactNodeStatusCounts(): Promise<number>;

  /** The device's current session (sessions and the log are written only by {@link StoreTx.finishDeviceMessage}). */
  getSession(deviceId: string): Promise<{ sessionId: string; state: JsonObject } | undefined>;
  getLoggedMessage(deviceId: string, sessionId: string, msgId: number): Promise<LoggedExchange | undefined>;

  enqueueOutbox(deviceId: string, body: string, now: string): Promise<number>;
  dueOutbox(now: string, limit: number): Promise<OutboxRow[]>;
  /** Hides a report from other workers until `until` while it is being sent (a lease, not an attempt). */
  leaseOutbox(id: number, until: string): Promise<void>;
  completeOutbox(id: number): Promise<void>;
  retryOutbox(id: number, nextAttemptAt: string, error: string): Promise<void>;
  countOutbox(): Promise<number>;
}

/** A store: transactions, migrations, lifecycle. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Applies the schema migrations that have not run yet (run on start). */
  migrate(): Promise<void>;
  /**
   * How many of this code's migrations the database has not applied (0 when it is up to date):
   * one small query, which `/readyz` also uses to see that the store answers.
   */
  pendingMigrations(): Promise<number>;
  close(): Promise<void>;
}
