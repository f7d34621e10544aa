import type { Snapshot, TableRow } from '../../../core/index.ts';
import {
  NOT_BOUND,
  READ_ONLY_FILL,
  decodeBindingSheet,
  slotOf,
  tableColumns,
  tableLayout,
  tableRowOf,
  type Binding,
  type TableColumn,
  type TableLayout,
} from '../../../core/workbook.ts';
import { ITEM_NOT_FOUND, RESPONSE_TOO_LARGE, hasErrorCode, readBlocks, readCells } from './batch.ts';

/** The data table as it is in the workbook now. Positions are 0-based, relative to the sheet. */
export interface DataTable {
  table: Excel.Table;
  sheet: Excel.Worksheet;
  /** Sheet row of the first body row. */
  top: number;
  /** Sheet column of the table's first column. */
  left: number;
  rowCount: number;
  width: number;
  layout: TableLayout;
  idColumn: PlacedColumn;
  /** The server's columns found in the header, by key. */
  columns: Map<string, PlacedColumn>;
}

export interface PlacedColumn {
  /** Position within the table. */
  position: number;
  column: TableColumn;
}

/** Finds the binding's table and its columns, in one sync. */
export async function findDataTable(context: Excel.RequestContext, binding: Binding): Promise<DataTable> {
  const found = queueDataTable(context, binding);
  try {
    await context.sync();
  } catch (error) {
    if (!hasErrorCode(error, ITEM_NOT_FOUND)) throw error;
    throw tableMissing(binding, error);
  }
  return found();
}

const tableMissing = (binding: Binding, cause: unknown) =>
  new Error(`Die Tabelle „${binding.table}“ fehlt in dieser Arbeitsmappe. Bitte rufen Sie die Tabelle neu ab.`, { cause });

/** Queues what findDataTable loads, for a sync that carries other reads too; gives the table once synced. */
function queueDataTable(context: Excel.RequestContext, binding: Binding): () => DataTable {
  const table = context.workbook.tables.getItem(binding.table);
  const header = table.getHeaderRowRange().load('values, rowIndex, columnIndex, columnCount');
  const body = table.getDataBodyRange().load('rowCount');
  // Asked for now, so that it goes with this sync instead of needing one of its own.
  const sheet = table.worksheet;
  return () => {
    const found = tableLayout(binding.columns, header.values[0] ?? []);
    if (!found.ok) throw new Error(found.message);
    return {
      table,
      sheet,
      top: header.rowIndex + 1,
      left: header.columnIndex,
      rowCount: body.rowCount,
      width: header.columnCount,
      layout: found.layout,
      ...placedColumns(binding, found.layout),
    };
  };
}

function placedColumns(binding: Binding, layout: TableLayout): Pick<DataTable, 'idColumn' | 'columns'> {
  const [idColumn, , ...serverColumns] = tableColumns(binding.columns);
  const columns = new Map<string, PlacedColumn>();
  for (const column of serverColumns) {
    const { key } = column.server!;
    const position = layout.columns.get(key);
    if (position !== undefined) columns.set(key, { position, column });
  }
  return { idColumn: { position: layout.id, column: idColumn! }, columns };
}

/** The id of each body row, '' where it has none. */
export async function rowIds(context: Excel.RequestContext, data: DataTable): Promise<string[]> {
  const ids = await readCells(context, data.sheet, { top: data.top, left: data.left + data.layout.id, rowCount: data.rowCount, columnCount: 1 });
  return ids.map(([cell]) => String(cell ?? '').trim());
}

/** Where each id's row is (its first row, as the sync logic reads a repeated id). */
export function positionsOf(ids: readonly string[]): Map<string, number> {
  const positions = new Map<string, number>();
  ids.forEach((id, position) => {
    if (id !== '' && !positions.has(id)) positions.set(id, position);
  });
  return positions;
}

export async function rowPositions(context: Excel.RequestContext, data: DataTable): Promise<Map<string, number>> {
  return positionsOf(await rowIds(context, data));
}

/**
 * The table as the user left it, rows in sheet order; sorted or filtered rows are all read, and
 * columns found by their header, so moved columns are found and the user's own are skipped.
 */
export async function readTable(context: Excel.RequestContext, binding: Binding): Promise<TableRow[]> {
  const data = await findDataTable(context, binding);
  const cells = await readCells(context, data.sheet, { top: data.top, left: data.left, rowCount: data.rowCount, columnCount: data.width });
  return cells.flatMap((row) => tableRowOf(data.layout, row) ?? []);
}

/** How often a read starts again when another pane's full save swapped the binding sheet under it. */
const READ_ATTEMPTS = 3;

/** Rows of cells from A1 on, for a block read starting at (top, left): the format puts the marker in A1. */
const fromA1 = (top: number, left: number, values: readonly unknown[][]) => [
  ...Array.from({ length: top }, () => [] as unknown[]),
  ...values.map((row) => [...Array<unknown>(left).fill(''), ...row]),
];

/**
 * The table together with the base snapshot on the binding sheet, read in the same syncs: a
 * co-author's pane writes both, and a diff against a base read at another moment sends edits twice
 * (theirs, already sent) or attributes them wrongly. One sync while both fit one answer; a table
 * too large for that is read in runs of rows, as readBlocks reads them.
 */
export async function readTableAndBase(context: Excel.RequestContext, binding: Binding): Promise<{ rows: TableRow[]; base: Snapshot }> {
  const { rows, base } = await readTableAndBinding(context, binding);
  return { rows, base };
}

/** What readTableAndBase reads, with what writing back needs of it: where the table is, its ids, the binding sheet's cells from A1. */
export interface TableAndBinding {
  rows: TableRow[];
  base: Snapshot;
  data: DataTable;
  /** The id of each body row, '' where it has none. */
  ids: string[];
  stored: unknown[][];
}

export async function readTableAndBinding(context: Excel.RequestContext, binding: Binding): Promise<TableAndBinding> {
  for (let attempt = 1; ; attempt++) {
    const found = queueDataTable(context, binding);
    const whole = context.workbook.tables.getItem(binding.table).getDataBodyRange().load('values');
    const bindingSheet = context.workbook.worksheets.getItem(slotOf(binding).binding);
    const used = bindingSheet.getUsedRangeOrNullObject(true).load('isNullObject, rowIndex, rowCount, columnIndex, columnCount, values');
    let tooLarge = false;
    try {
      await context.sync();
    } catch (error) {
      tooLarge = hasErrorCode(error, RESPONSE_TOO_LARGE);
      if (!tooLarge && !hasErrorCode(error, ITEM_NOT_FOUND)) throw error;
      if (!tooLarge) {
        const table = context.workbook.tables.getItemOrNullObject(binding.table).load('isNullObject');
        await context.sync();
        if (table.isNullObject) throw tableMissing(binding, error);
        if (attempt >= READ_ATTEMPTS) throw new Error(NOT_BOUND, { cause: error });
        continue;
      }
    }
    if (tooLarge) return readInRuns(context, binding);
    const data = found();
    return decoded(data, whole.values, used.isNullObject ? [] : fromA1(used.rowIndex, used.columnIndex, used.values));
  }
}

function decoded(data: DataTable, cells: readonly unknown[][], stored: unknown[][]): TableAndBinding {
  const read = decodeBindingSheet(stored);
  if (!read.ok) throw new Error(read.message);
  const ids = cells.map((row) => String(row[data.layout.id] ?? '').trim());
  return { rows: cells.flatMap((row) => tableRowOf(data.layout, row) ?? []), base: read.snapshot, data, ids, stored };
}

/** readTableAndBinding for a table whose answer exceeds what Excel sends back in one piece. */
async function readInRuns(context: Excel.RequestContext, binding: Binding): Promise<TableAndBinding> {
  const found = queueDataTable(context, binding);
  const bindingSheet = context.workbook.worksheets.getItem(slotOf(binding).binding);
  const used = bindingSheet.getUsedRangeOrNullObject(true).load('isNullObject, rowIndex, rowCount, columnIndex, columnCount');
  try {
    await context.sync();
  } catch (error) {
    if (!hasErrorCode(error, ITEM_NOT_FOUND)) throw error;
    throw new Error(NOT_BOUND, { cause: error });
  }
  const data = found();
  const [cells, stored] = await readBlocks(context, [
    { sheet: data.sheet, top: data.top, left: data.left, rowCount: data.rowCount, columnCount: data.width },
    // From A1, so that the marker is where the format puts it even if the sheet starts further in.
    { sheet: bindingSheet, top: 0, left: 0, rowCount: used.isNullObject ? 0 : used.rowIndex + used.rowCount, columnCount: used.isNullObject ? 1 : used.columnIndex + used.columnCount },
  ]);
  return decoded(data, cells!, stored!);
}

/** Grey for what the server does not let anyone change; no fill for the rest. */
export function paintBase(range: Excel.Range, column: TableColumn): void {
  if (column.server && !column.server.editable) range.format.fill.color = READ_ONLY_FILL;
  else range.format.fill.clear();
}

/**
 * Formats table cells of one column before values go in: the number format first, since only a
 * text format keeps "=…", "+49 …", "-" or "@…" from becoming formulas and "00123" from becoming a
 * number. Read-only cells are locked and grey, so that protecting the sheet leaves exactly the
 * editable cells open; enum columns get their drop-down from `listSources` (by key).
 */
export function formatColumnCells(range: Excel.Range, column: TableColumn, listSources: ReadonlyMap<string, string>): void {
  range.numberFormat = [[column.numberFormat]];
  paintBase(range, column);
  range.format.protection.locked = !column.server?.editable;
  const listSource = column.server && listSources.get(column.server.key);
  if (listSource) {
    range.dataValidation.rule = { list: { inCellDropDown: true, source: listSource } };
    // A warning, not a stop: the lists are written at a full pull, and a value the server has
    // allowed since must still be enterable; the server checks every value anyway.
    range.dataValidation.errorAlert = {
      showAlert: true,
      style: 'Warning',
      title: 'OZG-Sync',
      message: 'Dieser Wert steht nicht in der Liste der erlaubten Werte.',
    };
  }
}
