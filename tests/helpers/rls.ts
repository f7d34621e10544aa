import type { Database, Sql } from '../../server/db/database.ts';

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
