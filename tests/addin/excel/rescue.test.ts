import { afterEach, describe, expect, it, vi } from 'vitest';
import { rescueTable } from '../../../addin/src/excel/rescue.ts';
import { pulled, rowsUpTo, workbook } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

const BEMERKUNG = 10;

describe('rescueTable', () => {
  it('finds a renamed table by its id column and reads its rows with the edits in them', async () => {
    const book = workbook();
    const binding = await pulled(book, rowsUpTo(3));
    const table = book.table();
    book.table().sheet.cell(table.bodyTop + 1, table.left + BEMERKUNG).value = 'getippt, dann umbenannt';
    table.name = 'Meine_Tabelle';

    const rows = await rescueTable(book.context(), binding);
    expect(rows?.map((row) => row.id)).toEqual(['id-00000', 'id-00001', 'id-00002']);
    expect(rows?.[1]?.values.bemerkung).toBe('getippt, dann umbenannt');
  });

  it('prefers the data sheet’s table over another table the user made from a copy of it', async () => {
    const book = workbook();
    const binding = await pulled(book, rowsUpTo(2));
    const original = book.table();
    const copy = book.addSheet('Kopie');
    original.sheet.grid.forEach((line, row) => line?.forEach((cell, column) => (copy.cell(row, column).value = cell?.value ?? '')));
    book.createTable({ sheet: copy, row: 0, column: 0, rows: 3, columns: original.width }, true);
    copy.cell(1, BEMERKUNG).value = 'nur in der Kopie';
    original.name = 'Umbenannt';

    const rows = await rescueTable(book.context(), binding);
    expect(rows?.map((row) => row.values.bemerkung)).toEqual(['', 'Bemerkung zu 1']);
  });

  it('gives null when no table has the id column any more, so that no edit is put into a wrong row', async () => {
    const book = workbook();
    const binding = await pulled(book, rowsUpTo(2));
    const table = book.table();
    table.sheet.cell(table.top, table.left).value = 'Kennung';
    expect(await rescueTable(book.context(), binding)).toBeNull();
  });
});
