import { PGlite } from '@electric-sql/pglite';
import { PG_TYPE, parseValue, type Database, type Sql } from './database.ts';

const parsers = {
  [PG_TYPE.int8]: parseValue.int8,
  [PG_TYPE.date]: parseValue.date,
  [PG_TYPE.timestamptz]: parseValue.timestamptz,
};

function wrap(db: Pick<PGlite, 'query' | 'exec'>): Sql {
  return {
    async query<T>(text: string, params?: unknown[]) {
      const result = await db.query<T>(text, params);
      return result.rows;
    },
    async queryValues<T>(text: string, params?: unknown[]) {
      const result = await db.query<T>(text, params, { rowMode: 'array' });
      return result.rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}

/** The embedded database: PostgreSQL compiled to WebAssembly, persisted in dataDir (in memory without). */
export async function openPglite(dataDir?: string): Promise<Database> {
  const pg = await PGlite.create(dataDir, { parsers });
  await pg.exec(`set timezone = 'UTC'`);
  return {
    kind: 'pglite',
    ...wrap(pg),
    // One connection, so no pipeline: PGlite runs the statements of a transaction one after another.
    transaction: (fn, options = {}) =>
      pg.transaction(async (tx) => {
        if (options.isolation) await tx.exec(`set transaction isolation level ${options.isolation}`);
        return fn(wrap(tx));
      }),
    // One embedded database per process, never disconnected: LISTEN is in place once and for good.
    async listen(channel, onPayload, onListening) {
      const unlisten = await pg.listen(channel, onPayload);
      onListening?.();
      return () => unlisten();
    },
    close: () => pg.close(),
  };
}
