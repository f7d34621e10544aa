import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_BATCH_BYTES, MAX_BATCH_CELLS, MAX_BATCH_ROWS, clearMarks, markCells, selectCell } from '../../../addin/src/excel/index.ts';
import { FEHLER_FILL, KONFLIKT_FILL, READ_ONLY_FILL } from '../../../core/workbook.ts';
import type { ZellFehler, ZellKonflikt } from '../../../core/index.ts';
import { NEWEST_API } from './fake-excel.ts';
import { pulled, rowsUpTo, workbook, atEveryApiLevel } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

const konflikt: ZellKonflikt = { id: 'id-00001', key: 'zieltermin', base: '2026-02-15', mine: '2026-03-01', theirs: '2026-04-30' };
const fehler: ZellFehler = { id: 'id-00002', key: 'status', message: '„fertig?“ ist kein erlaubter Wert. Erlaubt: offen, online.' };

atEveryApiLevel(() => {
  describe('markCells', () => {
    it('marks Konflikte orange and rejected cells red, with a note giving the server’s value or the reason', async () => {
      const book = workbook('1.18');
      const binding = await pulled(book, rowsUpTo(4));
      await markCells(book.context(), binding, [konflikt], [fehler]);

      expect(book.cellAt('id-00001', 'Zieltermin')!.format['fill.color']).toBe(KONFLIKT_FILL);
      expect(book.cellAt('id-00002', 'Status')!.format['fill.color']).toBe(FEHLER_FILL);
      expect(book.cellAt('id-00003', 'Status')!.format['fill.color']).toBeUndefined();
      expect(book.table().sheet.notes.map((note) => note.content)).toEqual([
        'Konflikt (OZG-Sync): Auf dem Server steht inzwischen „30.04.2026“, hier „01.03.2026“. Im Aufgabenbereich entscheiden: „Meine behalten“ oder „Server übernehmen“.',
        'Abgelehnt (OZG-Sync): „fertig?“ ist kein erlaubter Wert. Erlaubt: offen, online.',
      ]);
    });

    it('shows a cell both in Konflikt and rejected in red, with both texts in one note', async () => {
      const book = workbook(NEWEST_API);
      const binding = await pulled(book, rowsUpTo(3));
      await markCells(book.context(), binding, [{ ...konflikt, key: 'status', mine: 'fertig?', theirs: null }], [{ ...fehler, id: 'id-00001' }]);
      expect(book.cellAt('id-00001', 'Status')!.format['fill.color']).toBe(FEHLER_FILL);
      expect(book.table().sheet.notes).toHaveLength(1);
      expect(book.table().sheet.notes[0]!.content).toMatch(/^Konflikt \(OZG-Sync\): .*„\(leer\)“, hier „fertig\?“.*\nAbgelehnt \(OZG-Sync\): /s);
    });

    it('replaces the marks of before, keeping the user’s own notes, and puts none on a cell that has one', async () => {
      const book = workbook(NEWEST_API);
      const binding = await pulled(book, rowsUpTo(4));
      await markCells(book.context(), binding, [konflikt], [fehler]);
      const { sheet, bodyTop } = book.table();
      const statusColumn = book.position(book.table(), 'Status');
      sheet.notes.push({ row: bodyTop + 3, column: statusColumn, content: 'Mit Frau Schmitz klären' });

      await markCells(book.context(), binding, [], [{ ...fehler, id: 'id-00003' }]);
      expect(book.cellAt('id-00001', 'Zieltermin')!.format['fill.color']).toBeUndefined();
      expect(book.cellAt('id-00002', 'Status')!.format['fill.color']).toBeUndefined();
      expect(book.cellAt('id-00003', 'Status')!.format['fill.color']).toBe(FEHLER_FILL);
      expect(sheet.notes).toEqual([{ row: bodyTop + 3, column: statusColumn, content: 'Mit Frau Schmitz klären' }]);
    });

    it('finds the cells after the user sorted the table', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(5));
      book.sort('OZG-ID', (a, b) => String(b).localeCompare(String(a)));
      await markCells(book.context(), binding, [konflikt], []);
      expect(book.cellAt('id-00001', 'Zieltermin')!.format['fill.color']).toBe(KONFLIKT_FILL);
      const texts = book.supports('1.18') ? book.table().sheet.notes : book.table().sheet.comments;
      if (book.supports('1.10')) expect(texts[0]!.row).toBe(book.table().bodyTop + book.rowOf(book.table(), 'id-00001'));
    });

    it('uses comments where the host has no notes (ExcelApi 1.10)', async () => {
      const book = workbook('1.10');
      const binding = await pulled(book, rowsUpTo(3));
      await markCells(book.context(), binding, [konflikt], [fehler]);
      const { sheet } = book.table();
      expect(sheet.notes).toEqual([]);
      expect(sheet.comments.map((comment) => comment.content.slice(0, 20))).toEqual(['Konflikt (OZG-Sync):', 'Abgelehnt (OZG-Sync)']);
      await clearMarks(book.context(), binding);
      expect(sheet.comments).toEqual([]);
    });

    it('still highlights where the host has neither (ExcelApi 1.8)', async () => {
      const book = workbook('1.8');
      const binding = await pulled(book, rowsUpTo(3));
      await markCells(book.context(), binding, [konflikt], [fehler]);
      expect(book.cellAt('id-00001', 'Zieltermin')!.format['fill.color']).toBe(KONFLIKT_FILL);
      expect(book.cellAt('id-00002', 'Status')!.format['fill.color']).toBe(FEHLER_FILL);
    });

    it('clearMarks gives each column its own fill back: grey where read-only, none elsewhere', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(3));
      await markCells(book.context(), binding, [{ ...konflikt, key: 'leistung' }], [fehler]);
      await clearMarks(book.context(), binding);
      expect(book.cellAt('id-00001', 'Leistung')!.format['fill.color']).toBe(READ_ONLY_FILL);
      expect(book.cellAt('id-00002', 'Status')!.format['fill.color']).toBeUndefined();
      expect(book.table().sheet.notes).toEqual([]);
    });

    it('marks 5,000 cells in a constant number of syncs per run, no batch over 4 MB', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(5_000));
      const many = rowsUpTo(5_000).map((row) => ({ ...konflikt, id: row.id }));
      const { syncs } = await book.measure((context) => markCells(context, binding, many, []));
      // The table, its ids, the notes there are and removing the add-in's (where the host has
      // notes or comments), then one sync per run.
      const texts = book.supports('1.10') ? 2 : 0;
      expect(syncs).toHaveLength(1 + Math.ceil(5_000 / MAX_BATCH_ROWS) + texts + Math.ceil(5_000 / MAX_BATCH_CELLS));
      for (const sync of syncs) expect(sync.valueBytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      expect(book.table().sheet.notes).toHaveLength(book.supports('1.18') ? 5_000 : 0);
      expect(book.table().sheet.comments).toHaveLength(book.supports('1.10') && !book.supports('1.18') ? 5_000 : 0);
    });
  });

  describe('selectCell', () => {
    it('takes the user to the cell, on the data sheet, wherever sorting moved its row', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(5));
      book.sort('OZG-ID', (a, b) => String(b).localeCompare(String(a)));
      book.active = book.sheets[0]!;
      await selectCell(book.context(), binding, { id: 'id-00001', key: 'status' });
      const table = book.table();
      expect(book.active).toBe(table.sheet);
      expect(book.selection).toEqual({ sheet: table.sheet, row: table.bodyTop + book.rowOf(table, 'id-00001'), column: book.position(table, 'Status') });
    });

    it('says in German when the cell is gone', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(2));
      await expect(selectCell(book.context(), binding, { id: 'id-00099', key: 'status' })).rejects.toThrow('Diese Zelle steht nicht mehr in der Tabelle');
    });
  });
});
