import type { ExcelValue, TableRow, TableUpdate } from '../sync/index.ts';
import { cellTooLong, placedRowCells, validationLists, type Binding } from '../sync/workbook.ts';
import { COLUMN_FORMAT_BYTES, MAX_BATCH_CELLS, MAX_BATCH_ROWS, OPERATION_BYTES, batches, jsonBytes, supportsExcelApi } from './batch.ts';
import { ENTFERNT_TEXT, LEFT_SCOPE_FONT } from '../sync/workbook.ts';
import { cellKey, prepareCellTexts } from './marks.ts';
import { findDataTable, formatColumnCells, rowPositions, type DataTable, type PlacedColumn } from './table.ts';

interface CellWrite {
  row: number;
  placed: PlacedColumn;
  value: ExcelValue;
}

function refuseTooLong(value: ExcelValue, where: string): void {
  const message = cellTooLong(value, where);
  if (message) throw new Error(message);
}

/** The cell updates that still have a place: a row or column the user deleted meanwhile has none. */
function cellWrites(data: DataTable, positions: Map<string, number>, update: TableUpdate): CellWrite[] {
  return update.cells.flatMap((cell) => {
    const row = positions.get(cell.id);
    const placed = data.columns.get(cell.key);
    if (row === undefined || !placed) return [];
    refuseTooLong(cell.value, `für Zeile „${cell.id}“, Spalte „${placed.column.label}“`);
    return [{ row, placed, value: cell.value }];
  });
}

/** Each cell gets its column's number format again first: pasting into a cell replaces its format. */
async function writeCells(context: Excel.RequestContext, data: DataTable, writes: CellWrite[]): Promise<void> {
  for (const run of batches(writes, (write) => jsonBytes(write.value) + OPERATION_BYTES, MAX_BATCH_CELLS)) {
    for (const { row, placed, value } of run) {
      const cell = data.sheet.getRangeByIndexes(data.top + row, data.left + placed.position, 1, 1);
      cell.numberFormat = [[placed.column.numberFormat]];
      cell.values = [[value]];
    }
    await context.sync();
  }
}

/**
 * Rows that left the scope while holding edits stay, grey and struck through, their edited cells
 * bold with a note saying why, so that the user can still copy what they typed.
 */
async function markLeftScope(
  context: Excel.RequestContext,
  binding: Binding,
  data: DataTable,
  positions: Map<string, number>,
  rows: TableUpdate['deletedWithEdits'],
): Promise<void> {
  const placedRows = rows.flatMap(({ id, keys }) => {
    const row = positions.get(id);
    return row === undefined ? [] : [{ row, columns: keys.flatMap((key) => data.columns.get(key)?.position ?? []) }];
  });
  if (placedRows.length === 0) return;
  const texts = await prepareCellTexts(context, data.sheet, []);
  // Strikethrough is ExcelApi 1.9, above the manifest's minimum; the grey font shows the row as
  // gone on every host (https://learn.microsoft.com/javascript/api/excel/excel.rangefont#excel-excel-rangefont-strikethrough-member).
  const strikethrough = supportsExcelApi('1.9');
  const text = `${ENTFERNT_TEXT}Diese Zeile gehört nicht mehr zu „${binding.title}“. Ihre Änderungen darin wurden nicht gesendet und können nicht mehr gesendet werden.`;
  for (const run of batches(placedRows, (row) => (row.columns.length + 1) * (OPERATION_BYTES + jsonBytes(text)), MAX_BATCH_CELLS)) {
    for (const { row, columns } of run) {
      const { font } = data.sheet.getRangeByIndexes(data.top + row, data.left, 1, data.width).format;
      font.color = LEFT_SCOPE_FONT;
      if (strikethrough) font.strikethrough = true;
      for (const column of columns) {
        const cell = data.sheet.getRangeByIndexes(data.top + row, data.left + column, 1, 1);
        cell.format.font.bold = true;
        if (texts && !texts.occupied.has(cellKey(data.top + row, data.left + column))) texts.add(cell, text);
      }
    }
    await context.sync();
  }
}

/** Deletes from the bottom up, so that the positions still to delete stay where they were. */
async function removeRows(context: Excel.RequestContext, data: DataTable, positions: Map<string, number>, ids: string[]): Promise<void> {
  const doomed = [...new Set(ids.flatMap((id) => positions.get(id) ?? []))].sort((a, b) => b - a);
  if (doomed.length === 0) return;
  // Excel refuses to delete rows of a filtered table. Losing the filter beats keeping rows that
  // are no longer in the scope.
  data.table.clearFilters();
  for (const run of batches(doomed, () => OPERATION_BYTES, MAX_BATCH_CELLS)) {
    for (const position of run) data.table.rows.getItemAt(position).delete();
    await context.sync();
  }
}

/**
 * Appends in runs of rows, one sync each: the rows are added blank, formatted, and only then
 * filled, since a value written before the text format would turn "=…" into a formula.
 */
async function appendRows(context: Excel.RequestContext, binding: Binding, data: DataTable, rows: ExcelValue[][]): Promise<void> {
  if (rows.length === 0) return;
  const body = data.table.getDataBodyRange().load('rowCount');
  await context.sync();
  const sources = new Map(validationLists(binding.columns).map((list) => [list.key, list.source]));
  const placed = [data.idColumn, ...data.columns.values()];
  const blank = Array<string>(data.width).fill('');
  // Each row goes out twice, blank and filled; the formats come on top.
  const rowBytes = (row: ExcelValue[]) => jsonBytes(row) + jsonBytes(blank) + 1;
  let appended = 0;
  for (const run of batches(rows, rowBytes, MAX_BATCH_ROWS, placed.length * COLUMN_FORMAT_BYTES)) {
    const top = data.top + body.rowCount + appended;
    data.table.rows.add(undefined, run.map(() => blank));
    for (const { position, column } of placed) {
      formatColumnCells(data.sheet.getRangeByIndexes(top, data.left + position, run.length, 1), column, sources);
    }
    data.sheet.getRangeByIndexes(top, data.left, run.length, data.width).values = run;
    await context.sync();
    appended += run.length;
  }
}

function appendedCells(data: DataTable, rows: TableRow[]): ExcelValue[][] {
  const labels = new Map([data.idColumn, ...data.columns.values()].map((placed) => [placed.position, placed.column.label]));
  return rows.map((row) => {
    const cells = placedRowCells(data.layout, data.width, row);
    cells.forEach((cell, position) => refuseTooLong(cell, `in Zeile „${row.id}“, Spalte „${labels.get(position) ?? ''}“`));
    return cells;
  });
}

/**
 * Carries out what merging a pull or a push decided for the table: cell updates, rows marked as
 * having left the scope with edits, rows removed, rows appended. Everything is checked before the
 * first write, so that a value Excel would refuse does not leave the table half updated.
 */
export async function applyTableUpdate(context: Excel.RequestContext, binding: Binding, update: TableUpdate): Promise<void> {
  const { cells, append, remove, deletedWithEdits } = update;
  if (cells.length + append.length + remove.length + deletedWithEdits.length === 0) return;
  const data = await findDataTable(context, binding);
  const positions = cells.length + remove.length + deletedWithEdits.length > 0 ? await rowPositions(context, data) : new Map<string, number>();
  const writes = cellWrites(data, positions, update);
  const appended = appendedCells(data, append);

  await writeCells(context, data, writes);
  await markLeftScope(context, binding, data, positions, deletedWithEdits);
  await removeRows(context, data, positions, remove);
  await appendRows(context, binding, data, appended);
}
