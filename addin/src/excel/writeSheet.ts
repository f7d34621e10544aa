import type { ExcelValue, PullResponse, Snapshot } from '../../../core/index.ts';
import {
  cellTooLong,
  freeSlot,
  slotOf,
  tableColumns,
  tableRowCells,
  validationLists,
  type Binding,
  type SlotSheets,
  type ValidationList,
} from '../../../core/workbook.ts';
import { MAX_BATCH_ROWS, batches, jsonBytes } from './batch.ts';
import { queueFullSave } from './binding.ts';
import { replaceTableSheet } from './sheets.ts';
import { formatColumnCells } from './table.ts';

/**
 * A binding before its table exists: writeSheet decides where the table goes. With a table name
 * (a rebuild), the table is written again in that table's slot.
 */
export type NewBinding = Omit<Binding, 'dataSheet' | 'table'> & { table?: string };

/** The slot for a table not in the workbook yet: the lowest one all of whose names are free. */
async function newSlot(context: Excel.RequestContext): Promise<SlotSheets> {
  const sheets = context.workbook.worksheets.load('items/name');
  const tables = context.workbook.tables.load('items/name');
  await context.sync();
  return freeSlot(
    sheets.items.map((sheet) => sheet.name),
    tables.items.map((table) => table.name),
  );
}

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
 * Writes the table of a full pull to a new slot, or, for a binding with a table, in place of its slot's data sheet: German headers, the technical columns
 * hidden, formats and drop-downs per column, the header row frozen, on a new sheet in place of the
 * previous data sheet. The rows go in runs that each stay within the batch limits, one sync per run;
 * the first run carries the sheet's setup (formats before values, so that text stays text), the
 * last the widths. Given the base snapshot, the binding is saved in the same runs, each run also
 * carrying the binding sheet's rows, so that a first pull costs a lookup and a sync per run; the
 * open Konflikte and rejected cells of a previous binding go with it.
 */
export async function writeSheet(context: Excel.RequestContext, pull: PullResponse, binding: NewBinding, base?: Snapshot): Promise<Binding> {
  const columns = tableColumns(pull.columns);
  const rows = pulledRows(pull);
  const names = binding.table === undefined ? await newSlot(context) : slotOf({ table: binding.table });
  const lists = validationLists(pull.columns, names.lists);
  const { worksheets } = context.workbook;

  const previousLists = worksheets.getItemOrNullObject(names.lists).load('isNullObject');
  const save = base ? queueFullSave(context, names) : undefined;
  const previousOpen = base ? worksheets.getItemOrNullObject(names.openItems).load('isNullObject') : undefined;
  const { sheet, name } = await replaceTableSheet(context, names.table, binding.title);
  const written: Binding = { ...binding, dataSheet: name, table: names.table };
  if (!previousLists.isNullObject) {
    // Excel refuses to delete a very hidden sheet.
    previousLists.visibility = 'Hidden';
    previousLists.delete();
  }
  if (lists.length > 0) {
    const listSheet = worksheets.add(names.lists);
    listSheet.visibility = 'VeryHidden';
    writeLists(listSheet, lists);
  }

  const width = columns.length;
  // Excel gives a table at least one body row.
  const bodyRows = Math.max(rows.length, 1);
  const header = sheet.getRangeByIndexes(0, 0, 1, width);
  header.numberFormat = [['@']];
  header.values = [columns.map((column) => column.label)];
  sheet.tables.add(sheet.getRangeByIndexes(0, 0, bodyRows + 1, width), true).name = names.table;
  const sources = new Map(lists.map((list) => [list.key, list.source]));
  columns.forEach((column, position) => formatColumnCells(sheet.getRangeByIndexes(1, position, bodyRows, 1), column, sources));
  const technical = columns.filter((column) => !column.server).length;
  sheet.getRangeByIndexes(0, 0, 1, technical).getEntireColumn().columnHidden = true;
  sheet.freezePanes.freezeRows(1);

  // Row i of the table and row i of the binding sheet go in the same run.
  const stored = save && base ? save.start(written, base) : [];
  const paired = Array.from({ length: Math.max(rows.length, stored.length, 1) }, (_, i) => ({ row: rows[i], stored: stored[i] }));
  const runs = batches(paired, ({ row, stored }) => jsonBytes(row ?? []) + jsonBytes(stored ?? []), MAX_BATCH_ROWS);
  let top = 0;
  for (const [index, run] of runs.entries()) {
    // A user's formulas referring to the table would recalculate after every run otherwise.
    context.workbook.application.suspendApiCalculationUntilNextSync();
    const data = run.flatMap(({ row }) => (row ? [row] : []));
    if (data.length > 0) sheet.getRangeByIndexes(1 + top, 0, data.length, width).values = data;
    const binding = run.flatMap(({ stored }) => (stored ? [stored] : []));
    if (binding.length > 0) save!.write(top, binding);
    if (index === runs.length - 1) {
      // Only the visible columns: autofit gives a column a width, and a hidden one would show again.
      if (width > technical) sheet.getRangeByIndexes(0, technical, bodyRows + 1, width - technical).format.autofitColumns();
      sheet.activate();
      save?.finish();
      if (previousOpen && !previousOpen.isNullObject) {
        previousOpen.visibility = 'Hidden';
        previousOpen.delete();
      }
    }
    await context.sync();
    top += run.length;
  }
  return written;
}
