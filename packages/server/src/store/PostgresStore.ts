import pg from 'pg';
import type { NodeStatus } from '@winmdm/policy';
import { postgresMigrations } from './migrations.js';
import { PgPipeline } from './PgPipeline.js';
import { SharedDocuments } from './SharedDocuments.js';
import {
  NODE_COLUMNS,
  nodeValues,
  table,
  toDevice,
  toDeviceEnrollment,
  toEnrollmentToken,
  toNodeHistory,
  toNodeState,
  toNodeStatusCount,
  RESENDABLE,
  UNSETTLED_SQL,
  type DeviceDbRow,
  type DeviceEnrollmentDbRow,
  type EnrollmentTokenDbRow,
  type NodeDbRow,
  type NodeHistoryDbRow,
  type NodeStatusCountDbRow,
} from './rows.js';
import type { DeviceRow, JsonObject, OutboxRow, Store, StoreTx } from './Store.js';

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /** A `postgres://` connection string. */
  connectionString: string;
  /** The schema that holds winmdm's tables (default `public`); tests use one schema each. */
  schema?: string;
  /** Pool size (default 10; on this 2-core machine 32 measured slower: the backends compete for the cores). */
  max?: number;
}

function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid schema name ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** An arbitrary constant for the advisory lock that lets one replica at a time compact the fleet-status aggregate. */
const COMPACTION_LOCK = 0x77696e6e;

/** An arbitrary constant for the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 0x77696e6d;

/**
 * The store for several stateless replicas: PostgreSQL through `pg`. A device's session runs in
 * one transaction that starts with `SELECT ... FOR UPDATE` on the device's row, so two replicas
 * (or two concurrent requests) never interleave one device's session.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #shared = new SharedDocuments();

  private constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#schema = schema;
  }

  static open(options: PostgresStoreOptions): PostgresStore {
    const schema = options.schema ?? 'public';
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      // Set at connection start-up, so no query can run before it takes effect.
      options: `-c search_path=${quoteIdent(schema)}`,
      // Statements are sent without waiting for the previous answer (see transaction()).
      pipeline: true,
    });
    // A pool error (e.g. the server restarted) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    return new PostgresStore(pool, schema);
  }

  async pendingMigrations(): Promise<number> {
    const applied = new Set((await this.#pool.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    return postgresMigrations.filter((m) => !applied.has(m.version)).length;
  }

  async migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#schema)}`);
      await client.query(`SET LOCAL search_path TO ${quoteIdent(this.#schema)}`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL)',
      );
      const applied = new Set(
        (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
      );
      for (const migration of postgresMigrations) {
        if (applied.has(migration.version)) continue;
        for (const statement of migration.statements) await client.query(statement);
        await client.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [
          migration.version,
          migration.description,
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Runs `fn` in one transaction. Statements are pipelined (see PgPipeline): BEGIN goes out with
   * the first statement that needs an answer, and the writes whose result nobody waits for (node
   * states, the message's finish) go out with COMMIT. Commits stay synchronous, and nothing is
   * acknowledged until every statement has answered.
   */
  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    const pipeline = new PgPipeline(client);
    try {
      pipeline.defer({ text: 'BEGIN' });
      const result = await fn(makeTx(pipeline, this.#shared));
      await pipeline.commit();
      return result;
    } catch (error) {
      // A statement that failed unwaited for is the cause of what failed after it.
      const cause = await pipeline.firstFailure();
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw cause?.reason ?? error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Drops the schema and everything in it (tests clean up after themselves with this). */
  async dropSchema(): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(this.#schema)} CASCADE`);
  }
}

/** The device (locked), its epoch, its session and the logged answer, in one statement. */
function openSql(where: string): string {
  return `WITH d AS (SELECT * FROM devices WHERE ${where} LIMIT 1 FOR UPDATE)
    SELECT d.*,
      (SELECT policy_epoch FROM organizations o WHERE o.id = d.organization_id) AS policy_epoch,
      (SELECT s.session_id FROM sessions s WHERE s.device_id = d.id) AS current_session_id,
      (SELECT s.state FROM sessions s WHERE s.device_id = d.id AND s.session_id = $2) AS session_state,
      (SELECT m.request_sha256 FROM message_log m WHERE m.device_id = d.id AND m.session_id = $2 AND m.msg_id = $3) AS logged_sha256,
      (SELECT m.response FROM message_log m WHERE m.device_id = d.id AND m.session_id = $2 AND m.msg_id = $3) AS logged_response,
      (SELECT m.status FROM message_log m WHERE m.device_id = d.id AND m.session_id = $2 AND m.msg_id = $3) AS logged_status,
      (SELECT m.created_at FROM message_log m WHERE m.device_id = d.id AND m.session_id = $2 AND m.msg_id = $3) AS logged_created_at
    FROM d`;
}

const OPEN_BY_ID = openSql('id = $1');
const OPEN_BY_WIN_ID = openSql('win_id = $1');
const OPEN_BY_THUMBPRINT = openSql('id = (SELECT device_id FROM device_certs WHERE thumbprint = ANY($1::text[]) LIMIT 1)');

/** The report, the session and the logged answer (and the log pruning), in one statement. */
const FINISH = `WITH
  r AS (UPDATE devices SET report = $2, converged_fingerprint = $3 WHERE id = $1),
  s AS (INSERT INTO sessions (device_id, session_id, state, updated_at) SELECT $1, $4, $5, $6 WHERE $4::text IS NOT NULL
        ON CONFLICT (device_id) DO UPDATE SET session_id = excluded.session_id, state = excluded.state, updated_at = excluded.updated_at),
  p AS (DELETE FROM message_log WHERE $12::boolean AND device_id = $1 AND NOT (session_id = ANY($13::text[]))),
  l AS (INSERT INTO message_log (device_id, session_id, msg_id, request_sha256, response, status, created_at)
        VALUES ($1, $7, $8, $9, $10, $11, $14)
        ON CONFLICT (device_id, session_id, msg_id) DO UPDATE SET request_sha256 = excluded.request_sha256,
          response = excluded.response, status = excluded.status, created_at = excluded.created_at)
  SELECT 1`;

/**
 * The transaction's statements. Writes whose result nobody needs are deferred: they run in order
 * before everything after them (so later reads see them), and the transaction waits for all of
 * them before it acknowledges anything.
 */
function makeTx(pipeline: PgPipeline, shared: SharedDocuments): StoreTx {
  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> =>
    (await pipeline.query<R>({ text, values })).rows;
  const later = (config: pg.QueryConfig): Promise<void> => {
    pipeline.defer(config);
    return Promise.resolve();
  };
  // The hot path's statements are named, so each connection parses and plans them once.
  const named = async <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> =>
    (await pipeline.query<R>({ name, text, values })).rows;
  return {
    openDeviceMessage: async (key, sessionId, msgId) => {
      const [name, text, first] =
        'id' in key
          ? ['winmdm_open_by_id', OPEN_BY_ID, key.id]
          : 'winId' in key
            ? ['winmdm_open_by_win_id', OPEN_BY_WIN_ID, key.winId]
            : ['winmdm_open_by_thumbprint', OPEN_BY_THUMBPRINT, [...key.thumbprints]];
      const row = (
        await named<
          DeviceDbRow & {
            policy_epoch: string | null;
            current_session_id: string | null;
            session_state: string | null;
            logged_sha256: string | null;
            logged_response: string | null;
            logged_status: number | null;
            logged_created_at: string | null;
          }
        >(name, text, [first, sessionId, msgId])
      )[0];
      if (!row) return undefined;
      return {
        device: toDevice(row) as DeviceRow,
        policyEpoch: row.policy_epoch === null ? 0 : Number(row.policy_epoch),
        session:
          row.current_session_id !== null
            ? {
                sessionId: row.current_session_id,
                ...(row.session_state !== null ? { state: JSON.parse(row.session_state) as JsonObject } : {}),
              }
            : undefined,
        logged:
          row.logged_sha256 !== null && row.logged_response !== null
            ? {
                requestSha256: row.logged_sha256,
                response: row.logged_response,
                status: Number(row.logged_status),
                createdAt: row.logged_created_at ?? '',
              }
            : undefined,
      };
    },
    finishDeviceMessage: (deviceId, write) =>
      later({ name: 'winmdm_finish', text: FINISH, values: [
        deviceId,
        JSON.stringify(write.report),
        write.convergedFingerprint,
        write.session?.sessionId ?? null,
        write.session ? JSON.stringify(write.session.state) : null,
        write.session?.updatedAt ?? null,
        write.log.sessionId,
        write.log.msgId,
        write.log.message.requestSha256,
        write.log.message.response,
        write.log.message.status,
        write.pruneLogExcept !== undefined,
        [...(write.pruneLogExcept ?? [])],
        write.log.createdAt,
      ] }),
    lockDevice: async (id) => toDevice((await q<DeviceDbRow>('SELECT * FROM devices WHERE id = $1 FOR UPDATE', [id]))[0]),
    getDevice: async (id) => toDevice((await q<DeviceDbRow>('SELECT * FROM devices WHERE id = $1', [id]))[0]),
    getDeviceByWinId: async (winId) =>
      toDevice((await q<DeviceDbRow>('SELECT * FROM devices WHERE win_id = $1', [winId]))[0]),
    listDevices: async (organizationId, page) =>
      (
        await (page?.search !== undefined
          ? q<DeviceDbRow>(
              `SELECT * FROM devices WHERE organization_id = $1 AND id COLLATE "C" > $2
                 AND (strpos(lower(id), $4) > 0 OR strpos(lower(coalesce(win_id, '')), $4) > 0
                   OR strpos(lower(coalesce(doc::json ->> 'displayName', '')), $4) > 0 OR strpos(lower(coalesce(doc::json ->> 'tags', '')), $4) > 0)
               ORDER BY id COLLATE "C" LIMIT $3`,
              [organizationId, page.after ?? '', page.limit ?? null, page.search.toLowerCase()],
            )
          : page
            ? q<DeviceDbRow>('SELECT * FROM devices WHERE organization_id = $1 AND id COLLATE "C" > $2 ORDER BY id COLLATE "C" LIMIT $3', [
                organizationId,
                page.after ?? '',
                page.limit ?? null,
              ])
            : q<DeviceDbRow>('SELECT * FROM devices WHERE organization_id = $1 ORDER BY id COLLATE "C"', [organizationId]))
      ).map((r) => toDevice(r) as DeviceRow),
    putDevice: async (device) => {
      const rows = await q<{ revision: string }>(
        `INSERT INTO devices (id, organization_id, win_id, doc, revision, report)
         VALUES ($1, $2, $3, $4, 1, '{}')
         ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id, win_id = excluded.win_id,
           doc = excluded.doc, revision = devices.revision + 1
         RETURNING revision`,
        [device.id, device.organizationId, device.winId, JSON.stringify(device.doc)],
      );
      return Number(rows[0]?.revision);
    },
    updateDeviceDoc: async (id, doc, expectedRevision) => {
      const rows = await q<{ revision: string }>(
        'UPDATE devices SET doc = $1, revision = revision + 1 WHERE id = $2 AND revision = $3 RETURNING revision',
        [JSON.stringify(doc), id, expectedRevision],
      );
      return rows[0] ? Number(rows[0].revision) : undefined;
    },
    updateDeviceReport: async (id, report, convergedFingerprint) => {
      await q('UPDATE devices SET report = $1, converged_fingerprint = $2 WHERE id = $3', [
        JSON.stringify(report),
        convergedFingerprint,
        id,
      ]);
    },

    getDocument: async (collection, id) => {
      const row = (await q<{ doc: string }>(`SELECT doc FROM ${table(collection)} WHERE id = $1`, [id]))[0];
      return row ? (JSON.parse(row.doc) as JsonObject) : undefined;
    },
    getDocuments: async (collection, ids, options) => {
      if (ids.length === 0) return [];
      const rows = await q<{ id: string; doc: string }>(`SELECT id, doc FROM ${table(collection)} WHERE id = ANY($1::text[])`, [
        [...new Set(ids)],
      ]);
      return rows.map((r) => (options?.shared ? shared.get(collection, r.id, r.doc) : (JSON.parse(r.doc) as JsonObject)));
    },
    listDocuments: async (collection, organizationId, options) =>
      (
        await q<{ id: string; doc: string }>(`SELECT id, doc FROM ${table(collection)} WHERE organization_id = $1 ORDER BY id`, [
          organizationId,
        ])
      ).map((r) => (options?.shared ? shared.get(collection, r.id, r.doc) : (JSON.parse(r.doc) as JsonObject))),
    putDocument: async (collection, id, organizationId, doc) => {
      await q(
        `INSERT INTO ${table(collection)} (id, organization_id, doc) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id, doc = excluded.doc`,
        [id, organizationId, JSON.stringify(doc)],
      );
    },

    getPolicyEpoch: async (organizationId) => {
      const row = (await q<{ policy_epoch: string }>('SELECT policy_epoch FROM organizations WHERE id = $1', [
        organizationId,
      ]))[0];
      return row ? Number(row.policy_epoch) : 0;
    },
    bumpPolicyEpoch: async (organizationId) => {
      const rows = await q<{ policy_epoch: string }>(
        `INSERT INTO organizations (id, organization_id, doc, policy_epoch) VALUES ($1, $1, $2, 1)
         ON CONFLICT (id) DO UPDATE SET policy_epoch = organizations.policy_epoch + 1
         RETURNING policy_epoch`,
        [organizationId, JSON.stringify({ id: organizationId })],
      );
      return Number(rows[0]?.policy_epoch);
    },

    getApiToken: async (tokenSha256) => {
      const row = (
        await q<{ token_sha256: string; organization_id: string; permissions: string; name: string | null }>(
          'SELECT * FROM api_tokens WHERE token_sha256 = $1',
          [tokenSha256],
        )
      )[0];
      return row
        ? {
            tokenSha256: row.token_sha256,
            organizationId: row.organization_id,
            permissions: JSON.parse(row.permissions) as string[],
            name: row.name,
          }
        : undefined;
    },
    putApiToken: async (token) => {
      await q(
        `INSERT INTO api_tokens (token_sha256, organization_id, permissions, name) VALUES ($1, $2, $3, $4)
         ON CONFLICT (token_sha256) DO UPDATE SET organization_id = excluded.organization_id,
           permissions = excluded.permissions, name = excluded.name`,
        [token.tokenSha256, token.organizationId, JSON.stringify(token.permissions), token.name],
      );
    },

    findDeviceIdByThumbprint: async (thumbprint) =>
      (await q<{ device_id: string }>('SELECT device_id FROM device_certs WHERE thumbprint = $1', [thumbprint]))[0]
        ?.device_id,
    putDeviceCert: async (cert) => {
      await q(
        `INSERT INTO device_certs (thumbprint, device_id, created_at) SELECT unnest($1::text[]), $2, $3
         ON CONFLICT (thumbprint) DO UPDATE SET device_id = excluded.device_id`,
        [[...cert.thumbprints], cert.deviceId, cert.createdAt],
      );
    },
    deleteDeviceCerts: async (deviceId, thumbprints) => {
      const result =
        thumbprints === undefined
          ? await pipeline.query({ text: 'DELETE FROM device_certs WHERE device_id = $1', values: [deviceId] })
          : await pipeline.query({ text: 'DELETE FROM device_certs WHERE device_id = $1 AND thumbprint = ANY($2::text[])', values: [deviceId, [...thumbprints]] });
      return result.rowCount ?? 0;
    },

    putEnrollmentToken: async (t) => {
      await q(
        `INSERT INTO enrollment_tokens (id, token_sha256, organization_id, email, max_uses, uses, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [t.id, t.tokenSha256, t.organizationId, t.email, t.maxUses, t.uses, t.expiresAt, t.createdAt],
      );
    },
    getEnrollmentToken: async (tokenSha256) =>
      toEnrollmentToken((await q<EnrollmentTokenDbRow>('SELECT * FROM enrollment_tokens WHERE token_sha256 = $1', [tokenSha256]))[0]),
    useEnrollmentToken: async (id, now) => {
      const result = await pipeline.query({
        text: `UPDATE enrollment_tokens SET uses = uses + 1
         WHERE id = $1 AND expires_at > $2 AND (max_uses IS NULL OR uses < max_uses)`,
        values: [id, now],
      });
      return result.rowCount === 1;
    },
    getDeviceEnrollment: async (hwDevId) =>
      toDeviceEnrollment((await q<DeviceEnrollmentDbRow>('SELECT * FROM device_enrollments WHERE hw_dev_id = $1', [hwDevId]))[0]),
    putDeviceEnrollment: async (row) => {
      await q(
        `INSERT INTO device_enrollments (hw_dev_id, device_id, organization_id, enrolled_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (hw_dev_id) DO UPDATE SET device_id = excluded.device_id, organization_id = excluded.organization_id,
           enrolled_at = excluded.enrolled_at`,
        [row.hwDevId, row.deviceId, row.organizationId, row.enrolledAt],
      );
    },
    rememberMessageId: async (messageId, now, forgetBefore) => {
      await q('DELETE FROM enrollment_messages WHERE seen_at < $1', [forgetBefore]);
      const result = await pipeline.query({
        text: 'INSERT INTO enrollment_messages (message_id, seen_at) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING',
        values: [messageId, now],
      });
      return result.rowCount === 1;
    },

    getNodeStates: async (deviceId) =>
      (await q<NodeDbRow>('SELECT * FROM node_states WHERE device_id = $1 ORDER BY loc_uri COLLATE "C"', [deviceId])).map(toNodeState),
    upsertNodeStates: (deviceId, input) => {
      if (input.length === 0) return Promise.resolve();
      // One statement cannot touch a row twice: the last row for a LocURI wins, as it would in order.
      const rows = [...new Map(input.map((r) => [r.locUri, r])).values()];
      // One statement for the whole batch (a first check-in writes hundreds of nodes), not waited for.
      const columns = rows.map(nodeValues);
      const column = (i: number): unknown[] => columns.map((values) => values[i]);
      return later({
        text: `INSERT INTO node_states (device_id, ${NODE_COLUMNS})
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[],
                                  $10::text[], $11::int[], $12::text[], $13::text[], $14::text[])
         ON CONFLICT (device_id, loc_uri) DO UPDATE SET kind = excluded.kind, value = excluded.value,
           status = excluded.status, code = excluded.code, last_command = excluded.last_command,
           session_id = excluded.session_id, updated_at = excluded.updated_at, actual = excluded.actual,
           tries = excluded.tries, retry_at = excluded.retry_at, checked_at = excluded.checked_at,
           policy_id = excluded.policy_id`,
        values: [deviceId, ...Array.from({ length: 13 }, (_, i) => column(i))],
      });
    },
    resendUnacknowledged: async (deviceId, now) => {
      const result = await pipeline.query({ text: "UPDATE node_states SET status = 'pending', updated_at = $1 WHERE device_id = $2 AND status = 'sent'", values: [now, deviceId] });
      return result.rowCount ?? 0;
    },
    countUnsettledNodes: async (deviceId) =>
      Number((await q<{ n: string }>(`SELECT COUNT(*) AS n FROM node_states WHERE device_id = $1 AND status IN (${UNSETTLED_SQL})`, [deviceId]))[0]?.n ?? 0),
    getNodeStatusCounts: async (filter) => {
      const policy = filter?.policyId;
      const rows = await q<NodeStatusCountDbRow>(
        `SELECT policy_id, loc_uri, status, code, SUM(n) AS n FROM (
           SELECT policy_id, loc_uri, status, code, n FROM node_status_counts WHERE $1::text IS NULL OR policy_id = $1
           UNION ALL SELECT policy_id, loc_uri, status, code, d FROM node_status_deltas WHERE $1::text IS NULL OR policy_id = $1
         ) x GROUP BY policy_id, loc_uri, status, code HAVING SUM(n) > 0
         ORDER BY policy_id COLLATE "C", loc_uri COLLATE "C", status, code`,
        [policy ?? null],
      );
      return rows.map(toNodeStatusCount);
    },
    countNodesByStatus: async () => {
      const rows = await q<{ status: NodeStatus; n: string }>(
        `SELECT status, SUM(n) AS n FROM (SELECT status, n FROM node_status_counts UNION ALL SELECT status, d FROM node_status_deltas) x
         GROUP BY status HAVING SUM(n) > 0`,
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    listNodeStatusDevices: async (policyId, status, options) => {
      const rows =
        options.locUri !== undefined
          ? await q<{ device_id: string }>(
              `SELECT device_id FROM node_status_members WHERE policy_id = $1 AND loc_uri = $2 AND status = $3 AND device_id > $4
               ORDER BY device_id LIMIT $5`,
              [policyId, options.locUri, status, options.after ?? '', options.limit],
            )
          : await q<{ device_id: string }>(
              `SELECT DISTINCT device_id FROM node_status_members WHERE policy_id = $1 AND status = $2 AND device_id > $3
               ORDER BY device_id LIMIT $4`,
              [policyId, status, options.after ?? '', options.limit],
            );
      return rows.map((r) => r.device_id);
    },
    resendNodes: async (policyId, statuses, now) => {
      const wanted = statuses.filter((s) => RESENDABLE.includes(s));
      if (wanted.length === 0) return { nodes: 0, devices: 0 };
      // The lists as the statement starts see them: the triggers change them afterwards.
      const rows = await q<{ nodes: string; devices: string }>(
        `WITH targets AS (SELECT device_id, loc_uri FROM node_status_members WHERE policy_id = $1 AND status = ANY($2::text[])),
           d AS (UPDATE devices SET converged_fingerprint = NULL WHERE id IN (SELECT device_id FROM targets) RETURNING 1),
           n AS (UPDATE node_states s SET status = 'pending', code = NULL, actual = NULL, tries = 0, retry_at = NULL, updated_at = $3
                 FROM targets t WHERE s.device_id = t.device_id AND s.loc_uri = t.loc_uri RETURNING 1)
         SELECT (SELECT COUNT(*) FROM n) AS nodes, (SELECT COUNT(*) FROM d) AS devices`,
        [policyId, wanted, now],
      );
      return { nodes: Number(rows[0]?.nodes ?? 0), devices: Number(rows[0]?.devices ?? 0) };
    },
    resendDeviceNodes: async (deviceId, statuses, now) => {
      const wanted = statuses.filter((s) => RESENDABLE.includes(s));
      if (wanted.length === 0) return 0;
      const rows = await q<{ nodes: string }>(
        `WITH n AS (UPDATE node_states SET status = 'pending', code = NULL, actual = NULL, tries = 0, retry_at = NULL, updated_at = $3
                    WHERE device_id = $1 AND status = ANY($2::text[]) RETURNING 1),
           d AS (UPDATE devices SET converged_fingerprint = NULL WHERE id = $1 AND EXISTS (SELECT 1 FROM n) RETURNING 1)
         SELECT (SELECT COUNT(*) FROM n) AS nodes, (SELECT COUNT(*) FROM d) AS devices`,
        [deviceId, wanted, now],
      );
      return Number(rows[0]?.nodes ?? 0);
    },
    compactNodeStatusCounts: async () => {
      // One compaction at a time (replicas share the tables); a busy one is simply skipped.
      const locked = (await q<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [COMPACTION_LOCK]))[0]?.locked === true;
      if (!locked) return 0;
      const rows = await q<{ moved: string }>(
        `WITH moved AS (DELETE FROM node_status_deltas RETURNING policy_id, loc_uri, status, code, d),
           folded AS (INSERT INTO node_status_counts (policy_id, loc_uri, status, code, n)
                      SELECT policy_id, loc_uri, status, code, SUM(d) FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
                      ON CONFLICT (policy_id, loc_uri, status, code) DO UPDATE SET n = node_status_counts.n + excluded.n
                      RETURNING 1)
         SELECT (SELECT COUNT(*) FROM moved) AS moved`,
      );
      return Number(rows[0]?.moved ?? 0);
    },
    deleteNodeStates: (deviceId, locUris) => {
      if (locUris.length === 0) return Promise.resolve();
      return later({ text: 'DELETE FROM node_states WHERE device_id = $1 AND loc_uri = ANY($2::text[])', values: [deviceId, [...locUris]] });
    },

    getNodeHistory: async (deviceId) =>
      (await q<NodeHistoryDbRow>('SELECT * FROM node_history WHERE device_id = $1 ORDER BY loc_uri COLLATE "C", id', [deviceId])).map(toNodeHistory),

    getSession: async (deviceId) => {
      const row = (await q<{ session_id: string; state: string }>(
        'SELECT session_id, state FROM sessions WHERE device_id = $1',
        [deviceId],
      ))[0];
      return row ? { sessionId: row.session_id, state: JSON.parse(row.state) as JsonObject } : undefined;
    },
    getLoggedMessage: async (deviceId, sessionId, msgId) => {
      const row = (
        await q<{ request_sha256: string; response: string; status: number; created_at: string }>(
          'SELECT request_sha256, response, status, created_at FROM message_log WHERE device_id = $1 AND session_id = $2 AND msg_id = $3',
          [deviceId, sessionId, msgId],
        )
      )[0];
      return row
        ? { requestSha256: row.request_sha256, response: row.response, status: Number(row.status), createdAt: row.created_at }
        : undefined;
    },
    enqueueOutbox: async (deviceId, body, now) => {
      const rows = await q<{ id: string }>(
        'INSERT INTO outbox (device_id, body, attempts, next_attempt_at, created_at) VALUES ($1, $2, 0, $3, $3) RETURNING id',
        [deviceId, body, now],
      );
      return Number(rows[0]?.id);
    },
    dueOutbox: async (now, limit) =>
      (
        await q<{
          id: string;
          device_id: string;
          body: string;
          attempts: number;
          next_attempt_at: string;
          created_at: string;
          last_error: string | null;
        }>(
          // SKIP LOCKED: several replicas drain one outbox without sending a report twice.
          'SELECT * FROM outbox WHERE next_attempt_at <= $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED',
          [now, limit],
        )
      ).map(
        (r): OutboxRow => ({
          id: Number(r.id),
          deviceId: r.device_id,
          body: r.body,
          attempts: Number(r.attempts),
          nextAttemptAt: r.next_attempt_at,
          createdAt: r.created_at,
          lastError: r.last_error,
        }),
      ),
    leaseOutbox: async (id, until) => {
      await q('UPDATE outbox SET next_attempt_at = $1 WHERE id = $2', [until, id]);
    },
    completeOutbox: async (id) => {
      await q('DELETE FROM outbox WHERE id = $1', [id]);
    },
    retryOutbox: async (id, nextAttemptAt, error) => {
      await q('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3', [
        nextAttemptAt,
        error,
        id,
      ]);
    },
    countOutbox: async () => Number((await q<{ n: string }>('SELECT COUNT(*) AS n FROM outbox'))[0]?.n ?? 0),
  };
}
