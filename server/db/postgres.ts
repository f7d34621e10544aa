import postgres from 'postgres';
import { PG_TYPE, parseValue, type Database, type Sql } from './database.ts';

const identity = (value: unknown) => value;

function wrap(sql: Pick<postgres.Sql, 'unsafe'>): Sql {
  return {
    async query<T>(text: string, params: unknown[] = []) {
      return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[];
    },
    async exec(script: string) {
      await sql.unsafe(script).simple();
    },
  };
}

/** A PostgreSQL server, e.g. a Supabase project's connection string. */
export function openPostgres(url: string, options: { max?: number } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { TimeZone: 'UTC', application_name: 'ozg-sync' },
    types: {
      bigint: { to: PG_TYPE.int8, from: [PG_TYPE.int8], serialize: String, parse: parseValue.int8 },
      date: { to: PG_TYPE.date, from: [PG_TYPE.date], serialize: identity, parse: parseValue.date },
      timestamptz: {
        to: PG_TYPE.timestamptz,
        from: [PG_TYPE.timestamptz],
        serialize: identity,
        parse: parseValue.timestamptz,
      },
    },
  });
  return {
    kind: 'postgres',
    ...wrap(sql),
    // The isolation level goes with BEGIN itself, saving a round trip. postgres.js writes a query the
    // moment it is sent within sql.begin, so queries sent without awaiting are pipelined on the
    // transaction's connection (https://github.com/porsager/postgres#transactions).
    transaction: (fn, options = {}) =>
      sql.begin(options.isolation ? `isolation level ${options.isolation}` : '', (tx) => fn(wrap(tx))) as Promise<never>,
    // postgres.js listens on one dedicated connection of its own, outside the pool, reconnects it with
    // backoff and calls onlisten after each LISTEN (https://github.com/porsager/postgres#listen--notify).
    async listen(channel, onPayload, onListening) {
      const { unlisten } = await sql.listen(channel, onPayload, onListening);
      return unlisten;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
