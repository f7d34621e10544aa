import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExcelHost, type ExcelRun } from '../../../addin/src/excel/index.ts';
import { OPEN_ITEMS_SHEET, saveOpenItems } from '../../../addin/src/excel/offen.ts';
import type { Snapshot, SyncState, ZellFehler, ZellKonflikt } from '../../../core/index.ts';
import type { FakeWorkbook } from './fake-excel.ts';
import { COLUMNS, NEW_BINDING, pullOf, rowsUpTo, workbook } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

const rows = rowsUpTo(3);
const snapshot: Snapshot = new Map(rows.map((row) => [row.id, { version: row.version, values: row.values }]));
const konflikt = (id: string, mine: string): ZellKonflikt => ({ id, key: 'bemerkung', base: null, mine, theirs: 'vom Server' });
const fehler: ZellFehler = { id: 'id-00002', key: 'reifegrad', message: 'Der Reifegrad 6 gibt es im Reifegradmodell 1.1 nicht.' };

async function boundBook() {
  const book = workbook();
  const run: ExcelRun = (batch) => batch(book.context());
  const host = createExcelHost(run);
  const binding = await host.writeSheet(pullOf(rows), NEW_BINDING);
  const state = (open: Pick<SyncState, 'konflikte' | 'fehler'>): SyncState => ({ columns: COLUMNS, base: snapshot, cursor: 'cursor-1', ...open });
  return { book, host, binding, state };
}

const storedCells = (book: FakeWorkbook) => {
  const sheet = book.sheet(OPEN_ITEMS_SHEET);
  return sheet.grid.map((line) => [line?.[0]?.value ?? '', line?.[1]?.value ?? '']);
};

describe('open Konflikte and rejected cells kept with the binding', () => {
  it('come back when the workbook is opened again, on a very hidden sheet of their own', async () => {
    const { book, host, binding, state } = await boundBook();
    await host.save(binding, state({ konflikte: [konflikt('id-00001', 'meins')], fehler: [fehler] }));

    const reopened = createExcelHost((batch) => batch(book.context()));
    const [loaded] = await reopened.load();
    expect(loaded?.state.konflikte).toEqual([konflikt('id-00001', 'meins')]);
    expect(loaded?.state.fehler).toEqual([fehler]);
    expect(book.sheet(OPEN_ITEMS_SHEET).visibility).toBe('VeryHidden');
  });

  it('rewrite only the rows that changed: a settled Konflikt blanks its own row, the others stay untouched', async () => {
    const { book, host, binding, state } = await boundBook();
    await host.save(binding, state({ konflikte: [konflikt('id-00000', 'a'), konflikt('id-00001', 'b')], fehler: [] }));
    const before = storedCells(book);
    const untouched = book.sheet(OPEN_ITEMS_SHEET).peek(1, 1);

    await host.save(binding, state({ konflikte: [konflikt('id-00001', 'b')], fehler: [] }));
    expect(storedCells(book)).toEqual([['', ''], before[1]]);
    expect(book.sheet(OPEN_ITEMS_SHEET).peek(1, 1)).toBe(untouched);

    // a new one takes the blank row instead of growing the sheet
    await host.save(binding, state({ konflikte: [konflikt('id-00001', 'b'), konflikt('id-00002', 'c')], fehler: [] }));
    expect(storedCells(book)).toHaveLength(2);
    expect((await host.load())[0]?.state.konflikte).toEqual([konflikt('id-00002', 'c'), konflikt('id-00001', 'b')]);
  });

  it('write nothing when nothing changed, and leave a workbook without any alone', async () => {
    const { book, host, binding, state } = await boundBook();
    await host.save(binding, state({ konflikte: [], fehler: [] }));
    expect(book.findSheet(OPEN_ITEMS_SHEET)).toBeUndefined();

    await host.save(binding, state({ konflikte: [konflikt('id-00000', 'a')], fehler: [fehler] }));
    const { syncs } = await book.measure((context) => saveOpenItems(context, { konflikte: [konflikt('id-00000', 'a')], fehler: [fehler] }));
    expect(syncs.every((sync) => sync.valueBytes === 0)).toBe(true);
  });

  it('skip what a user broke on the hidden sheet instead of refusing to open the workbook', async () => {
    const { book, host, binding, state } = await boundBook();
    await host.save(binding, state({ konflikte: [konflikt('id-00000', 'a'), konflikt('id-00001', 'b')], fehler: [] }));
    book.sheet(OPEN_ITEMS_SHEET).cell(0, 1).value = '{kaputt';
    expect((await host.load())[0]?.state.konflikte).toEqual([konflikt('id-00001', 'b')]);
  });
});
