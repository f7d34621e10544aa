import type { TableRow } from '../sync/index.ts';
import { READ_ONLY_FILL, tableColumns, tableLayout, tableRowOf, type Binding, type TableColumn, type TableLayout } from '../sync/workbook.ts';
import { ITEM_NOT_FOUND, hasErrorCode, readCells } from './batch.ts';

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
  const table = context.workbook.tables.getItem(binding.table);
  const header = table.getHeaderRowRange().load('values, rowIndex, columnIndex, columnCount');
  const body = table.getDataBodyRange().load('rowCount');
  try {
    await context.sync();
  } catch (error) {
    if (!hasErrorCode(error, ITEM_NOT_FOUND)) throw error;
    throw new Error(`Die Tabelle „${binding.table}“ fehlt in dieser Arbeitsmappe. Bitte rufen Sie die Tabelle neu ab.`, { cause: error });
  }
  const found = tableLayout(binding.columns, header.values[0] ?? []);
  if (!found.ok) throw new Error(found.message);
  return {
    table,
    sheet: table.worksheet,
    top: header.rowIndex + 1,
    left: header.columnIndex,
    rowCount: body.rowCount,
    width: header.columnCount,
    layout: found.layout,
    ...placedColumns(binding, found.layout),
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
