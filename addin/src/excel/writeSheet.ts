import type { ExcelValue, PullResponse } from '../../../core/index.ts';
import {
  DATA_TABLE,
  LISTS_SHEET,
  cellTooLong,
  tableColumns,
  tableRowCells,
  validationLists,
  type Binding,
  type ValidationList,
} from '../../../core/workbook.ts';
import { MAX_BATCH_ROWS, batches, jsonBytes } from './batch.ts';
import { replaceTableSheet } from './sheets.ts';
import { formatColumnCells } from './table.ts';

/** A binding before its table exists: writeSheet decides where the table goes. */
export type NewBinding = Omit<Binding, 'dataSheet' | 'table'>;

/** The cells of every row, refusing up front what Excel would refuse halfway through. */
function pulledRows(pull: PullResponse): ExcelValue[][] {
  const labels = tableColumns(pull.columns).map((column) => column.label);
  return pull.rows.map((row) => {
    const cells = tableRowCells(pull.columns, row);
    cells.forEach((cell, position) => {
      const message = cellTooLong(cell, `in Zeile „${row.id}“, Spalte „${labels[position]}“`);
      if (message) throw new Error(message);
    });
    return cells;
  });
}

function writeLists(sheet: Excel.Worksheet, lists: readonly ValidationList[]): void {
  for (const { values, position } of lists) {
    const range = sheet.getRangeByIndexes(0, position, values.length, 1);
    range.numberFormat = [['@']];
    range.values = values.map((value) => [value]);
  }
}

/**
 * Replaces the data worksheet with the table of a full pull: German headers, the technical columns
 * hidden, formats and drop-downs per column, the header row frozen, on a new sheet in place of the
 * previous data sheet. The rows go in runs that each stay within the batch limits, one sync per run.
 */
export async function writeSheet(context: Excel.RequestContext, pull: PullResponse, binding: NewBinding): Promise<Binding> {
  const columns = tableColumns(pull.columns);
  const rows = pulledRows(pull);
  const lists = validationLists(pull.columns);
  const { worksheets } = context.workbook;

  const previousLists = worksheets.getItemOrNullObject(LISTS_SHEET).load('isNullObject');
  const { sheet, name } = await replaceTableSheet(context, DATA_TABLE, binding.title);
  if (!previousLists.isNullObject) {
    // Excel refuses to delete a very hidden sheet.
    previousLists.visibility = 'Hidden';
    previousLists.delete();
  }
  if (lists.length > 0) {
    const listSheet = worksheets.add(LISTS_SHEET);
    listSheet.visibility = 'VeryHidden';
    writeLists(listSheet, lists);
  }

  const width = columns.length;
  // Excel gives a table at least one body row.
  const bodyRows = Math.max(rows.length, 1);
  const header = sheet.getRangeByIndexes(0, 0, 1, width);
  header.numberFormat = [['@']];
  header.values = [columns.map((column) => column.label)];
  sheet.tables.add(sheet.getRangeByIndexes(0, 0, bodyRows + 1, width), true).name = DATA_TABLE;
  const sources = new Map(lists.map((list) => [list.key, list.source]));
  columns.forEach((column, position) => formatColumnCells(sheet.getRangeByIndexes(1, position, bodyRows, 1), column, sources));
  const technical = columns.filter((column) => !column.server).length;
  sheet.getRangeByIndexes(0, 0, 1, technical).getEntireColumn().columnHidden = true;
  sheet.freezePanes.freezeRows(1);
  await context.sync();

  let written = 0;
  for (const run of batches(rows, jsonBytes, MAX_BATCH_ROWS)) {
    sheet.getRangeByIndexes(1 + written, 0, run.length, width).values = run;
    await context.sync();
    written += run.length;
  }

  // Only the visible columns: autofit gives a column a width, and a hidden one would show again.
  if (width > technical) sheet.getRangeByIndexes(0, technical, bodyRows + 1, width - technical).format.autofitColumns();
  sheet.activate();
  await context.sync();
  return { ...binding, dataSheet: name, table: DATA_TABLE };
}
