import type { ExcelValue, TableRow, TableUpdate } from '../../../core/index.ts';
import { ID_LABEL, cellTooLong, foldedLabel, placedRowCells, validationLists, type Binding } from '../../../core/workbook.ts';
import { COLUMN_FORMAT_BYTES, ITEM_NOT_FOUND, MAX_BATCH_CELLS, MAX_BATCH_ROWS, OPERATION_BYTES, batches, hasErrorCode, jsonBytes, supportsExcelApi, type Sync } from './batch.ts';
import { ENTFERNT_TEXT, LEFT_SCOPE_FONT } from '../../../core/workbook.ts';
import { cellKey, prepareCellTexts } from './marks.ts';
import { findDataTable, formatColumnCells, positionsOf, rowIds, type DataTable } from './table.ts';

/** A cell to write: in the row with the id, or for an undo in a row without one, at its position. */
interface CellWrite {
  id: string;
  key: string;
  value: ExcelValue;
  /** For an undo in a row without id: the body row it was in, and what the add-in put there. */
  at?: number;
  stray?: ExcelValue;
}

function refuseTooLong(value: ExcelValue, where: string): void {
  const message = cellTooLong(value, where);
  if (message) throw new Error(message);
}

/** How many batches a write may take while the user keeps moving rows, before it gives up. */
const WRITE_ROUNDS = 12;

/** Where the cells are as a batch found them: the table and the id of every body row. */
interface Placement {
  data: DataTable;
  ids: string[];
  /** Read in the batch of writes, so covering exactly the body: else rows may have come since. */
  exact: boolean;
}


/**
 * What is still to write: the cells of the update, and the undos of writes that met another row
 * (by that row's id; for a row without id, where it is and what the add-in put there). An undo
 * keeps the value the cell held before the first mistaken write, and a cell's own write, once it
 * landed, makes an earlier undo of it moot.
 */
class Ledger {
  private readonly writes = new Map<string, CellWrite>();
  private readonly undos = new Map<string, CellWrite>();
  private strays: CellWrite[] = [];

  constructor(cells: readonly CellWrite[]) {
    for (const cell of cells) this.writes.set(Ledger.cell(cell.id, cell.key), cell);
  }

  private static cell(id: string, key: string) {
    return `${id}\u0000${key}`;
  }

  /** Undos go first: a cell both hit by mistake and still to be written ends with its own value. */
  pending(): CellWrite[] {
    return [...this.undos.values(), ...this.strays, ...this.writes.values()];
  }

  landed(write: CellWrite): void {
    if (write.id === '') this.strays = this.strays.filter((stray) => stray !== write);
    else if (this.writes.get(Ledger.cell(write.id, write.key)) === write) {
      this.writes.delete(Ledger.cell(write.id, write.key));
      this.undos.delete(Ledger.cell(write.id, write.key));
    } else this.undos.delete(Ledger.cell(write.id, write.key));
  }

  /** A write whose row is gone: the user deleted it. */
  dropped(write: CellWrite): void {
    if (write.id === '') this.strays = this.strays.filter((stray) => stray !== write);
    else if (this.writes.get(Ledger.cell(write.id, write.key)) === write) this.writes.delete(Ledger.cell(write.id, write.key));
    else this.undos.delete(Ledger.cell(write.id, write.key));
  }

  /** A write met the row `hit` (its id, '' for none) at body row `row`, which held `previous`. */
  hit(hit: string, row: number, key: string, previous: ExcelValue, written: ExcelValue): void {
    if (previous === written) return;
    if (hit !== '') {
      const cell = Ledger.cell(hit, key);
      if (!this.undos.has(cell)) this.undos.set(cell, { id: hit, key, value: previous });
      return;
    }
    // The value was an earlier mistake of the add-in's: the undo still owes what was there before it.
    const earlier = this.strays.find((stray) => stray.key === key && stray.stray === previous);
    if (earlier) Object.assign(earlier, { at: row, stray: written });
    else this.strays.push({ id: '', key, value: previous, at: row, stray: written });
  }
}

/**
 * Writes each cell into the row carrying its id. Excel runs a batch as one piece, but the user
 * (or a co-author's change arriving) may sort, insert or delete rows between two syncs, so
 * positions found in one sync may be wrong in the next. Each batch therefore reads the header and
 * the id column right before its writes: afterwards that read tells, for the very moment of the
 * writes, whether every cell met its row. A write that met another row is undone from the value
 * read with it and written again where its row is now, in the next batch, checked the same way.
 * Each cell gets its column's number format again first: pasting into a cell replaces its format.
 */
async function writeCells(
  context: Excel.RequestContext,
  binding: Binding,
  data: DataTable,
  ids: string[],
  cells: readonly CellWrite[],
  sync: Sync = () => context.sync(),
): Promise<Placement> {
  let placement: Placement = { data, ids, exact: false };
  const ledger = new Ledger(cells);
  for (let round = 1, pending = ledger.pending(); pending.length > 0; round++, pending = ledger.pending()) {
    if (round > WRITE_ROUNDS) {
      throw new Error('Die Tabelle wurde während des Schreibens ständig umsortiert; bitte warten Sie kurz und versuchen Sie es erneut.');
    }
    for (const run of batches(pending, (write) => jsonBytes(write.value) + OPERATION_BYTES, MAX_BATCH_CELLS)) {
      placement = await writeRun(context, binding, placement, run, ledger, sync);
    }
  }
  return placement;
}

/** The labels of the bound columns at their positions, '' for the user's own. */
const headerOf = (data: DataTable) => {
  const header = Array<string>(data.width).fill('');
  header[data.layout.id] = ID_LABEL;
  for (const { position, column } of data.columns.values()) header[position] = column.label;
  return header;
};

async function writeRun(
  context: Excel.RequestContext,
  binding: Binding,
  { data, ids, exact }: Placement,
  run: CellWrite[],
  ledger: Ledger,
  sync: Sync,
): Promise<Placement> {
  const positions = positionsOf(ids);
  const placed = run.flatMap((write) => {
    const row = write.id === '' ? ((ids[write.at!] ?? '') === '' ? write.at : undefined) : positions.get(write.id);
    const column = data.columns.get(write.key);
    if (row !== undefined && column) return [{ write, row, column }];
    // A row or column the user deleted has no place any more; a row not among ids read earlier
    // may just have moved below them, and the ids this batch reads will tell.
    if (exact || !column) ledger.dropped(write);
    return [];
  });
  const header = data.table.getHeaderRowRange().load('values, rowIndex, columnIndex, columnCount');
  // The body as it is when the batch runs, however many rows the user inserted or deleted.
  const idCells = data.table.getDataBodyRange().getColumn(data.layout.id).load('values');
  // A row without id cannot be followed by id: for an undo there, its column is read along, to
  // find the value again if the row moved.
  const strayColumns = new Map(
    [...new Set(run.filter((write) => write.id === '').map((write) => write.key))].flatMap((key) => {
      const column = data.columns.get(key);
      return column ? [[key, data.table.getDataBodyRange().getColumn(column.position).load('values')] as const] : [];
    }),
  );
  const targets = placed.map(({ write, row, column }) => {
    const at = () => data.sheet.getRangeByIndexes(data.top + row, data.left + column.position, 1, 1);
    const before = at().load('values, numberFormat');
    const cell = at();
    cell.numberFormat = [[column.column.numberFormat]];
    cell.values = [[write.value]];
    return { write, row, column, before };
  });
  // A user's formulas on the table would recalculate after every cell otherwise.
  context.workbook.application.suspendApiCalculationUntilNextSync();
  try {
    await sync();
  } catch (error) {
    if (!hasErrorCode(error, ITEM_NOT_FOUND)) throw error;
    throw new Error(`Die Tabelle „${binding.table}“ fehlt in dieser Arbeitsmappe. Bitte rufen Sie die Tabelle neu ab.`, { cause: error });
  }

  const moved = header.rowIndex + 1 !== data.top || header.columnIndex !== data.left || header.columnCount !== data.width;
  const sameHeader = !moved && headerOf(data).every((label, position) => label === '' || foldedLabel(String(header.values[0]![position] ?? '')) === foldedLabel(label));
  if (!sameHeader) {
    // Columns moved or the table shifted: the cells written may lie in other columns. They get
    // back what they held, in place, and the table is found afresh for another try.
    for (const { row, column, before } of targets) {
      const cell = data.sheet.getRangeByIndexes(data.top + row, data.left + column.position, 1, 1);
      cell.numberFormat = before.numberFormat;
      cell.values = before.values;
    }
    await context.sync();
    const found = await findDataTable(context, binding);
    return { data: found, ids: await rowIds(context, found), exact: false };
  }
  // The batch saw the columns as planned: each write met the row whose id was read with it.
  const now = idCells.values.map(([cell]) => String(cell ?? '').trim());
  const outcomes = targets.map(({ write, row, before }) => {
    const previous = (before.values[0]![0] ?? '') as ExcelValue;
    const hit = now[row] ?? '';
    return { write, row, previous, hit, written: write.value, landed: hit === write.id && (write.id !== '' || previous === write.stray) };
  });
  for (const { write, landed } of outcomes) {
    if (landed) ledger.landed(write);
    else if (write.id === '') {
      // The row moved before the undo reached it: find it by the value it holds, or let it be
      // when it is gone.
      const cells = strayColumns.get(write.key)?.values ?? [];
      const found = cells.findIndex(([cell], r) => (now[r] ?? '') === '' && cell === write.stray);
      if (found >= 0) write.at = found;
      else ledger.dropped(write);
    }
  }
  // Undo in the rows that were hit: by id wherever they go next, or in place for a row without
  // one (inserted by the user meanwhile, or below the table after the user deleted rows).
  for (const { write, row, previous, hit, written, landed } of outcomes) if (!landed) ledger.hit(hit, row, write.key, previous, written);
  return { data: { ...data, rowCount: now.length }, ids: now, exact: true };
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
    // A user's formulas on the table would recalculate after every operation of the run otherwise.
    context.workbook.application.suspendApiCalculationUntilNextSync();
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
 * Writes cell updates into the table found and the ids read with it in an earlier sync of this
 * batch, each verified against its row as writeCells does; `sync` lets the writes share their
 * round trip with other writes of the same batch.
 */
export async function writeCellUpdates(
  context: Excel.RequestContext,
  binding: Binding,
  data: DataTable,
  ids: string[],
  cells: readonly CellWrite[],
  sync: Sync,
): Promise<void> {
  if (cells.length === 0) return;
  refuseTooLongCells(data, cells);
  await writeCells(context, binding, data, ids, cells, sync);
}

function refuseTooLongCells(data: DataTable, cells: readonly CellWrite[]): void {
  for (const cell of cells) {
    const placed = data.columns.get(cell.key);
    if (placed) refuseTooLong(cell.value, `für Zeile „${cell.id}“, Spalte „${placed.column.label}“`);
  }
}

/**
 * Carries out what merging a pull or a push decided for the table: cell updates, rows marked as
 * having left the scope with edits, rows removed, rows appended. Everything is checked before the
 * first write, so that a value Excel would refuse does not leave the table half updated.
 */
export async function applyTableUpdate(context: Excel.RequestContext, binding: Binding, update: TableUpdate): Promise<void> {
  const { cells, append, remove, deletedWithEdits } = update;
  if (cells.length + append.length + remove.length + deletedWithEdits.length === 0) return;
  let data = await findDataTable(context, binding);
  refuseTooLongCells(data, cells);
  const appended = appendedCells(data, append);
  let ids = cells.length + remove.length + deletedWithEdits.length > 0 ? await rowIds(context, data) : [];
  if (cells.length > 0) ({ data, ids } = await writeCells(context, binding, data, ids, cells));
  const positions = positionsOf(ids);

  await markLeftScope(context, binding, data, positions, deletedWithEdits);
  await removeRows(context, data, positions, remove);
  await appendRows(context, binding, data, appended);
}
