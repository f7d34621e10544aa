import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { issueLocalToken } from '../../server/auth/tokens.ts';
import type { Sql } from '../../server/db/database.ts';
import { prepareDatabase } from '../../server/db/open.ts';
import { AppError, type ErrorCode } from '../../server/errors.ts';
import { SHEET_KINDS } from '../../server/sync/sheets.ts';
import { apiAs, testApp, testToken } from '../helpers/api.ts';
import { createPostgresDatabase, describeOnPostgres, type TestDatabase } from '../helpers/databases.ts';
import { ADMIN, FREMD, KOELN, METTMANN, MOBILITAET } from '../helpers/members.ts';
import { pullRows } from '../helpers/sheets.ts';
import { contractOf } from '../helpers/contract.ts';
import { hostileRequest, operationsOf, type Authorizations, type Vocabulary } from './hostile-requests.ts';

const REQUESTS = 3_000;

/** What an answer must never show: stack frames, source paths, driver and database errors. */
const INTERNALS =
  /\bat [\w$.<>]+ \(|\bat (file|node):|node_modules|\.ts:\d+|PostgresError|SQLSTATE|syntax error at or near|violates [\w-]+ constraint|invalid input syntax for type|relation "|TypeError|RangeError|ReferenceError|Maximum call stack/;

/**
 * A cheap fingerprint of everything the API can change, in every table in public (tables of later migrations
 * included), the change log and the push receipts among them: how many rows, and the newest transaction that
 * wrote one (xmin). Any insert or update writes a row version with a newer xmin; a delete lowers the count.
 */
async function fingerprinter(db: Sql): Promise<() => Promise<string>> {
  const tables = await db.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = 'public' order by 1`);
  const text = `select concat_ws(' ', ${tables
    .map(({ name }) => `(select '${name}:' || count(*) || ':' || coalesce(max(xmin::text::bigint), 0) from public.${name})`)
    .join(', ')}) as fingerprint`;
  return async () => ((await db.query<{ fingerprint: string }>(text))[0]!).fingerprint;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The ways a request can fail to say who sends it, and the members it can come from (the admin most often). */
async function authorizations(): Promise<Authorizations> {
  const bearer = async (token: Promise<string>) => `Bearer ${await token}`;
  const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ email: ADMIN, aud: 'authenticated', exp: 4102444800 })}.`;
  return {
    refused: [
      undefined,
      '',
      'Bearer',
      'Bearer x.y.z',
      'Basic YWRtaW46YWRtaW4=',
      `Bearer ${'a'.repeat(20_000)}`,
      `Bearer ${unsigned}`,
      await bearer(testToken(ADMIN, { expiresInSeconds: -60 })),
      await bearer(issueLocalToken(ADMIN, new Uint8Array(randomBytes(32)))),
      await bearer(testToken(FREMD)),
    ],
    members: await Promise.all([KOELN, METTMANN, MOBILITAET, ADMIN, ADMIN].map((email) => bearer(testToken(email)))),
  };
}

/** A cursor as a restored database would see one of its former self: beyond its current snapshot. */
const aheadOf = (cursor: string) => {
  const xmax = BigInt(cursor.split(':')[1]!) + 1_000_000n;
  return `${xmax}:${xmax}:`;
};

/** Real kinds, scopes, row ids, columns and values, by the names of the fields and parameters they fit. */
async function vocabularyOf(db: Sql, workbook: Uint8Array<ArrayBuffer>, cursor: string): Promise<Vocabulary> {
  const ids = async (sql: string) => (await db.query<{ id: string | number }>(sql)).map((row) => row.id);
  const rows = await ids(
    `(select id::text from public.kommune_status where ags in ('05315000', '05158024') order by id limit 4)
     union all (select s.id::text from public.leistung_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id where l.themenfeld_id = 9 limit 2)`,
  );
  const columns = Object.values(SHEET_KINDS).flatMap((sheet) => sheet.columns);
  return {
    byName: new Map<string, unknown[]>(Object.entries({
      kind: Object.keys(SHEET_KINDS),
      scope: ['05315000', '05158024', '9', '14'],
      ags: ['05315000', '05158024', '05111000'],
      // a membership nobody needs: deleting a seeded one would lock the rest of the run out
      id: [...rows, ...(await ids(`insert into public.mitglied (email, rolle) values ('entbehrlich@example.org', 'admin') returning id::text`)), 9, 14],
      ids: await ids('select id::int from public.aenderung order by id limit 3'),
      ozgId: ['10294', '10400'],
      themenfeld: [9, 14],
      themenfeldId: [9, 14],
      email: [ADMIN, KOELN, FREMD],
      q: ['Köln', 'Gewerbe', '05'],
      // The cursors and dates that once reached PostgreSQL's parsers and came back as 500, and a cursor from the future.
      since: [cursor, '2026-11-01', '0:0:', '9223372036854775808:9223372036854775808:', '0000-01-01', '2026-11-01T08:00:00-23:59', aheadOf(cursor)],
      url: ['https://www.stadt-koeln.de/gewerbe', 'https://www.stadt-koeln.de/\u0085gewerbe'],
      bemerkung: ['Zeile 1\r\nZeile 2', 'a\ufffeb', 'a\uffffb'],
      status: ['online', 'in Planung'],
      reifegrad: [0, 3, 7],
    })),
    keys: columns.map((column) => column.key),
    workbook,
  };
}

describeOnPostgres('Malformed and hostile requests against every endpoint', () => {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createPostgresDatabase();
    await prepareDatabase(database.db, { demoData: true });
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A live stream (GET /api/events) stays open by design: its first event is what there is to check. */
  async function answerText(response: Response): Promise<string> {
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return response.text();
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    return new TextDecoder().decode(value);
  }

  it(`never get a 5xx or a glimpse of the internals, are answered as /openapi.json documents, and change nothing when refused (${REQUESTS.toLocaleString('en')} requests)`, async () => {
    const { db } = database!;
    // The app in this process: the same HTTP handling as the server process, without a socket per request.
    const app = testApp(db);
    const document = await (await app.request('/openapi.json')).json();
    const operations = operationsOf(document);
    const contract = await contractOf(document);
    const exported = await app.request('/api/sheets/kommune-status/export.xlsx?scope=05315000', {
      headers: { authorization: `Bearer ${await testToken(KOELN)}` },
    });
    const { cursor } = await pullRows(apiAs(db, KOELN), 'kommune-status', '05315000');
    const vocabulary = await vocabularyOf(db, new Uint8Array(await exported.arrayBuffer()), cursor);
    const fingerprint = await fingerprinter(db);
    const attacked = new Set<string>();
    // The fingerprint after the previous request is the one before the next: one query per request.
    let current: string | undefined;

    await fc.assert(
      fc.asyncProperty(hostileRequest(operations, vocabulary, await authorizations()), async ({ target, url, init }) => {
        const before = current ?? (await fingerprint());
        current = undefined;
        const response = await app.request(url, init);
        const text = await answerText(response);
        const after = (current = await fingerprint());
        attacked.add(target);

        expect(response.status, text).toBeLessThan(500);
        expect(text).not.toMatch(INTERNALS);
        expect(contract(init.method ?? 'GET', url, { status: response.status, headers: response.headers, text }), text).toEqual([]);
        if (response.status < 400) return;
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        const body = JSON.parse(text) as { error: { code: ErrorCode; message: string } };
        expect(Object.keys(body)).toEqual(['error']);
        expect(body.error.message).toEqual(expect.stringMatching(/\S/));
        expect(new AppError(body.error.code, body.error.message).status).toBe(response.status);
        expect(after).toBe(before);
      }),
      { numRuns: REQUESTS },
    );
    expect([...attacked].sort()).toEqual([...operations.map((o) => `${o.method} ${o.path}`), 'unknown path'].sort());
  }, 240_000);
});
