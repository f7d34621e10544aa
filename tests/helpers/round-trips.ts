import type { Database, Sql } from '../../server/db/database.ts';

/** What the server sent its database: statements, and how often it had to wait for an answer before sending more. */
export interface Tally {
  statements: number;
  roundTrips: number;
}

/**
 * The database with a count of what goes over the wire. A statement sent while another one of the
 * same connection is still unanswered rides along (postgres.js writes it right behind, a pipeline);
 * one sent when nothing is outstanding starts a round trip. A transaction adds its BEGIN and COMMIT,
 * each a round trip of its own (postgres.js awaits BEGIN before the callback runs, then COMMIT after it).
 */
export function countingDatabase(db: Database): { db: Database; tally: Tally; reset(): void } {
  const tally: Tally = { statements: 0, roundTrips: 0 };
  const counted = (sql: Sql): Sql => {
    let outstanding = 0;
    const send = <T>(run: () => Promise<T>): Promise<T> => {
      tally.statements++;
      if (outstanding === 0) tally.roundTrips++;
      outstanding++;
      return run().finally(() => outstanding--);
    };
    return {
      query: (text, params) => send(() => sql.query(text, params)),
      queryValues: (text, params) => send(() => sql.queryValues(text, params)),
      exec: (script) => send(() => sql.exec(script)),
    };
  };
  const wrapped: Database = {
    kind: db.kind,
    ...counted(db),
    transaction(fn, options) {
      tally.statements += 2;
      tally.roundTrips += 2;
      return db.transaction((tx) => fn(counted(tx)), options);
    },
    listen: (channel, onPayload, onListening) => db.listen(channel, onPayload, onListening),
    close: () => db.close(),
  };
  return {
    db: wrapped,
    tally,
    reset() {
      tally.statements = 0;
      tally.roundTrips = 0;
    },
  };
}
