import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Database, DatabaseKind } from '../../server/db/database.ts';
import { prepareDatabase } from '../../server/db/open.ts';
import { openPglite } from '../../server/db/pglite.ts';
import { openPostgres } from '../../server/db/postgres.ts';

const postgresUrl = process.env.TEST_DATABASE_URL;
export const POSTGRES_SKIPPED = 'übersprungen: TEST_DATABASE_URL ist nicht gesetzt';
if (!postgresUrl) console.warn(`PostgreSQL-Tests ${POSTGRES_SKIPPED} (.ci/run startet einen PostgreSQL-Server dafür).`);

export interface TestDatabase {
  db: Database;
  /** Connection string of this throwaway database (PostgreSQL only). */
  url?: string;
  drop(): Promise<void>;
}

/** A throwaway, empty database on a fresh PostgreSQL database of the TEST_DATABASE_URL server. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
  const name = `ozg_test_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(postgresUrl!);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), { max: 4 });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export async function createPgliteDatabase(): Promise<TestDatabase> {
  const db = await openPglite();
  return { db, drop: () => db.close() };
}

/** A suite that needs a real PostgreSQL server (several connections at once, a server process); visibly skipped without one. */
export function describeOnPostgres(title: string, suite: () => void) {
  describe.skipIf(!postgresUrl)(`${title}${postgresUrl ? '' : ` (${POSTGRES_SKIPPED})`}`, suite);
}

export const databaseTargets: { kind: DatabaseKind; available: boolean; create(): Promise<TestDatabase> }[] = [
  { kind: 'pglite', available: true, create: createPgliteDatabase },
  { kind: 'postgres', available: Boolean(postgresUrl), create: createPostgresDatabase },
];

/**
 * Runs the suite once per database (PGlite always, PostgreSQL when TEST_DATABASE_URL is set,
 * otherwise visibly skipped), each on its own throwaway database brought to the current schema.
 */
export function describeEachDatabase(
  title: string,
  suite: (ctx: { db: () => Database; kind: DatabaseKind; url: () => string | undefined }) => void,
  options: { migrate?: boolean } = {},
) {
  for (const target of databaseTargets) {
    const label = `${title} [${target.kind}]${target.available ? '' : ` (${POSTGRES_SKIPPED})`}`;
    describe.skipIf(!target.available)(label, () => {
      let handle: TestDatabase | undefined;
      beforeAll(async () => {
        handle = await target.create();
        if (options.migrate !== false) await prepareDatabase(handle.db, { demoData: true });
      });
      afterAll(async () => {
        await handle?.drop();
      });
      suite({ db: () => handle!.db, kind: target.kind, url: () => handle?.url });
    });
  }
}
