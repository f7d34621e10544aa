import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_BATCH_BYTES, MAX_BATCH_CELLS, MAX_BATCH_ROWS, applyTableUpdate, readTable } from '../../../addin/src/excel/index.ts';
import { LEFT_SCOPE_FONT, READ_ONLY_FILL } from '../../../core/workbook.ts';
import { diffTable, emptyState, mergePull, toCell, type TableRow, type TableUpdate } from '../../../core/index.ts';
import { PAYLOAD_LIMIT, type SyncRecord } from './fake-excel.ts';
import { COLUMNS, STATUS, pullOf, pulled, rowsUpTo, sheetRow, workbook, atEveryApiLevel } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

const NONE: TableUpdate = { cells: [], append: [], remove: [], deletedWithEdits: [] };
const column = (key: string) => COLUMNS.find((c) => c.key === key)!;
const appended = (i: number, values = {}): TableRow => {
  const row = sheetRow(i, values);
  return { id: row.id, values: Object.fromEntries(COLUMNS.map((c) => [c.key, toCell(c, row.values[c.key] ?? null)])) };
};

function expectWithinPayloadLimits(syncs: SyncRecord[]) {
  for (const sync of syncs) {
    expect(sync.valueBytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(sync.requestBytes).toBeLessThan(PAYLOAD_LIMIT);
  }
}

atEveryApiLevel(() => {
  describe('applyTableUpdate', () => {
    it('does nothing, not even a sync, for an empty update', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(2));
      const { syncs } = await book.measure((context) => applyTableUpdate(context, binding, NONE));
      expect(syncs).toEqual([]);
    });

    it('writes each cell into its row wherever sorting moved it', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(6));
      book.sort('OZG-ID', (a, b) => String(b).localeCompare(String(a)));
      book.moveColumn('Status', 1);
      await applyTableUpdate(book.context(), binding, {
        ...NONE,
        cells: [
          { id: 'id-00002', key: 'status', value: 'online' },
          { id: 'id-00004', key: 'leistung', value: 'Neuer Leistungsname' },
        ],
      });
      expect(book.cellAt('id-00002', 'Status')!.value).toBe('online');
      expect(book.cellAt('id-00004', 'Leistung')!.value).toBe('Neuer Leistungsname');
      expect(book.cellAt('id-00003', 'Status')!.value).toBe(STATUS[3]);
    });

    it('writes text that looks like a formula as text, even where a paste changed the cell’s format', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(2));
      book.cellAt('id-00001', 'Bemerkung')!.numberFormat = 'General';
      await applyTableUpdate(book.context(), binding, { ...NONE, cells: [{ id: 'id-00001', key: 'bemerkung', value: '=HYPERLINK("x")' }] });
      expect(book.cellAt('id-00001', 'Bemerkung')).toMatchObject({ value: '=HYPERLINK("x")', numberFormat: '@' });
      expect(book.cellAt('id-00001', 'Bemerkung')!.formula).toBeUndefined();
    });

    it('skips cells whose row the user deleted meanwhile', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(2));
      const before = book.rows();
      await applyTableUpdate(book.context(), binding, { ...NONE, cells: [{ id: 'id-09999', key: 'status', value: 'online' }] });
      expect(book.rows()).toEqual(before);
    });

    it('appends rows formatted like the rest: text stays text, dates are dates, drop-downs and grey read-only cells', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(2));
      book.addColumn('Meine Notiz');
      const row = appended(7, { bemerkung: '=1+1', ozg_id: '007', zieltermin: '2026-12-24' });
      await applyTableUpdate(book.context(), binding, { ...NONE, append: [row] });

      expect(book.table().rowCount).toBe(3);
      expect(book.cellAt(row.id, 'Bemerkung')).toMatchObject({ value: '=1+1', numberFormat: '@' });
      expect(book.cellAt(row.id, 'OZG-ID')).toMatchObject({ value: '007', format: { 'fill.color': READ_ONLY_FILL, 'protection.locked': true } });
      expect(book.cellAt(row.id, 'Zieltermin')).toMatchObject({ numberFormat: 'dd.mm.yyyy', value: toCell(column('zieltermin'), '2026-12-24') });
      expect(book.dropDown(row.id, 'Status')).toEqual(STATUS);
      expect((await readTable(book.context(), binding)).at(-1)).toEqual(row);
    });

    it('removes rows that left the scope, clearing a filter Excel would otherwise refuse to delete under', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(6));
      book.sort('OZG-ID', (a, b) => String(b).localeCompare(String(a)));
      book.filter('Reifegrad', (value) => value !== 0);
      await applyTableUpdate(book.context(), binding, { ...NONE, remove: ['id-00001', 'id-00004', 'id-00005'], append: [appended(9)] });

      const ids = (await readTable(book.context(), binding)).map((row) => row.id);
      expect(ids).toEqual(['id-00003', 'id-00002', 'id-00000', 'id-00009']);
      expect(book.table().filtered).toBe(false);
    });

    it('keeps rows that left the scope with edits, struck through, the edits bold with a note why', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(3));
      book.type('id-00001', 'Bemerkung', 'meine Änderung');
      await applyTableUpdate(book.context(), binding, { ...NONE, deletedWithEdits: [{ id: 'id-00001', keys: ['bemerkung'] }] });

      // Grey on every host; struck through where the host has strikethrough (ExcelApi 1.9).
      const struck = book.supports('1.9') ? true : undefined;
      expect(book.cellAt('id-00001', 'OZG-ID')!.format['font.color']).toBe(LEFT_SCOPE_FONT);
      expect(book.cellAt('id-00001', 'OZG-ID')!.format['font.strikethrough']).toBe(struck);
      expect(book.cellAt('id-00001', 'Bemerkung')).toMatchObject({ value: 'meine Änderung', format: { 'font.bold': true, 'font.color': LEFT_SCOPE_FONT } });
      expect(book.cellAt('id-00001', 'Bemerkung')!.format['font.strikethrough']).toBe(struck);
      expect(book.cellAt('id-00002', 'OZG-ID')!.format).not.toHaveProperty('font.color');
      expect(book.cellAt('id-00002', 'OZG-ID')!.format['font.strikethrough']).toBeUndefined();
      const { sheet } = book.table();
      if (!book.supports('1.10')) return;
      expect(book.supports('1.18') ? sheet.notes : sheet.comments).toEqual([
        {
          row: book.table().bodyTop + 1,
          column: book.position(book.table(), 'Bemerkung'),
          content: 'Entfernt (OZG-Sync): Diese Zeile gehört nicht mehr zu „Köln: Status der OZG-Leistungen“. Ihre Änderungen darin wurden nicht gesendet und können nicht mehr gesendet werden.',
        },
      ]);
    });

    it('carries out a refresh: the server’s changes land, the user’s edits stay, and only those remain to send', async () => {
      const book = workbook();
      const rows = rowsUpTo(5);
      const binding = await pulled(book, rows);
      const { state } = mergePull(emptyState(), [], pullOf(rows), { full: true });
      book.sort('Leistung', (a, b) => String(b).localeCompare(String(a)));
      book.type('id-00001', 'Bemerkung', 'von mir');

      const since = {
        ...pullOf([{ ...rows[1]!, version: 9, values: { ...rows[1]!.values, status: 'online' } }, sheetRow(5)]),
        deleted: ['id-00003'],
        cursor: 'cursor-2',
      };
      const merged = mergePull(state, await readTable(book.context(), binding), since, { full: false });
      await applyTableUpdate(book.context(), binding, merged.update);

      const table = await readTable(book.context(), binding);
      expect(table.map((row) => row.id).sort()).toEqual(['id-00000', 'id-00001', 'id-00002', 'id-00004', 'id-00005']);
      expect(table.find((row) => row.id === 'id-00001')!.values).toMatchObject({ status: 'online', bemerkung: 'von mir' });
      const changes = diffTable(COLUMNS, merged.state.base, table).changes;
      expect(changes).toEqual([{ id: 'id-00001', baseVersion: 9, base: { bemerkung: 'Bemerkung zu 1' }, set: { bemerkung: 'von mir' } }]);
    });

    it('applies 5,000 changed cells in a constant number of syncs per run, no batch over 4 MB', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(5_000));
      const cells = rowsUpTo(5_000).map((row) => ({ id: row.id, key: 'bemerkung', value: `Neu: ${row.id}` }));
      const { syncs } = await book.measure((context) => applyTableUpdate(context, binding, { ...NONE, cells }));

      // Finding the table, reading the ids, then one sync per run of cells.
      expect(syncs).toHaveLength(1 + Math.ceil(5_000 / MAX_BATCH_ROWS) + Math.ceil(5_000 / MAX_BATCH_CELLS));
      // The batches writing cells hold back recalculation of the user's formulas until each is done.
      expect(syncs.filter((sync) => sync.calculationSuspended)).toHaveLength(Math.ceil(5_000 / MAX_BATCH_CELLS));
      expectWithinPayloadLimits(syncs);
      expect(book.cellAt('id-04999', 'Bemerkung')!.value).toBe('Neu: id-04999');
    });

    it('appends 5,000 rows of long texts in runs of one sync each, no batch over 4 MB', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(1));
      const rows = Array.from({ length: 5_000 }, (_, i) => appended(i + 1, { bemerkung: `${i} ${'Lang. '.repeat(500)}` }));
      const { syncs } = await book.measure((context) => applyTableUpdate(context, binding, { ...NONE, append: rows }));

      const runs = syncs.length - 2;
      expect(runs).toBeGreaterThan(Math.ceil(5_000 / MAX_BATCH_ROWS));
      expect(syncs.slice(2).every((sync) => sync.calculationSuspended)).toBe(true);
      expect(runs).toBeLessThanOrEqual(Math.ceil(rows.reduce((sum, row) => sum + JSON.stringify(row).length, 0) / (MAX_BATCH_BYTES / 2)));
      expectWithinPayloadLimits(syncs);
      expect(book.table().rowCount).toBe(5_001);
    });

    it('refuses a value no Excel cell holds before changing anything', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(2));
      const update = { ...NONE, cells: [{ id: 'id-00000', key: 'status', value: 'online' }], append: [appended(5, { bemerkung: 'x'.repeat(33_000) })] };
      await expect(applyTableUpdate(book.context(), binding, update)).rejects.toThrow('Spalte „Bemerkung“ ist 33.000 Zeichen lang');
      expect(book.cellAt('id-00000', 'Status')!.value).toBe(STATUS[0]);
    });
  });
});
