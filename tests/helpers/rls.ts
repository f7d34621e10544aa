import type { Database, Sql } from '../../server/db/database.ts';
import { apiAs, type Api } from './api.ts';

class Rollback extends Error {}

/** Runs fn in a transaction that is always rolled back, so each permission test starts from the seed. */
export async function inRollback(db: Database, fn: (tx: Sql) => Promise<void>): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      await fn(tx);
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
}

/** Becomes a signed-in Supabase user for the rest of the transaction, as PostgREST and the API do. */
export async function authenticateAs(tx: Sql, email: string): Promise<void> {
  const claims = { email, role: 'authenticated', aud: 'authenticated' };
  await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [
    JSON.stringify(claims),
  ]);
}

/** Back to the database owner (as Supabase Studio is), e.g. to check what a denied write left behind. */
export async function asOwner(tx: Sql): Promise<void> {
  await tx.query(`select set_config('role', 'none', true), set_config('request.jwt.claims', '', true)`);
}

/** The real app as `email` (none for null), run inside the rolled-back transaction tx: see apiDatabase. */
export const apiInRollback = (db: Database, tx: Sql, email: string | null): Api => apiAs(apiDatabase(db, tx), email);

/**
 * The database as the API sees it, inside a test's rolled-back transaction: each transaction the
 * API opens becomes a savepoint, so its writes vanish with the test's rollback. As after a real
 * commit, the role and claims the API set are gone when its transaction ends.
 */
export function apiDatabase(db: Database, tx: Sql): Database {
  const sql: Sql = {
    query: (text, params) => tx.query(text, params),
    queryValues: (text, params) => tx.queryValues(text, params),
    // The test's transaction is one connection that nobody else writes to meanwhile, so a read
    // the API asks to be repeatable already is; PostgreSQL would refuse the setting in a savepoint.
    exec: (script) => (/^set transaction isolation level [a-z ]+$/i.test(script.trim()) ? Promise.resolve() : tx.exec(script)),
  };
  let depth = 0;
  return {
    kind: db.kind,
    ...sql,
    async transaction(fn) {
      const name = `api_${++depth}`;
      const [before] = (await tx.query<{ role: string; claims: string }>(
        `select current_setting('role') as role, coalesce(current_setting('request.jwt.claims', true), '') as claims`,
      )) as [{ role: string; claims: string }];
      await tx.exec(`savepoint ${name}`);
      try {
        const result = await fn(sql);
        await tx.exec(`release savepoint ${name}`);
        return result;
      } catch (error) {
        await tx.exec(`rollback to savepoint ${name}`);
        throw error;
      } finally {
        await tx.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [before.role, before.claims]);
        depth--;
      }
    },
    listen: () => Promise.reject(new Error('Live notices need a committed transaction; this database is rolled back.')),
    close: () => Promise.resolve(),
  };
}
