import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_BATCH_BYTES, MAX_BATCH_ROWS, readTable, writeSheet } from '../../../addin/src/excel/index.ts';
import { READ_ONLY_FILL } from '../../../core/workbook.ts';
import { diffTable, toCell, type Snapshot } from '../../../core/index.ts';
import { LISTS_SHEET, tableRowCells } from '../../../core/workbook.ts';
import { columnsArb, rowsArb, tableOf } from '../../core/arbitraries.ts';
import { PAYLOAD_LIMIT, type SyncRecord } from './fake-excel.ts';
import { ANBIETER, COLUMNS, NEW_BINDING, STATUS, pullOf, pulled, rowsUpTo, sheetRow, workbook, atEveryApiLevel } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

const snapshotOf = (rows: ReturnType<typeof rowsUpTo>): Snapshot => new Map(rows.map(({ id, version, values }) => [id, { version, values }]));
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * Syncs writeSheet takes for a new table besides its runs of rows: the look for a free slot and the
 * look around; laying out and finishing go with the first and last run.
 */
const WRITE_SHEET_FIXED_SYNCS = 2;

function expectWithinPayloadLimits(syncs: SyncRecord[]) {
  for (const sync of syncs) {
    expect(sync.valueBytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(sync.requestBytes).toBeLessThan(PAYLOAD_LIMIT);
    expect(sync.responseBytes).toBeLessThan(PAYLOAD_LIMIT);
  }
}

atEveryApiLevel(() => {
  describe('writeSheet', () => {
    it('lays out the table for users: German headers, technical columns hidden, header frozen, widths fitted', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(3));
      const { sheet } = book.table();

      expect(binding).toMatchObject({ ...NEW_BINDING, dataSheet: 'Köln- Status der OZG-Leistungen', table: 'OZG_Sync' });
      expect(book.active).toBe(sheet);
      expect(sheet.name).toBe(binding.dataSheet);
      expect(book.rows()[0]).toEqual(['id', 'version', 'OZG-ID', 'Leistung', 'Status', 'Reifegrad', 'Zieltermin', 'Anbieter', 'Online-Dienst', 'URL', 'Bemerkung']);
      expect([...sheet.hiddenColumns]).toEqual([0, 1]);
      expect(sheet.frozenRows).toBe(1);
      expect([...sheet.autofitted].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('offers each enum column’s vocabulary as a drop-down, entries with commas included, and none for lists', async () => {
      const book = workbook();
      await pulled(book, rowsUpTo(3));
      expect(book.dropDown('id-00001', 'Status')).toEqual(STATUS);
      expect(book.dropDown('id-00001', 'Anbieter')).toBeUndefined();
      expect(book.sheet(LISTS_SHEET).visibility).toBe('VeryHidden');
    });

    it('shows dates as dates, read-only columns grey and locked, editable ones open', async () => {
      const book = workbook();
      await pulled(book, [sheetRow(1, { zieltermin: '2026-03-31' })]);
      expect(book.cellAt('id-00001', 'Zieltermin')).toMatchObject({ value: 46112, numberFormat: 'dd.mm.yyyy' });
      expect(book.cellAt('id-00001', 'OZG-ID')!.format).toMatchObject({ 'fill.color': READ_ONLY_FILL, 'protection.locked': true });
      expect(book.cellAt('id-00001', 'Status')!.format).toEqual({ 'protection.locked': false });
    });

    it('writes text that looks like a formula, a number or a date as text', async () => {
      const book = workbook();
      const tricky = ['=SUMME(A1:A3)', '+49 211 123', '-', '@Kempen', '00123', '2024-05-01', 'TRUE'];
      const rows = tricky.map((bemerkung, i) => sheetRow(i, { bemerkung, ozg_id: `00${i}` }));
      const binding = await pulled(book, rows);

      for (const [i, text] of tricky.entries()) {
        expect(book.cellAt(rows[i]!.id, 'Bemerkung')).toMatchObject({ value: text, numberFormat: '@' });
        expect(book.cellAt(rows[i]!.id, 'Bemerkung')!.formula).toBeUndefined();
      }
      const read = await readTable(book.context(), binding);
      expect(read.map((row) => [row.values.bemerkung, row.values.ozg_id])).toEqual(tricky.map((text, i) => [text, `00${i}`]));
    });

    it('puts a further table on a sheet of its own in the next slot, keeping the first and the user’s sheets', async () => {
      const book = workbook();
      const first = await pulled(book, rowsUpTo(5));
      book.addSheet('Auswertung');
      const second = await writeSheet(book.context(), pullOf(rowsUpTo(2)), { ...NEW_BINDING, title: 'Mettmann' });
      expect(book.sheets.map((sheet) => [sheet.name, sheet.visibility])).toEqual([
        ['Tabelle1', 'Visible'],
        ['Köln- Status der OZG-Leistungen', 'Visible'],
        [LISTS_SHEET, 'VeryHidden'],
        ['Auswertung', 'Visible'],
        ['Mettmann', 'Visible'],
        [`${LISTS_SHEET} 2`, 'VeryHidden'],
      ]);
      expect([first.table, second.table]).toEqual(['OZG_Sync', 'OZG_Sync_2']);
      expect([book.rows('OZG_Sync'), book.rows('OZG_Sync_2')].map((rows) => rows.length)).toEqual([6, 3]);
      // Each table's drop-downs read its own lists sheet.
      expect(book.dropDown(rowsUpTo(2)[1]!.id, 'Status', 'OZG_Sync_2')).toEqual(STATUS);
    });

    it('writes a table again in its own slot, in place of its sheet, for a binding that names it', async () => {
      const book = workbook();
      await pulled(book, rowsUpTo(5));
      const second = await writeSheet(book.context(), pullOf(rowsUpTo(2)), { ...NEW_BINDING, title: 'Mettmann' });
      book.addSheet('Auswertung');
      const again = await writeSheet(book.context(), pullOf(rowsUpTo(4)), { ...NEW_BINDING, title: 'Mettmann', table: second.table });
      expect(again.table).toBe('OZG_Sync_2');
      expect(book.sheets.filter((sheet) => sheet.visibility === 'Visible').map((sheet) => sheet.name)).toEqual([
        'Tabelle1',
        'Köln- Status der OZG-Leistungen',
        'Mettmann',
        'Auswertung',
      ]);
      expect([book.rows('OZG_Sync'), book.rows('OZG_Sync_2')].map((rows) => rows.length)).toEqual([6, 5]);
    });

    it('leaves a sheet of the user’s that has the title’s name alone', async () => {
      const book = workbook();
      book.addSheet('Köln- Status der OZG-Leistungen');
      const binding = await pulled(book, rowsUpTo(1));
      expect(binding.dataSheet).toBe('Köln- Status der OZG-Leistu (2)');
    });

    it('makes a table with an empty row for an empty scope', async () => {
      const book = workbook();
      const binding = await pulled(book, []);
      expect(book.table().rowCount).toBe(1);
      expect(await readTable(book.context(), binding)).toEqual([]);
    });

    it('refuses a value no Excel cell holds before writing anything', async () => {
      const book = workbook();
      const pull = pullOf([sheetRow(7, { bemerkung: 'x'.repeat(40_000) })]);
      await expect(writeSheet(book.context(), pull, NEW_BINDING)).rejects.toThrow(
        'Der Wert in Zeile „id-00007“, Spalte „Bemerkung“ ist 40.000 Zeichen lang; eine Excel-Zelle fasst höchstens 32.767.',
      );
      expect(book.syncs).toEqual([]);
      expect(book.sheets).toHaveLength(1);
    });

    it('pulls 5,000 rows in runs of one sync each, no batch over 4 MB', async () => {
      const book = workbook();
      const rows = rowsUpTo(5_000);
      const { syncs } = await book.measure((context) => writeSheet(context, pullOf(rows), NEW_BINDING));
      expect(syncs).toHaveLength(WRITE_SHEET_FIXED_SYNCS + Math.ceil(5_000 / MAX_BATCH_ROWS));
      // A user's formulas on the table recalculate once at the end, not after every run.
      expect(syncs.slice(WRITE_SHEET_FIXED_SYNCS).map((sync) => sync.calculationSuspended)).toEqual(Array(Math.ceil(5_000 / MAX_BATCH_ROWS)).fill(true));
      expectWithinPayloadLimits(syncs);
      expect(book.table().rowCount).toBe(5_000);
    });

    it('pulls 5,000 rows of long texts in runs that each stay below 4 MB', async () => {
      const book = workbook();
      const rows = rowsUpTo(5_000, (i) => ({ bemerkung: `${i} ${'Ausführliche Bemerkung. '.repeat(120)}` }));
      const cells = rows.map((row) => tableRowCells(COLUMNS, row));
      const total = cells.reduce((sum, row) => sum + bytes(row), 0);
      const largest = Math.max(...cells.map(bytes));
      const { syncs } = await book.measure((context) => writeSheet(context, pullOf(rows), NEW_BINDING));

      const runs = syncs.length - WRITE_SHEET_FIXED_SYNCS;
      expect(total).toBeGreaterThan(3 * MAX_BATCH_BYTES);
      expect(runs).toBeGreaterThanOrEqual(Math.ceil(total / MAX_BATCH_BYTES));
      expect(runs).toBeLessThanOrEqual(Math.ceil(total / (MAX_BATCH_BYTES - largest)));
      expectWithinPayloadLimits(syncs);
    });
  });

  describe('readTable', () => {
    it('reads back what a pull wrote: a freshly pulled table holds no edits', async () => {
      await fc.assert(
        fc.asyncProperty(
          columnsArb.chain((columns) => fc.tuple(fc.constant(columns), rowsArb(columns))),
          async ([columns, rows]) => {
            const book = workbook();
            const binding = await pulled(book, rows, columns);
            const table = await readTable(book.context(), binding);
            expect(table).toEqual(tableOf(columns, rows));
            expect(diffTable(columns, snapshotOf(rows), table).changes).toEqual([]);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('still finds every value after the user sorts, filters, moves a column and adds columns of their own', async () => {
      const book = workbook();
      const rows = rowsUpTo(12);
      const binding = await pulled(book, rows);
      book.sort('Leistung', (a, b) => String(b).localeCompare(String(a)));
      book.moveColumn('Status', 0);
      book.addColumn('Meine Notiz', rows.map((_, i) => `privat ${i}`));
      book.addColumn('Status alt', rows.map(() => 'online'));
      book.filter('Reifegrad', (value) => value === 2);
      book.type('id-00003', 'Bemerkung', 'geändert');

      const table = await readTable(book.context(), binding);
      const expected = tableOf(COLUMNS, rows).map((row) => (row.id === 'id-00003' ? { ...row, values: { ...row.values, bemerkung: 'geändert' } } : row));
      expect(new Map(table.map((row) => [row.id, row]))).toEqual(new Map(expected.map((row) => [row.id, row])));
      expect(table.map((row) => row.id)).toEqual([...rows].sort((a, b) => b.values.leistung!.toString().localeCompare(a.values.leistung!.toString())).map((row) => row.id));
      expect(JSON.stringify(table)).not.toContain('privat');
      const changes = diffTable(COLUMNS, snapshotOf(rows), table).changes;
      expect(changes).toEqual([{ id: 'id-00003', baseVersion: 4, base: { bemerkung: 'Bemerkung zu 3' }, set: { bemerkung: 'geändert' } }]);
    });

    it('treats a renamed header as a column of the user’s: its cells are not read, so no edit is sent', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(2));
      const { sheet, top, left } = book.table();
      sheet.cell(top, left + book.position(book.table(), 'Bemerkung')).value = 'Meine Bemerkung';
      const table = await readTable(book.context(), binding);
      expect(table[0]!.values).not.toHaveProperty('bemerkung');
    });

    it('says in German when the table or its id column is gone', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(2));
      const { sheet, top, left } = book.table();
      sheet.cell(top, left).value = 'Kennung';
      await expect(readTable(book.context(), binding)).rejects.toThrow('In der Tabelle fehlt die ausgeblendete Spalte „id“');
      book.tables.length = 0;
      await expect(readTable(book.context(), binding)).rejects.toThrow('Die Tabelle „OZG_Sync“ fehlt in dieser Arbeitsmappe. Bitte rufen Sie die Tabelle neu ab.');
    });

    it('reads 5,000 rows in a constant number of syncs per run', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(5_000));
      const { result, syncs } = await book.measure((context) => readTable(context, binding));
      expect(result).toHaveLength(5_000);
      expect(syncs).toHaveLength(1 + Math.ceil(5_000 / MAX_BATCH_ROWS));
      expectWithinPayloadLimits(syncs);
    });

    it('reads long texts in runs small enough for Excel to answer, shrinking a run Excel refuses', async () => {
      const book = workbook();
      const rows = rowsUpTo(5_000, (i) => ({ bemerkung: `${i} ${'Ausführliche Bemerkung. '.repeat(120)}` }));
      const binding = await pulled(book, rows);
      const { result, syncs } = await book.measure((context) => readTable(context, binding));

      expect(result.map((row) => row.values.bemerkung)).toEqual(rows.map((row) => row.values.bemerkung));
      const answered = syncs.filter((sync) => sync.responseBytes < PAYLOAD_LIMIT);
      const refused = syncs.length - answered.length;
      expect(refused).toBeLessThanOrEqual(1);
      expect(answered.length).toBeLessThanOrEqual(1 + Math.ceil(rows.reduce((sum, row) => sum + bytes(row), 0) / (MAX_BATCH_BYTES / 2)));
      for (const sync of answered) expect(sync.responseBytes).toBeLessThanOrEqual(MAX_BATCH_BYTES * 1.1);
    });

    it('reads what the user typed as Excel stores it', async () => {
      const book = workbook();
      const binding = await pulled(book, [sheetRow(1)]);
      book.type('id-00001', 'Reifegrad', '3');
      book.type('id-00001', 'Anbieter', `${ANBIETER[0]}; ${ANBIETER[2]}`);
      const [row] = await readTable(book.context(), binding);
      expect(row!.values).toMatchObject({ reifegrad: 3, anbieter: 'ITEBO; regio iT', online: toCell(COLUMNS[6]!, false) });
    });
  });
});
