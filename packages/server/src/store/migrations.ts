/**
 * Schema migrations, one list per dialect, applied in order on start and recorded in
 * `schema_migrations`. Append new versions; never edit an applied one.
 */
export interface Migration {
  version: number;
  description: string;
  statements: readonly string[];
}

function tables(json: string, serial: string, withoutRowid: string): string[] {
  return [
    `CREATE TABLE organizations (id TEXT PRIMARY KEY, organization_id TEXT, doc ${json} NOT NULL, policy_epoch BIGINT NOT NULL DEFAULT 0)`,
    `CREATE TABLE api_tokens (token_sha256 TEXT PRIMARY KEY, organization_id TEXT NOT NULL, permissions ${json} NOT NULL, name TEXT)`,
    `CREATE TABLE mdm_users (id TEXT PRIMARY KEY, organization_id TEXT, doc ${json} NOT NULL)`,
    `CREATE TABLE policies (id TEXT PRIMARY KEY, organization_id TEXT, doc ${json} NOT NULL)`,
    `CREATE TABLE automation_rules (id TEXT PRIMARY KEY, organization_id TEXT, doc ${json} NOT NULL)`,
    `CREATE TABLE applications (id TEXT PRIMARY KEY, organization_id TEXT, doc ${json} NOT NULL)`,
    `CREATE TABLE admx_files (id TEXT PRIMARY KEY, organization_id TEXT, doc ${json} NOT NULL)`,
    `CREATE INDEX policies_org ON policies (organization_id)`,
    `CREATE INDEX automation_rules_org ON automation_rules (organization_id)`,
    `CREATE TABLE devices (
       id TEXT PRIMARY KEY,
       organization_id TEXT NOT NULL,
       win_id TEXT UNIQUE,
       doc ${json} NOT NULL,
       revision BIGINT NOT NULL,
       report ${json} NOT NULL,
       converged_fingerprint TEXT
     )`,
    `CREATE INDEX devices_org ON devices (organization_id)`,
    `CREATE TABLE device_certs (thumbprint TEXT PRIMARY KEY, device_id TEXT NOT NULL, created_at TEXT NOT NULL)`,
    `CREATE TABLE node_states (
       device_id TEXT NOT NULL,
       loc_uri TEXT NOT NULL,
       kind TEXT NOT NULL,
       value TEXT,
       status TEXT NOT NULL,
       code INTEGER,
       last_command TEXT,
       session_id TEXT,
       updated_at TEXT NOT NULL,
       PRIMARY KEY (device_id, loc_uri)
     )${withoutRowid}`,
    `CREATE TABLE sessions (device_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, state ${json} NOT NULL, updated_at TEXT NOT NULL)`,
    `CREATE TABLE message_log (
       device_id TEXT NOT NULL,
       session_id TEXT NOT NULL,
       msg_id INTEGER NOT NULL,
       request_sha256 TEXT NOT NULL,
       response TEXT NOT NULL,
       status INTEGER NOT NULL,
       created_at TEXT NOT NULL,
       PRIMARY KEY (device_id, session_id, msg_id)
     )`,
    `CREATE TABLE outbox (
       id ${serial} PRIMARY KEY,
       device_id TEXT NOT NULL,
       body TEXT NOT NULL,
       attempts INTEGER NOT NULL DEFAULT 0,
       next_attempt_at TEXT NOT NULL,
       created_at TEXT NOT NULL,
       last_error TEXT
     )`,
    `CREATE INDEX outbox_due ON outbox (next_attempt_at)`,
  ];
}

/**
 * How many status changes of one node `node_history` keeps: enough to see a value fail, be
 * retried and apply, bounded so a flapping node cannot grow the table.
 */
export const NODE_HISTORY_LIMIT = 20;

/**
 * Each node's status history, written by triggers on `node_states`: every insert, and every update
 * that changes the status, the code or the value, appends a row (the value cut to 256 characters),
 * and only the newest {@link NODE_HISTORY_LIMIT} rows per node are kept. Triggers rather than code
 * in the stores so that every writer of node states (check-ins, reports, the API's actions) is
 * recorded, whatever statement it uses. `sent` is not recorded: it lasts until the device answers,
 * normally within the same session, and the node's own row shows it while it lasts; leaving it out
 * halves the trigger's work on a first check-in (measured: 200 settings, 7 µs per recorded row on
 * SQLite). A node that stops being tracked takes its history along.
 */
function nodeHistory(serial: string): string[] {
  return [
    `CREATE TABLE node_history (
       id ${serial} PRIMARY KEY,
       device_id TEXT NOT NULL,
       loc_uri TEXT NOT NULL,
       status TEXT NOT NULL,
       code INTEGER,
       value TEXT,
       at TEXT NOT NULL
     )`,
    `CREATE INDEX node_history_node ON node_history (device_id, loc_uri, id)`,
  ];
}

const RECORD = `INSERT INTO node_history (device_id, loc_uri, status, code, value, at)
    VALUES (NEW.device_id, NEW.loc_uri, NEW.status, NEW.code, substr(NEW.value, 1, 256), NEW.updated_at);`;
// A new node has no history yet (its old one left with it): only updates need the bound.
const RECORD_BOUNDED = `${RECORD}
  DELETE FROM node_history WHERE device_id = NEW.device_id AND loc_uri = NEW.loc_uri AND id < (
    SELECT id FROM node_history WHERE device_id = NEW.device_id AND loc_uri = NEW.loc_uri
    ORDER BY id DESC LIMIT 1 OFFSET ${NODE_HISTORY_LIMIT - 1});`;
const FORGET = 'DELETE FROM node_history WHERE device_id = OLD.device_id AND loc_uri = OLD.loc_uri;';

/**
 * Enrollment ([MS-MDE2]): tokens (only their SHA-256 is kept), which hardware a device record
 * belongs to (re-enrolling the same HWDevID reuses it), the WS-Addressing MessageIDs already
 * answered (replay protection, pruned after a day), and the index that revoking a device's
 * certificates needs.
 */
const enrollment: readonly string[] = [
  `CREATE TABLE enrollment_tokens (
     id TEXT PRIMARY KEY,
     token_sha256 TEXT NOT NULL UNIQUE,
     organization_id TEXT NOT NULL,
     email TEXT,
     max_uses INTEGER,
     uses INTEGER NOT NULL DEFAULT 0,
     expires_at TEXT NOT NULL,
     created_at TEXT NOT NULL
   )`,
  `CREATE TABLE device_enrollments (
     hw_dev_id TEXT PRIMARY KEY,
     device_id TEXT NOT NULL,
     organization_id TEXT NOT NULL,
     enrolled_at TEXT NOT NULL
   )`,
  `CREATE TABLE enrollment_messages (message_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL)`,
  `CREATE INDEX enrollment_messages_seen ON enrollment_messages (seen_at)`,
  `CREATE INDEX device_certs_device ON device_certs (device_id)`,
];

/**
 * The node state fields of the per-setting vocabulary (`NodeRecord` of `@winmdm/policy`): what a
 * drifted node holds instead, the tries and backoff of a failing one, when it was last read back,
 * and the policy its desired value comes from.
 */
const NODE_STATE_FIELDS = [
  'ALTER TABLE node_states ADD COLUMN actual TEXT',
  'ALTER TABLE node_states ADD COLUMN tries INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE node_states ADD COLUMN retry_at TEXT',
  'ALTER TABLE node_states ADD COLUMN checked_at TEXT',
  'ALTER TABLE node_states ADD COLUMN policy_id TEXT',
];

/**
 * The states whose nodes the fleet status lists by device (`node_status_members`): those an admin
 * acts on. `applied`, `verified` and `unverifiable` are counted only; `sent` lasts a session.
 */
export const LISTED_STATUSES = ['pending', 'failed', 'drifted', 'quarantined', 'not-removable', 'conflict'] as const;
const LISTED = LISTED_STATUSES.map((s) => `'${s}'`).join(', ');
/** The code a count is kept by: the device's code for the failed states, 0 for the others. */
const codeKey = (row: string): string => `CASE WHEN ${row}.status IN ('failed', 'quarantined', 'not-removable') THEN COALESCE(${row}.code, 0) ELSE 0 END`;
const policyKey = (row: string): string => `COALESCE(${row}.policy_id, '')`;
/** Whether a change of a node row moves it to another count (or another list). */
const moved = (o: string, n: string): string =>
  `(${policyKey(o)}, ${o}.status, ${codeKey(o)}) IS DISTINCT FROM (${policyKey(n)}, ${n}.status, ${codeKey(n)})`;

/**
 * The fleet-status aggregate, kept by triggers on `node_states` in the same transaction as every
 * node write (check-ins, reports, resends), so that `GET /mdm/windows/policies/{id}/status` and the
 * nodes-by-state metric never scan node rows: counts by (policy, LocURI, status, code), and for the
 * {@link LISTED_STATUSES} the devices in them. A node's policy is the one its desired value comes
 * from (`policy_id`; '' for the device's own config).
 */
function aggregateTables(withoutRowid: string, byteOrder: string): string[] {
  return [
    `CREATE TABLE node_status_counts (
       policy_id TEXT NOT NULL, loc_uri TEXT NOT NULL, status TEXT NOT NULL, code INTEGER NOT NULL, n BIGINT NOT NULL,
       PRIMARY KEY (policy_id, loc_uri, status, code)
     )${withoutRowid}`,
    // Device ids are listed in byte order on both stores (PostgreSQL: the C collation).
    `CREATE TABLE node_status_members (
       policy_id TEXT NOT NULL, status TEXT NOT NULL, device_id TEXT${byteOrder} NOT NULL, loc_uri TEXT${byteOrder} NOT NULL, code INTEGER NOT NULL,
       PRIMARY KEY (policy_id, status, device_id, loc_uri)
     )${withoutRowid}`,
    'CREATE INDEX node_status_members_setting ON node_status_members (policy_id, loc_uri, status, device_id)',
    `INSERT INTO node_status_members (policy_id, status, device_id, loc_uri, code)
       SELECT ${policyKey('s')}, s.status, s.device_id, s.loc_uri, ${codeKey('s')} FROM node_states s WHERE s.status IN (${LISTED})`,
  ];
}

const SQLITE_COUNT = (row: string, d: string): string =>
  `INSERT INTO node_status_counts (policy_id, loc_uri, status, code, n) VALUES (${policyKey(row)}, ${row}.loc_uri, ${row}.status, ${codeKey(row)}, ${d})
     ON CONFLICT (policy_id, loc_uri, status, code) DO UPDATE SET n = n + excluded.n;`;
const SQLITE_LIST = `INSERT INTO node_status_members (policy_id, status, device_id, loc_uri, code)
     SELECT ${policyKey('NEW')}, NEW.status, NEW.device_id, NEW.loc_uri, ${codeKey('NEW')} WHERE NEW.status IN (${LISTED})
     ON CONFLICT (policy_id, status, device_id, loc_uri) DO UPDATE SET code = excluded.code;`;
const SQLITE_UNLIST = `DELETE FROM node_status_members WHERE policy_id = ${policyKey('OLD')} AND status = OLD.status AND device_id = OLD.device_id AND loc_uri = OLD.loc_uri;`;

/** SQLite has one writer at a time: the triggers keep the counts themselves, row by row. */
const sqliteAggregate: string[] = [
  ...aggregateTables(' WITHOUT ROWID', ''),
  `INSERT INTO node_status_counts (policy_id, loc_uri, status, code, n)
     SELECT ${policyKey('s')}, s.loc_uri, s.status, ${codeKey('s')}, COUNT(*) FROM node_states s GROUP BY 1, 2, 3, 4`,
  `CREATE TRIGGER node_status_insert AFTER INSERT ON node_states BEGIN ${SQLITE_COUNT('NEW', '1')} ${SQLITE_LIST} END`,
  `CREATE TRIGGER node_status_update AFTER UPDATE ON node_states WHEN ${moved('OLD', 'NEW')}
     BEGIN ${SQLITE_COUNT('OLD', '-1')} ${SQLITE_COUNT('NEW', '1')} ${SQLITE_UNLIST} ${SQLITE_LIST} END`,
  `CREATE TRIGGER node_status_delete AFTER DELETE ON node_states BEGIN ${SQLITE_COUNT('OLD', '-1')} ${SQLITE_UNLIST} END`,
];

const PG_DELTA = (select: string): string =>
  `INSERT INTO node_status_deltas (policy_id, loc_uri, status, code, d) SELECT policy_id, loc_uri, status, code, SUM(d) FROM (${select}) x
     GROUP BY policy_id, loc_uri, status, code HAVING SUM(d) <> 0;`;
const pgKey = (row: string): string => `${policyKey(row)} AS policy_id, ${row}.loc_uri, ${row}.status, ${codeKey(row)} AS code`;
const PG_LIST = (from: string, where: string): string =>
  `INSERT INTO node_status_members (policy_id, status, device_id, loc_uri, code)
     SELECT ${policyKey('n')}, n.status, n.device_id, n.loc_uri, ${codeKey('n')} FROM ${from} WHERE n.status IN (${LISTED}) ${where}
     ON CONFLICT (policy_id, status, device_id, loc_uri) DO UPDATE SET code = excluded.code;`;
const PG_UNLIST = (from: string, where: string): string =>
  `DELETE FROM node_status_members m USING ${from} WHERE m.policy_id = ${policyKey('o')} AND m.status = o.status AND m.device_id = o.device_id AND m.loc_uri = o.loc_uri ${where};`;
const PG_CHANGED = 'old_rows o JOIN new_rows n ON n.device_id = o.device_id AND n.loc_uri = o.loc_uri';

/**
 * PostgreSQL serves concurrent devices: a counter row shared by every device of a policy would
 * serialise their transactions (and deadlock them in turn), so each statement only appends its
 * difference to `node_status_deltas` (per statement, from transition tables), which readers add
 * to `node_status_counts` and a compaction folds in (`compactNodeStatusCounts`). The device lists
 * are per device and kept directly.
 */
const postgresAggregate: string[] = [
  ...aggregateTables('', ' COLLATE "C"'),
  `CREATE TABLE node_status_deltas (
     id BIGSERIAL PRIMARY KEY, policy_id TEXT NOT NULL, loc_uri TEXT NOT NULL, status TEXT NOT NULL, code INTEGER NOT NULL, d BIGINT NOT NULL
   )`,
  `INSERT INTO node_status_counts (policy_id, loc_uri, status, code, n)
     SELECT ${policyKey('s')}, s.loc_uri, s.status, ${codeKey('s')}, COUNT(*) FROM node_states s GROUP BY 1, 2, 3, 4`,
  `CREATE FUNCTION node_status_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
     ${PG_DELTA(`SELECT ${pgKey('n')}, 1 AS d FROM new_rows n`)}
     ${PG_LIST('new_rows n', '')}
     RETURN NULL; END $$`,
  `CREATE FUNCTION node_status_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
     ${PG_DELTA(`SELECT ${pgKey('o')}, -1 AS d FROM ${PG_CHANGED} WHERE ${moved('o', 'n')} UNION ALL SELECT ${pgKey('n')}, 1 AS d FROM ${PG_CHANGED} WHERE ${moved('o', 'n')}`)}
     ${PG_UNLIST(PG_CHANGED, `AND ${moved('o', 'n')}`)}
     ${PG_LIST(PG_CHANGED, `AND ${moved('o', 'n')}`)}
     RETURN NULL; END $$`,
  `CREATE FUNCTION node_status_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
     ${PG_DELTA(`SELECT ${pgKey('o')}, -1 AS d FROM old_rows o`)}
     ${PG_UNLIST('old_rows o', '')}
     RETURN NULL; END $$`,
  'CREATE TRIGGER node_status_insert AFTER INSERT ON node_states REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION node_status_insert()',
  'CREATE TRIGGER node_status_update AFTER UPDATE ON node_states REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION node_status_update()',
  'CREATE TRIGGER node_status_delete AFTER DELETE ON node_states REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION node_status_delete()',
];

/** SQLite: JSON as TEXT, INTEGER PRIMARY KEY as the rowid alias. */
export const sqliteMigrations: readonly Migration[] = [
  // node_states is keyed by (device, LocURI) and written hundreds of rows at a time: WITHOUT ROWID
  // keeps it one B-tree instead of a table and an index.
  { version: 1, description: 'initial schema', statements: tables('TEXT', 'INTEGER', ' WITHOUT ROWID') },
  {
    version: 2,
    description: 'node status history',
    statements: [
      ...nodeHistory('INTEGER'),
      `CREATE TRIGGER node_history_insert AFTER INSERT ON node_states WHEN NEW.status <> 'sent' BEGIN ${RECORD} END`,
      `CREATE TRIGGER node_history_update AFTER UPDATE ON node_states
         WHEN NEW.status <> 'sent' AND (OLD.status IS NOT NEW.status OR OLD.code IS NOT NEW.code OR OLD.value IS NOT NEW.value)
         BEGIN ${RECORD_BOUNDED} END`,
      `CREATE TRIGGER node_history_delete AFTER DELETE ON node_states BEGIN ${FORGET} END`,
    ],
  },
  { version: 3, description: 'enrollment: tokens, hardware ids, message ids', statements: enrollment },
  // GET /mdm/windows/devices pages an organization's devices by id.
  { version: 4, description: 'devices by organization and id', statements: ['CREATE INDEX devices_org_id ON devices (organization_id, id)'] },
  { version: 5, description: 'node state fields: actual, tries, retry_at, checked_at, policy_id', statements: NODE_STATE_FIELDS },
  { version: 6, description: 'fleet-status aggregate: node counts and listed devices by policy, setting and status', statements: sqliteAggregate },
];

/** PostgreSQL: JSON kept as TEXT too (the server never queries inside documents), BIGSERIAL ids. */
export const postgresMigrations: readonly Migration[] = [
  { version: 1, description: 'initial schema', statements: tables('TEXT', 'BIGSERIAL', '') },
  {
    version: 2,
    description: 'node status history',
    statements: [
      ...nodeHistory('BIGSERIAL'),
      // Unqualified table names resolve through the connection's search_path (the store's schema).
      `CREATE FUNCTION node_history_record() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${RECORD} RETURN NULL; END $$`,
      `CREATE FUNCTION node_history_record_bounded() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${RECORD_BOUNDED} RETURN NULL; END $$`,
      `CREATE FUNCTION node_history_forget() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${FORGET} RETURN NULL; END $$`,
      `CREATE TRIGGER node_history_insert AFTER INSERT ON node_states FOR EACH ROW WHEN (NEW.status <> 'sent')
         EXECUTE FUNCTION node_history_record()`,
      `CREATE TRIGGER node_history_update AFTER UPDATE ON node_states FOR EACH ROW
         WHEN (NEW.status <> 'sent' AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.code IS DISTINCT FROM NEW.code OR OLD.value IS DISTINCT FROM NEW.value))
         EXECUTE FUNCTION node_history_record_bounded()`,
      'CREATE TRIGGER node_history_delete AFTER DELETE ON node_states FOR EACH ROW EXECUTE FUNCTION node_history_forget()',
    ],
  },
  { version: 3, description: 'enrollment: tokens, hardware ids, message ids', statements: enrollment },
  // GET /mdm/windows/devices pages an organization's devices by id in byte order on both stores.
  { version: 4, description: 'devices by organization and id', statements: ['CREATE INDEX devices_org_id ON devices (organization_id, id COLLATE "C")'] },
  { version: 5, description: 'node state fields: actual, tries, retry_at, checked_at, policy_id', statements: NODE_STATE_FIELDS },
  { version: 6, description: 'fleet-status aggregate: node counts and listed devices by policy, setting and status', statements: postgresAggregate },
];
