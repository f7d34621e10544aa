import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../../addin/src/api/client.ts';
import { MAX_BATCH_ROWS, createExcelHost } from '../../../addin/src/excel/index.ts';
import { SyncController } from '../../../addin/src/app/controller.ts';
import type { Database } from '../../../server/db/database.ts';
import { prepareDatabase } from '../../../server/db/open.ts';
import { openPglite } from '../../../server/db/pglite.ts';
import { apiAs, testApp, testAuth } from '../../helpers/api.ts';
import { KOELN } from '../../helpers/members.ts';
import { pullRows } from '../../helpers/sheets.ts';
import type { FakeWorkbook, SyncRecord } from './fake-excel.ts';
import { atEveryApiLevel, workbook } from './fixtures.ts';

/**
 * Every context.sync() is a round trip to Excel, in Excel on the web one over the network. Issue
 * 13 bounds them: a push at most 3 per chunk, a first pull at most 4 plus 1 per 2,000 rows, and
 * coming back to the pane with nothing new costs at most one.
 */
afterEach(() => vi.unstubAllGlobals());

const AGS = '05315000';
const SERVER = 'http://ozg.test';

let db: Database;

beforeAll(async () => {
  db = await openPglite();
  await prepareDatabase(db, { demoData: true });
});
afterAll(() => db.close());

/** How many rows Köln's sheet has on the server now. */
const scopeRows = async () => (await pullRows(apiAs(db), 'kommune-status', AGS)).rows.length;

/** Köln's sheet grows to `rows` rows: as many more OZG-Leistungen with kommunaler Vollzug, as an import adds them. */
async function growScopeTo(rows: number) {
  const more = rows - (await scopeRows());
  if (more <= 0) return;
  await db.query(
    `insert into public.ozg_leistung (name, themenfeld_id, kommunaler_vollzug)
     select 'Leistung für den Rundreisentest ' || i || '-' || $2::int, 1, true from generate_series(1, $1::int) i`,
    [more, rows],
  );
}

/** A task pane on the workbook, signed in as Köln's OZG team, with Excel.run as the stand-in runs it. */
function pane(book: FakeWorkbook): SyncController {
  const app = testApp(db);
  const viaApp = (async (input: RequestInfo | URL, init?: RequestInit) => app.request(input, init)) as typeof fetch;
  const api = createApi(SERVER, () => testAuth.issueLocalToken!(KOELN), viaApp);
  return new SyncController(api, createExcelHost((batch) => book.run(batch)), SERVER);
}

async function syncsOf(book: FakeWorkbook, work: () => Promise<unknown>): Promise<SyncRecord[]> {
  const before = book.syncs.length;
  await work();
  return book.syncs.slice(before);
}

/** A pane that has pulled Köln's sheet into a fresh workbook. */
async function pulledPane() {
  const book = workbook();
  const controller = pane(book);
  await controller.open();
  const pull = (await syncsOf(book, () => controller.pull('kommune-status', AGS, 'Köln'))).length;
  return { book, controller, pull };
}

const firstId = (book: FakeWorkbook) => String(book.rows()[1]![book.position(book.table(), 'id')]);

atEveryApiLevel(() => {
  describe('round trips to Excel', () => {
    it('pushes one chunk in at most 3 syncs', async () => {
      const { book, controller } = await pulledPane();
      const typed = `in einem Zug gesendet (ExcelApi ${book.apiVersion})`;
      book.type(firstId(book), 'Bemerkung', typed);
      const push = await syncsOf(book, () => controller.push());
      expect(push.length).toBeLessThanOrEqual(3);
      expect((await pullRows(apiAs(db), 'kommune-status', AGS)).rows.find((row) => row.id === firstId(book))?.values.bemerkung).toBe(typed);
    });

    it('checks for unsent edits on coming back to the pane in at most 1 sync when nothing changed', async () => {
      const { book, controller } = await pulledPane();
      const focus = await syncsOf(book, async () => expect((await controller.status()).wartend).toBe(0));
      expect(focus.length).toBeLessThanOrEqual(1);
    });
  });
});

describe.each([46, 2_000, 5_000])('a first pull of %i rows', (rows) => {
  it(`takes at most 4 syncs plus 1 per ${MAX_BATCH_ROWS} rows`, async () => {
    await growScopeTo(rows);
    expect(await scopeRows()).toBe(rows);
    const { book, pull } = await pulledPane();
    expect(book.table().rowCount).toBe(rows);
    expect(pull).toBeLessThanOrEqual(4 + Math.ceil(rows / 2_000));
  }, 120_000);
});
