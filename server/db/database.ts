/** The channel intern.vokabular_geaendert() and the migration runner notify on when a vocabulary may have changed. */
export const VOCABULARY_CHANNEL = 'ozg_vokabular';

export type DatabaseKind = 'pglite' | 'postgres';

/** What a query runs on: the database itself or one open transaction. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * As query, each row as a list in the order of the select list: for large results that go out as
   * lists anyway, without an object per row.
   */
  queryValues<T extends unknown[] = unknown[]>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters. */
  exec(script: string): Promise<void>;
}

export interface Database extends Sql {
  readonly kind: DatabaseKind;
  /**
   * Runs fn in one transaction: committed when fn resolves, rolled back when it throws. Statements
   * fn sends without awaiting the one before go out together (a pipeline on PostgreSQL) and run in
   * the order sent.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Hears NOTIFY on a channel. onListening runs once LISTEN is in place and again after every
   * reconnect of the listening connection: notifications sent while it was down are lost, so
   * whoever relies on them has to catch up then.
   */
  listen(channel: string, onPayload: (payload: string) => void, onListening?: () => void): Promise<Unlisten>;
  close(): Promise<void>;
}

export interface TransactionOptions {
  isolation?: 'repeatable read';
}

export type Unlisten = () => Promise<void>;

/**
 * Both drivers hand back the same JavaScript values: bigint columns (row versions, counts)
 * as numbers, dates as 'YYYY-MM-DD' strings exactly as stored, timestamps as ISO strings.
 */
export const PG_TYPE = { int8: 20, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

export const parseValue = {
  int8: (text: string) => Number(text),
  date: (text: string) => text,
  timestamptz: (text: string) => new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString(),
};
