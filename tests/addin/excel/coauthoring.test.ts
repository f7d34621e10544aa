import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../../addin/src/api/client.ts';
import { createExcelHost, loadBinding, type ExcelRun } from '../../../addin/src/excel/index.ts';
import { KONFLIKT_FILL, KONFLIKT_TEXT } from '../../../core/workbook.ts';
import { SyncController } from '../../../addin/src/app/controller.ts';
import type { Database } from '../../../server/db/database.ts';
import { prepareDatabase } from '../../../server/db/open.ts';
import { openPglite } from '../../../server/db/pglite.ts';
import { apiAs, testApp, testAuth } from '../../helpers/api.ts';
import { KOELN as OZG_KOELN } from '../../helpers/members.ts';
import { pullRows, pushRows } from '../../helpers/sheets.ts';
import type { FakeWorkbook } from './fake-excel.ts';
import { atEveryApiLevel, workbook } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

const AGS = '05315000';
const SERVER = 'http://ozg.test';
/** A second person of Köln's OZG team, working in the same workbook on OneDrive. */
const KOLLEGIN = 'kollegin@koeln.example';

let db: Database;

beforeAll(async () => {
  db = await openPglite();
  await prepareDatabase(db, { demoData: true });
  await db.query(`insert into public.mitglied (email, rolle, themenfeld_id, ags) values ($1, 'kommune', null, $2)`, [KOLLEGIN, AGS]);
});
afterAll(() => db.close());

/** A task pane signed in as `email`, working on the shared workbook through its own Excel host. */
function pane(book: FakeWorkbook, email: string): SyncController {
  const app = testApp(db);
  const viaApp = (async (input: RequestInfo | URL, init?: RequestInit) => app.request(input, init)) as typeof fetch;
  const api = createApi(SERVER, () => testAuth.issueLocalToken!(email), viaApp);
  const run: ExcelRun = (batch) => batch(book.context());
  return new SyncController(api, createExcelHost(run), SERVER);
}

const lastLogEntry = async () => Number((await db.query<{ id: string | null }>(`select max(id)::text as id from public.aenderung`))[0]!.id ?? 0);

/** Two panes on one workbook: A pulled Köln's sheet, B opened the workbook after that. */
async function twoPanes() {
  const start = await lastLogEntry();
  const book = workbook();
  const a = pane(book, OZG_KOELN);
  await a.open();
  await a.pull('kommune-status', AGS, 'Köln');
  const b = pane(book, KOLLEGIN);
  await b.open();
  return { book, a, b, start };
}

const serverRows = async () => (await pullRows(apiAs(db), 'kommune-status', AGS)).rows;
/** The ids of Köln's rows, in the server's order. */
const rowIds = async () => (await serverRows()).map((row) => row.id);

/** What the change log holds for one cell since the entry `after`: who set which value. */
async function logOf(id: string, column: string, after = 0) {
  return db.query<{ akteur: string; neu: unknown }>(`select akteur, neu from public.aenderung where zeile_id = $1 and spalte = $2 and id > $3 order by id`, [id, column, after]);
}


/** Someone outside the workbook changing a row through the API. */
async function elsewhere(id: string, set: Record<string, unknown>) {
  const row = (await serverRows()).find((r) => r.id === id)!;
  const base = Object.fromEntries(Object.keys(set).map((key) => [key, row.values[key] ?? null]));
  await pushRows(apiAs(db), 'kommune-status', { scope: AGS, changes: [{ id, baseVersion: row.version, base, set }] });
}

atEveryApiLevel(() => {
  describe('two panes on one workbook', () => {
    it('a pane does not send again what the other pane has sent', async () => {
      const { book, a, b, start } = await twoPanes();
      const [id] = await rowIds();
      book.type(id!, 'Bemerkung', 'von A getippt und gesendet');
      expect(await a.push()).toMatchObject({ gesendet: 1, uebernommen: 1 });

      expect(await b.push()).toMatchObject({ gesendet: 0 });
      expect((await b.status()).wartend).toBe(0);
      expect(await logOf(id!, 'bemerkung', start)).toEqual([{ akteur: OZG_KOELN, neu: 'von A getippt und gesendet' }]);
    });

    it('a save keeps the rows the other pane saved meanwhile, so no pulled value is later sent as an edit', async () => {
      const { book, a, b, start } = await twoPanes();
      const [first, second] = await rowIds();
      await elsewhere(first!, { bemerkung: 'vom Server' });
      await b.refresh();
      expect(book.cellAt(first!, 'Bemerkung')?.value).toBe('vom Server');

      // A still holds the base it read before B's refresh; its save must not put that back.
      book.type(second!, 'Bemerkung', 'von A');
      expect(await a.push()).toMatchObject({ gesendet: 1, uebernommen: 1 });
      expect(await b.push()).toMatchObject({ gesendet: 0 });
      expect(await a.push()).toMatchObject({ gesendet: 0 });

      const stored = (await loadBinding(book.context()))!.snapshot;
      const onServer = await serverRows();
      for (const id of [first!, second!]) expect(stored.get(id)!.version).toBe(onServer.find((row) => row.id === id)!.version);
      expect((await logOf(first!, 'bemerkung', start)).map((entry) => entry.neu)).toEqual(['vom Server']);
    });

    it('an edit typed in one pane and sent by the other is sent once, in the name of the person whose pane sent it', async () => {
      const { book, a, b, start } = await twoPanes();
      const [, , third] = await rowIds();
      book.type(third!, 'Bemerkung', 'von A getippt, von B gesendet');
      expect((await a.status()).wartend).toBe(1);

      expect(await b.push()).toMatchObject({ gesendet: 1, uebernommen: 1 });
      expect((await a.status()).wartend).toBe(0);
      expect(await a.push()).toMatchObject({ gesendet: 0 });
      expect(await logOf(third!, 'bemerkung', start)).toEqual([{ akteur: KOLLEGIN, neu: 'von A getippt, von B gesendet' }]);
    });

    it('a pane’s marking pass leaves the other pane’s Konflikt marked, and no pane marks one settled in the other', async () => {
      const { book, a, b } = await twoPanes();
      const [, , , fourth, fifth] = await rowIds();
      const theirs = (row: string) => `anderswo geändert (${row}, ${book.apiVersion})`;
      book.type(fifth!, 'Bemerkung', 'B tippt');
      await elsewhere(fifth!, { bemerkung: theirs('fünf') });
      expect(await b.push()).toMatchObject({ konflikte: 1 });
      book.type(fourth!, 'Bemerkung', 'A tippt');
      await elsewhere(fourth!, { bemerkung: theirs('vier') });
      // A sends B's unsettled cell too, as its own: the pane knows only its own Konflikte.
      expect(await a.push()).toMatchObject({ konflikte: 2 });

      const sheet = book.sheet(book.table().sheet.name);
      const withText = book.supports('1.10');
      const marked = (id: string) => ({
        fill: book.cellAt(id, 'Bemerkung')?.format['fill.color'],
        text: [...sheet.notes, ...sheet.comments].some((note) => note.row === book.table().bodyTop + book.rowOf(book.table(), id) && note.content.startsWith(KONFLIKT_TEXT)),
      });
      expect([marked(fourth!), marked(fifth!)]).toEqual([{ fill: KONFLIKT_FILL, text: withText }, { fill: KONFLIKT_FILL, text: withText }]);

      // B settles its Konflikt; its marking pass knows nothing of A's and must leave it.
      await b.takeTheirs();
      expect(book.cellAt(fifth!, 'Bemerkung')?.value).toBe(theirs('fünf'));
      expect([marked(fourth!), marked(fifth!)]).toEqual([{ fill: KONFLIKT_FILL, text: withText }, { fill: undefined, text: false }]);

      // A's pane still lists the Konflikt B settled, but marks only the one still open.
      await a.takeTheirs((await a.status()).konflikte.find((k) => k.id === fourth)!);
      expect([marked(fourth!), marked(fifth!)]).toEqual([{ fill: undefined, text: false }, { fill: undefined, text: false }]);
      expect(await b.push()).toMatchObject({ gesendet: 0 });
    });

    it('never loses, doubles or misplaces an edit, however the two panes’ pushes, refreshes and the typing interleave', async () => {
      type Step = { kind: 'type'; row: number; text: number } | { kind: 'push' | 'refresh' | 'status'; pane: 0 | 1 } | { kind: 'elsewhere'; row: number };
      const stepArb: fc.Arbitrary<Step> = fc.oneof(
        fc.record({ kind: fc.constant('type' as const), row: fc.nat(5), text: fc.nat(1_000_000) }),
        fc.record({ kind: fc.constantFrom('push' as const, 'refresh' as const, 'status' as const), pane: fc.constantFrom(0 as const, 1 as const) }),
        fc.record({ kind: fc.constant('elsewhere' as const), row: fc.integer({ min: 6, max: 9 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(stepArb, stepArb), { minLength: 1, maxLength: 6 }), async (pairs) => {
          const { book, a, b, start } = await twoPanes();
          const panes = [a, b];
          const ids = await rowIds();
          const typed = new Map<string, string[]>();
          let round = 0;
          const run = async (step: Step) => {
            if (step.kind === 'type') {
              const value = `Eingabe ${round}-${step.text}`;
              book.type(ids[step.row]!, 'Bemerkung', value);
              typed.set(ids[step.row]!, [...(typed.get(ids[step.row]!) ?? []), value]);
            } else if (step.kind === 'elsewhere') await elsewhere(ids[step.row]!, { bemerkung: `anderswo ${round}` });
            else if (step.kind === 'push') await panes[step.pane]!.push();
            else if (step.kind === 'refresh') await panes[step.pane]!.refresh();
            else await panes[step.pane]!.status();
          };
          for (const [first, second] of pairs) {
            round++;
            // Both steps at once: the panes' batches interleave at every await.
            await Promise.all([run(first), run(second)]);
          }
          await a.push();
          await b.refresh();
          expect(await b.push()).toMatchObject({ gesendet: 0 });
          expect((await a.status()).wartend).toBe(0);

          const onServer = new Map((await serverRows()).map((row) => [row.id, row]));
          for (const [id, values] of typed) {
            // Not lost: what the workbook shows last is what the server holds.
            expect(onServer.get(id)!.values.bemerkung).toBe(book.cellAt(id, 'Bemerkung')?.value);
            expect(values).toContain(onServer.get(id)!.values.bemerkung);
            // Not doubled, not misplaced: every value in the log was typed into that row, once.
            const sent = (await logOf(id, 'bemerkung', start)).map((entry) => entry.neu);
            expect(new Set(sent).size).toBe(sent.length);
            for (const value of sent) expect(values).toContain(value);
          }
          // Rows changed only elsewhere never come back from the workbook as edits.
          for (const id of ids.slice(6, 10)) {
            for (const { akteur } of await logOf(id, 'bemerkung', start)) expect([OZG_KOELN, KOLLEGIN]).not.toContain(akteur);
          }
        }),
        { numRuns: 12 },
      );
    }, 240_000);
  });
});
