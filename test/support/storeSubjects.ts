import { PostgresStore, type Store } from '@winmdm/server';
import { pgAvailable, pgUrl, uniqueSchema } from '../../packages/server/test/support/postgres.js';

/** A store an end-to-end suite runs against: SQLite (the fleet's own), or PostgreSQL in a schema of its own. */
export interface StoreSubject {
  name: 'sqlite' | 'postgres';
  /** PostgreSQL is not reachable here (CI requires it, so it is never skipped there). */
  skip: boolean;
  schema?: string;
}

/** Both stores, for `for (const subject of storeSubjects())` around a `describe.skipIf(subject.skip)`. */
export function storeSubjects(): StoreSubject[] {
  return [
    { name: 'sqlite', skip: false },
    { name: 'postgres', skip: !pgAvailable, schema: uniqueSchema() },
  ];
}

/** The `store` option of `startFleet` for a subject: nothing for SQLite (the fleet opens its own). */
export function subjectStore(subject: StoreSubject): { store?: Store } {
  return subject.schema === undefined ? {} : { store: PostgresStore.open({ connectionString: pgUrl, schema: subject.schema }) };
}

/**
 * Drops a PostgreSQL subject's schema after a test. The fleet closed its store, so the schema is
 * dropped through a handle of its own.
 */
export async function dropSubjectSchema(subject: StoreSubject): Promise<void> {
  if (subject.schema === undefined) return;
  const cleanup = PostgresStore.open({ connectionString: pgUrl, schema: subject.schema });
  await cleanup.dropSchema();
  await cleanup.close();
}
