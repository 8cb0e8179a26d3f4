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

/** SQLite: JSON as TEXT, INTEGER PRIMARY KEY as the rowid alias. */
export const sqliteMigrations: readonly Migration[] = [
  // node_states is keyed by (device, LocURI) and written hundreds of rows at a time: WITHOUT ROWID
  // keeps it one B-tree instead of a table and an index.
  { version: 1, description: 'initial schema', statements: tables('TEXT', 'INTEGER', ' WITHOUT ROWID') },
];

/** PostgreSQL: JSON kept as TEXT too (the server never queries inside documents), BIGSERIAL ids. */
export const postgresMigrations: readonly Migration[] = [
  { version: 1, description: 'initial schema', statements: tables('TEXT', 'BIGSERIAL', '') },
];
