import pg from 'pg';
import { randomBytes } from 'node:crypto';

/** The PostgreSQL the tests use: `WINMDM_TEST_PG_URL`, or the machine's default test database. */
export const pgUrl = process.env['WINMDM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether the PostgreSQL suites run. CI sets `WINMDM_REQUIRE_PG=1`, which turns an unreachable
 * database into a failure instead of a skip.
 */
export const pgAvailable: boolean = await (async () => {
  const ok = await reachable();
  if (!ok) {
    if (process.env['WINMDM_REQUIRE_PG'] === '1') {
      throw new Error(`PostgreSQL is required (WINMDM_REQUIRE_PG=1) but ${pgUrl} is not reachable`);
    }
    console.warn(`\n[winmdm] PostgreSQL not reachable at ${pgUrl}: PostgreSQL tests are SKIPPED\n`);
  }
  return ok;
})();

/** A fresh schema name, so that parallel test files never see each other's rows. */
export function uniqueSchema(prefix = 'winmdm_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}
