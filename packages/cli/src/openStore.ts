import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PostgresStore, SqliteStore, type Store } from '@winmdm/server';
import { CliError } from './CliError.js';
import type { FlagSpec } from './CommandSpec.js';
import type { Io } from './Io.js';
import { oneLine } from './oneLine.js';

/** The flags every command that opens the store takes. */
export const storeFlags = {
  db: { type: 'string', value: '<path>', env: 'WINMDM_DB', description: 'SQLite file (default <data-dir>/winmdm.db); its directory must exist' },
  pg: { type: 'string', value: '<url>', env: 'WINMDM_PG_URL', description: 'PostgreSQL instead of SQLite (schema: WINMDM_PG_SCHEMA, default public)' },
  'data-dir': { type: 'string', value: '<dir>', env: 'WINMDM_DATA_DIR', description: 'where the database and tls/ live (default ./data)' },
} as const satisfies Record<string, FlagSpec>;

/** `--db <path>` / `--pg <url>` (or WINMDM_DB / WINMDM_PG_URL); the default is SQLite under `<data-dir>/winmdm.db`. */
export interface StoreFlags {
  db?: string | undefined;
  pg?: string | undefined;
  'data-dir'?: string | undefined;
}

export function dataDir(flags: StoreFlags, io: Io): string {
  return resolve(io.cwd, flags['data-dir'] ?? io.env['WINMDM_DATA_DIR'] ?? 'data');
}

/** Where the store lives: a PostgreSQL URL, or the SQLite file (and whether the path was named explicitly). */
export function storeLocation(flags: StoreFlags, io: Io): { pg: string } | { sqlite: string; explicit: boolean } {
  const pg = flags.pg ?? io.env['WINMDM_PG_URL'];
  if (pg) return { pg };
  const named = flags.db ?? io.env['WINMDM_DB'];
  return { sqlite: resolve(io.cwd, named ?? `${dataDir(flags, io)}/winmdm.db`), explicit: named !== undefined };
}

/**
 * Opens (and migrates) the store the flags name. A database the user names with `--db` must be in
 * a directory that exists (a typo must not create a tree of directories); the default one under
 * the data directory is created with it.
 *
 * @throws {CliError} `ERR_CLI_INPUT` when the directory is missing, `ERR_CLI_RUNTIME` when the
 * database cannot be opened or reached.
 */
export async function openStore(flags: StoreFlags, io: Io): Promise<{ store: Store; description: string }> {
  const location = storeLocation(flags, io);
  if ('pg' in location) {
    const description = `PostgreSQL ${redact(location.pg)}`;
    let store: PostgresStore;
    try {
      store = PostgresStore.open({ connectionString: location.pg, ...(io.env['WINMDM_PG_SCHEMA'] ? { schema: io.env['WINMDM_PG_SCHEMA'] } : {}) });
    } catch (error) {
      throw new CliError('ERR_CLI_USAGE', `--pg is not a usable PostgreSQL URL (${redact(location.pg)}): ${oneLine(error)}`, { cause: error });
    }
    try {
      await store.migrate();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw new CliError('ERR_CLI_RUNTIME', `cannot use ${description}: ${oneLine(error)}`, { cause: error });
    }
    return { store, description };
  }
  const path = location.sqlite;
  if (location.explicit && !existsSync(dirname(path))) {
    throw new CliError('ERR_CLI_INPUT', `--db ${path}: the directory ${dirname(path)} does not exist`);
  }
  let store: SqliteStore | undefined;
  try {
    store = SqliteStore.open(path);
    await store.migrate();
  } catch (error) {
    await store?.close().catch(() => undefined);
    throw new CliError('ERR_CLI_RUNTIME', `cannot use SQLite ${path}: ${oneLine(error)}`, { cause: error });
  }
  return { store, description: `SQLite ${path}` };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
