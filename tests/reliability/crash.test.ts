import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { KOELN } from '../helpers/members.ts';
import { describeServerOnPostgres } from '../helpers/postgres-server.ts';
import { postChanges, pullRows, pushRows, type PushBody } from '../helpers/sheets.ts';
import { KOELN_AGS } from './concurrent-clients.ts';

const KIND = 'kommune-status';
const PUSH_SIZE = 5_000;

/** Köln gets 5,000 more rows: as many OZG-Leistungen with kommunaler Vollzug, as an import would add them. */
const fillScope = async (db: Database) => {
  await db.query(
    `insert into public.ozg_leistung (name, themenfeld_id, kommunaler_vollzug)
     select 'Leistung für den Absturztest ' || i, 1, true from generate_series(1, $1::int) i`,
    [PUSH_SIZE],
  );
};

/**
 * Waits until the push with this idempotency key is inside its transaction and writing: a backend holds the
 * push's advisory lock (taken first thing in the transaction) and runs its UPDATE of the rows.
 */
async function pushBeingWritten(db: Database, key: string, answered: () => boolean): Promise<{ pid: number; query: string }> {
  for (;;) {
    if (answered()) throw new Error('The push was answered before its transaction could be caught writing.');
    const [backend] = await db.query<{ pid: number; query: string }>(
      `select a.pid, a.query from pg_stat_activity a join pg_locks l on l.pid = a.pid
       where l.locktype = 'advisory' and l.granted and l.objsubid = 1
         and l.objid = (hashtext($1)::bigint & 4294967295)::oid
         and a.state = 'active' and a.query like 'update public.kommune_status %'`,
      [key],
    );
    if (backend) return backend;
    await sleep(5);
  }
}

async function backendGone(db: Database, pid: number) {
  while ((await db.query('select 1 from pg_stat_activity where pid = $1', [pid])).length) await sleep(20);
}

const count = async (db: Database, sql: string, params: unknown[]) =>
  ((await db.query<{ n: number }>(`select count(*)::int as n from (${sql}) x`, params))[0]!).n;

describeServerOnPostgres('The server process killed (SIGKILL) during a 5,000-change push', (target) => {
  it('leaves all of the push or nothing, and the retry with the same key applies it exactly once', async () => {
    const { db } = target();
    const rows = (await pullRows(await target().signIn(KOELN), KIND, KOELN_AGS)).rows.slice(0, PUSH_SIZE);
    expect(rows).toHaveLength(PUSH_SIZE);
    const key = randomUUID();
    const sent = new Map(rows.map((row, i) => [row.id, `Nach dem Absturz gesendet, Nr. ${i + 1}`]));
    const push: PushBody = {
      scope: KOELN_AGS,
      idempotencyKey: key,
      source: 'addin',
      changes: rows.map((row) => ({ id: row.id, baseVersion: row.version, base: { bemerkung: row.values.bemerkung }, set: { bemerkung: sent.get(row.id) } })),
    };
    const logged = () => count(db, 'select 1 from public.aenderung where push_schluessel = $1', [key]);
    const stored = () =>
      count(db, 'select 1 from public.kommune_status t join unnest($1::uuid[], $2::text[]) s (id, bemerkung) on s.id = t.id and s.bemerkung = t.bemerkung', [
        [...sent.keys()],
        [...sent.values()],
      ]);

    let answered = false;
    const answer = postChanges(await target().signIn(KOELN), KIND, push)
      .then(
        (response) => `answered ${response.status}`,
        () => 'no answer',
      )
      .finally(() => (answered = true));
    const backend = await pushBeingWritten(db, key, () => answered);
    await target().server.kill();
    expect(await answer).toBe('no answer');
    await backendGone(db, backend.pid);

    // Killed while its UPDATE ran, before the server could send COMMIT: none of it may be there, no receipt either.
    expect(backend.query).toMatch(/^update public\.kommune_status /);
    expect(await logged()).toBe(0);
    expect(await stored()).toBe(0);
    expect(await count(db, 'select 1 from public.push_quittung where schluessel = $1', [key])).toBe(0);

    await target().restart();
    const koeln = await target().signIn(KOELN);
    const retried = await pushRows(koeln, KIND, push);
    expect(retried.results.filter((result) => result.outcome === 'applied')).toHaveLength(PUSH_SIZE);
    expect(await logged()).toBe(PUSH_SIZE);
    expect(await stored()).toBe(PUSH_SIZE);

    // The client, unsure whether that went through, retries once more: the same answer, nothing twice.
    expect(await pushRows(koeln, KIND, push)).toEqual(retried);
    expect(await logged()).toBe(PUSH_SIZE);
  }, 120_000);
}, { prepare: fillScope });
