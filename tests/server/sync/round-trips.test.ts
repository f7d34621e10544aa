import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { PullResponse } from '../../../core/contract.ts';
import { openPostgres } from '../../../server/db/postgres.ts';
import type { Database } from '../../../server/db/database.ts';
import { httpApi, testToken, type Api } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { serveApp } from '../../helpers/live.ts';
import { ADMIN, KOELN } from '../../helpers/members.ts';
import { countingDatabase } from '../../helpers/round-trips.ts';
import { pullRows, pushRows } from '../../helpers/sheets.ts';

const KOELN_AGS = '05315000';
/** A Themenfeld of the seed: its leistung-status sheet has the aktivitaet vocabulary. */
const THEMENFELD = '1';

describeEachDatabase('Round trips per request, counted at the database the real server talks to', ({ db, kind, url }) => {
  let counting: ReturnType<typeof countingDatabase>;
  let server: { url: string; close(): Promise<void> };
  let koeln: Api;

  beforeAll(async () => {
    counting = countingDatabase(db());
    server = await serveApp(counting.db);
    koeln = httpApi(server.url, await testToken(KOELN));
  });
  afterAll(async () => {
    await server.close();
  });

  /** What one request sent, counted from its start to its answer. */
  async function tallyOf<T>(request: () => Promise<T>): Promise<{ result: T; statements: number; roundTrips: number }> {
    counting.reset();
    const result = await request();
    return { result, ...counting.tally };
  }

  const editTen = async (pull: PullResponse, text: string) =>
    pushRows(koeln, 'kommune-status', {
      scope: KOELN_AGS,
      changes: pull.rows.slice(0, 10).map((row) => ({ id: row.id, baseVersion: row.version, base: row.values, set: { bemerkung: text } })),
    });

  it('answers a delta pull of ten changes in at most three round trips: BEGIN, one pipeline with membership, scope, cursor, rows and removed rows, COMMIT', async () => {
    const before = await pullRows(koeln, 'kommune-status', KOELN_AGS);
    await editTen(before, 'Seit dem Cursor geändert');
    const { result, roundTrips, statements } = await tallyOf(() => pullRows(koeln, 'kommune-status', KOELN_AGS, before.cursor));
    expect(result.rows.map((r) => r.values.bemerkung)).toEqual(Array(10).fill('Seit dem Cursor geändert'));
    expect(roundTrips).toBeLessThanOrEqual(3);
    expect(statements).toBeLessThanOrEqual(8);
  });

  it('answers a push of ten cells in at most six round trips, the write right, key lock, receipt, scope and cursor in one', async () => {
    const before = await pullRows(koeln, 'kommune-status', KOELN_AGS);
    const { result, roundTrips } = await tallyOf(() => editTen(before, 'Zehn Zellen auf einmal'));
    expect(result.results.map((r) => r.outcome)).toEqual(Array(10).fill('applied'));
    expect(roundTrips).toBeLessThanOrEqual(6);
  });

  it('answers someone who is not a member 403 within the round trips of a member’s pull', async () => {
    const fremd = httpApi(server.url, await testToken('jemand@example.org'));
    const { result, roundTrips } = await tallyOf(() => fremd.request(`/api/sheets/kommune-status/rows?scope=${KOELN_AGS}`));
    expect(result.status).toBe(403);
    expect((await result.json()).error.message).toContain('noch nicht freigeschaltet');
    expect(roundTrips).toBeLessThanOrEqual(3);
  });

  it('reads the vocabularies of the columns once, not on every pull, once the process hears their changes', async () => {
    const admin = httpApi(server.url, await testToken(ADMIN));
    const withVocabularies = (await tallyOf(() => pullRows(admin, 'leistung-status', THEMENFELD))).statements;
    await vi.waitFor(
      async () => {
        const { statements } = await tallyOf(() => pullRows(admin, 'leistung-status', THEMENFELD));
        expect(statements).toBeLessThan(withVocabularies);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('forgets the kept aktivitaet entries when another process (or plain SQL) changes them, and answers the new list', async () => {
    const admin = httpApi(server.url, await testToken(ADMIN));
    const entries = async () =>
      (await pullRows(admin, 'leistung-status', THEMENFELD)).columns.find((c) => c.key === 'weitere_aktivitaeten')!.values!;
    expect(await entries()).not.toContain('Rundreisen-Test');
    // On PostgreSQL a connection of its own, as another server process has; PGlite has one connection for everybody.
    const other: Database = kind === 'postgres' ? openPostgres(url()!, { max: 1 }) : db();
    try {
      await other.query(`insert into public.aktivitaet (name) values ('Rundreisen-Test')`);
      await vi.waitFor(async () => expect(await entries()).toContain('Rundreisen-Test'), { timeout: 10_000, interval: 100 });
      await other.query(`delete from public.aktivitaet where name = 'Rundreisen-Test'`);
      await vi.waitFor(async () => expect(await entries()).not.toContain('Rundreisen-Test'), { timeout: 10_000, interval: 100 });
    } finally {
      if (other !== db()) await other.close();
    }
  });
});
