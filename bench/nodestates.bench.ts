/**
 * What a first check-in's node-state writes cost on SQLite, and what the alternatives would: the
 * first session of a device with 217 settings writes each node twice (as sent with the commands,
 * as applied with the device's statuses), 434 upserts, under the group commit's SAVEPOINT, on the
 * real schema (migrations, so with the status-history triggers). The alternatives measured:
 *
 * - batched multi-row `INSERT ... VALUES (...), (...)` (50 rows a statement);
 * - one statement over a JSON array (`json_each`);
 * - no `sent` write (the applied write only; `sent` would live in the session journal);
 * - one row per device holding every node as JSON (the bulk state), written twice;
 * - the same upserts without the history triggers, and with a statement journal on disk
 *   (`temp_store` = FILE, SQLite's default) instead of in memory (the store's setting).
 *
 * CPU time per device (µs), the median over rounds of 30 devices in one transaction, each device
 * in its own SAVEPOINT as in the store. CPU time rather than wall time: the figure stays meaningful
 * on a shared machine.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteMigrations } from '../packages/server/src/store/migrations.js';
import { median, type BenchModule, type BenchResult } from './harness.js';

const NODES = 217;
const DEVICES_PER_ROUND = 30;
const UPSERT = `INSERT INTO node_states (device_id, loc_uri, kind, value, status, code, last_command, session_id, updated_at) VALUES %V
  ON CONFLICT (device_id, loc_uri) DO UPDATE SET kind = excluded.kind, value = excluded.value, status = excluded.status,
    code = excluded.code, last_command = excluded.last_command, session_id = excluded.session_id, updated_at = excluded.updated_at`;
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';

type Row = [string, string, string, string, string, number | null, string, string, string];

function rows(device: string, status: 'sent' | 'applied'): Row[] {
  return Array.from({ length: NODES }, (_, i): Row => [
    device,
    `./Device/Vendor/MSFT/Policy/Config/Area${i % 10}/Setting${i}`,
    'csp',
    String(i % 7),
    status,
    status === 'applied' ? 200 : null,
    'Replace',
    '417',
    '2026-12-03T16:00:00.000Z',
  ]);
}

function measure(options: { triggers: boolean; tempStore: 'MEMORY' | 'FILE'; rounds: number }): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'winmdm-nodestates-'));
  const db = new Database(join(dir, 'bench.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`temp_store = ${options.tempStore}`);
    for (const migration of sqliteMigrations) for (const statement of migration.statements) db.exec(statement);
    if (!options.triggers) for (const t of ['node_history_insert', 'node_history_update', 'node_history_delete']) db.exec(`DROP TRIGGER ${t}`);
    db.exec('CREATE TABLE node_bulk (device_id TEXT PRIMARY KEY, nodes TEXT NOT NULL)');
    const one = db.prepare(UPSERT.replace('%V', ROW));
    const fifty = db.prepare(UPSERT.replace('%V', Array.from({ length: 50 }, () => ROW).join(', ')));
    const json = db.prepare(`INSERT INTO node_states (device_id, loc_uri, kind, value, status, code, last_command, session_id, updated_at)
      SELECT @device, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6, j.value->>7 FROM json_each(@rows) j WHERE true
      ON CONFLICT (device_id, loc_uri) DO UPDATE SET kind = excluded.kind, value = excluded.value, status = excluded.status,
        code = excluded.code, last_command = excluded.last_command, session_id = excluded.session_id, updated_at = excluded.updated_at`);
    const bulk = db.prepare('INSERT INTO node_bulk (device_id, nodes) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET nodes = excluded.nodes');
    const savepoint = db.prepare('SAVEPOINT tx');
    const release = db.prepare('RELEASE tx');
    const both = ['sent', 'applied'] as const;
    const variants: Record<string, (device: string) => void> = {
      'one upsert per node (the store today)': (d) => both.forEach((s) => rows(d, s).forEach((r) => one.run(...r))),
      'multi-row upserts, 50 rows a statement': (d) =>
        both.forEach((s) => {
          const all = rows(d, s);
          for (let i = 0; i + 50 <= all.length; i += 50) fifty.run(...all.slice(i, i + 50).flat());
          for (const r of all.slice(all.length - (all.length % 50))) one.run(...r);
        }),
      'one statement over a JSON array': (d) => both.forEach((s) => json.run({ device: d, rows: JSON.stringify(rows(d, s).map((r) => r.slice(1))) })),
      'no sent write (applied only)': (d) => rows(d, 'applied').forEach((r) => one.run(...r)),
      'one row per device, nodes as JSON': (d) =>
        both.forEach((s) =>
          bulk.run(d, JSON.stringify(rows(d, s).map(([, locUri, kind, value, status, code, lastCommand, sessionId, updatedAt]) => ({ locUri, kind, value, status, code, lastCommand, sessionId, updatedAt })))),
        ),
    };
    const samples: Record<string, number[]> = {};
    let device = 0;
    for (let round = 0; round < options.rounds + 1; round++) {
      for (const [name, write] of Object.entries(variants)) {
        const start = process.cpuUsage();
        db.transaction(() => {
          for (let k = 0; k < DEVICES_PER_ROUND; k++) {
            savepoint.run();
            write(`dev-${device++}`);
            release.run();
          }
        })();
        const used = process.cpuUsage(start);
        if (round > 0) (samples[name] ??= []).push((used.user + used.system) / DEVICES_PER_ROUND);
      }
    }
    return Object.fromEntries(Object.entries(samples).map(([name, v]) => [name, median(v)]));
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const nodeStatesBench: BenchModule = {
  name: 'nodestates',
  async run({ quick }) {
    const rounds = quick ? 3 : 8;
    const store = measure({ triggers: true, tempStore: 'MEMORY', rounds });
    const baseline = store['one upsert per node (the store today)'] as number;
    const results: BenchResult[] = Object.entries(store).map(([name, micros]) => ({
      name: `first check-in node writes (${NODES} nodes): ${name}`,
      unit: 'µs CPU/device',
      median: micros,
      n: rounds,
      baseline,
      ratio: micros / baseline,
    }));
    const noTriggers = measure({ triggers: false, tempStore: 'MEMORY', rounds })['one upsert per node (the store today)'] as number;
    results.push({
      name: `first check-in node writes (${NODES} nodes): one upsert per node, without the history triggers`,
      unit: 'µs CPU/device',
      median: noTriggers,
      n: rounds,
      baseline,
      ratio: noTriggers / baseline,
      note: 'what the status history (one row per applied status, bounded per node) costs',
    });
    const fileJournal = measure({ triggers: true, tempStore: 'FILE', rounds })['one upsert per node (the store today)'] as number;
    results.push({
      name: `first check-in node writes (${NODES} nodes): one upsert per node, statement journal on disk (temp_store FILE)`,
      unit: 'µs CPU/device',
      median: fileJournal,
      n: rounds,
      baseline,
      ratio: fileJournal / baseline,
      note: "SQLite's default; the store sets temp_store = MEMORY",
    });
    return results;
  },
};
