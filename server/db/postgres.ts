import postgres from 'postgres';
import { PG_TYPE, parseValue, type Database, type Sql } from './database.ts';

const identity = (value: unknown) => value;

function wrap(sql: Pick<postgres.Sql, 'unsafe'>): Sql {
  return {
    async query<T>(text: string, params: unknown[] = []) {
      return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], prepared(params))) as unknown as T[];
    },
    async queryValues<T>(text: string, params: unknown[] = []) {
      return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], prepared(params)).values()) as unknown as T[];
    },
    async exec(script: string) {
      await sql.unsafe(script).simple();
    },
  };
}

/**
 * A statement with parameters that is not prepared yet costs postgres.js a Describe round trip first
 * and stops the pipeline behind it; prepared once per connection, the next ones go out at once.
 * `?prepare=false` in DATABASE_URL turns it off for poolers in transaction mode, which cannot keep
 * prepared statements (https://supabase.com/docs/guides/troubleshooting/disabling-prepared-statements-qL8lEL).
 */
function prepared(params: unknown[]) {
  return params.length ? { prepare: true } : {};
}

/** A PostgreSQL server, e.g. a Supabase project's connection string. */
export function openPostgres(url: string, options: { max?: number } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Prepared statements only to save the round trips: every execution is still planned for its own
    // values, as an unprepared one is, so that a generic plan never trades the delta's index for a scan
    // (https://www.postgresql.org/docs/current/runtime-config-query.html#GUC-PLAN-CACHE-MODE).
    connection: { TimeZone: 'UTC', application_name: 'ozg-sync', plan_cache_mode: 'force_custom_plan' },
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
