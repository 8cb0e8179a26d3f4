import { resolve } from 'node:path';
import { PostgresStore, SqliteStore, type Store } from '@winmdm/server';
import type { Io } from './Io.js';

/** `--db <path>` / `--pg <url>` (or WINMDM_DB / WINMDM_PG_URL); the default is SQLite under `<data-dir>/winmdm.db`. */
export interface StoreFlags {
  db?: string | undefined;
  pg?: string | undefined;
  'data-dir'?: string | undefined;
}

export function dataDir(flags: StoreFlags, io: Io): string {
  return resolve(io.cwd, flags['data-dir'] ?? io.env['WINMDM_DATA_DIR'] ?? 'data');
}

/** Opens (and migrates) the store the flags name. */
export async function openStore(flags: StoreFlags, io: Io): Promise<{ store: Store; description: string }> {
  const pg = flags.pg ?? io.env['WINMDM_PG_URL'];
  if (pg) {
    const store = PostgresStore.open({ connectionString: pg, ...(io.env['WINMDM_PG_SCHEMA'] ? { schema: io.env['WINMDM_PG_SCHEMA'] } : {}) });
    await store.migrate();
    return { store, description: `PostgreSQL ${redact(pg)}` };
  }
  const path = resolve(io.cwd, flags.db ?? io.env['WINMDM_DB'] ?? `${dataDir(flags, io)}/winmdm.db`);
  const store = SqliteStore.open(path);
  await store.migrate();
  return { store, description: `SQLite ${path}` };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
