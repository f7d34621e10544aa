import { fromCell, sameCellValue, shownValue, valueAt, type CellAddress, type Snapshot, type ZellFehler, type ZellKonflikt } from '../../../core/index.ts';
import { FEHLER_FILL, FEHLER_TEXT, KONFLIKT_FILL, KONFLIKT_TEXT, type Binding } from '../../../core/workbook.ts';
import { MAX_BATCH_CELLS, OPERATION_BYTES, batches, jsonBytes, readCells, supportsExcelApi } from './batch.ts';
import { findDataTable, paintBase, positionsOf, rowPositions, type DataTable } from './table.ts';


/** Texts the add-in can put on cells, and the cells that already hold someone else's. */
export interface CellTexts {
  add(cell: Excel.Range, text: string): void;
  /** "row,column" of sheet cells holding a note or comment the add-in did not write; those keep it. */
  occupied: Set<string>;
}

export const cellKey = (row: number, column: number) => `${row},${column}`;

interface Annotation {
  content: string;
  delete(): void;
  getLocation(): Excel.Range;
}

/**
 * Notes (ExcelApi 1.18) where the host has them, else comments (1.10), else none: then marks are
 * fills only. Removes the add-in's earlier texts starting with `replacing`, in two syncs, except
 * on the cells in `keeping` ("row,column" of the sheet), which count as occupied.
 */
export async function prepareCellTexts(
  context: Excel.RequestContext,
  sheet: Excel.Worksheet,
  replacing: readonly string[],
  keeping: ReadonlySet<string> = new Set(),
): Promise<CellTexts | null> {
  let collection: { load(properties: string): unknown; items: Annotation[] };
  let add: CellTexts['add'];
  if (supportsExcelApi('1.18')) {
    const notes = sheet.notes;
    collection = notes;
    add = (cell, text) => void notes.add(cell, text);
  } else if (supportsExcelApi('1.10')) {
    const comments = sheet.comments;
    collection = comments;
    add = (cell, text) => void comments.add(cell, text);
  } else {
    return null;
  }
  collection.load('items/content');
  await context.sync();
  const located = collection.items.map((item) => ({ item, cell: item.getLocation().load('rowIndex, columnIndex') }));
  await context.sync();
  const occupied = new Set<string>();
  for (const { item, cell } of located) {
    const at = cellKey(cell.rowIndex, cell.columnIndex);
    if (replacing.some((prefix) => item.content.startsWith(prefix)) && !keeping.has(at)) item.delete();
    else occupied.add(at);
  }
  return { add, occupied };
}


interface Mark {
  row: number;
  column: number;
  fill: string;
  texts: string[];
}

function marksOf(data: DataTable, positions: Map<string, number>, binding: Binding, konflikte: ZellKonflikt[], fehler: ZellFehler[]): Mark[] {
  const marks = new Map<string, Mark>();
  const mark = ({ id, key }: CellAddress, fill: string, text: string) => {
    const row = positions.get(id);
    const column = data.columns.get(key)?.position;
    if (row === undefined || column === undefined) return;
    const at = cellKey(row, column);
    const existing = marks.get(at);
    // A rejected cell is red even when it is also in Konflikt: the rejection has to be fixed first.
    if (existing) marks.set(at, { ...existing, fill: existing.fill === FEHLER_FILL ? FEHLER_FILL : fill, texts: [...existing.texts, text] });
    else marks.set(at, { row, column, fill, texts: [text] });
  };
  const columnOf = (key: string) => binding.columns.find((column) => column.key === key);
  for (const konflikt of konflikte) {
    const column = columnOf(konflikt.key);
    mark(konflikt, KONFLIKT_FILL, `${KONFLIKT_TEXT}Auf dem Server steht inzwischen „${shownValue(column, konflikt.theirs)}“, hier „${shownValue(column, konflikt.mine)}“. Im Aufgabenbereich entscheiden: „Meine behalten“ oder „Server übernehmen“.`);
  }
  for (const error of fehler) mark(error, FEHLER_FILL, `${FEHLER_TEXT}${error.message}`);
  return [...marks.values()];
}

/**
 * The cells whose content differs from the base, by "row,column" of the table: unsent edits, and
 * among them the Konflikte and rejections a co-author's pane has marked, which this pane must not
 * clear. Where the content equals the base, a mark is settled whoever set it.
 */
function editedCells(data: DataTable, base: Snapshot, cells: readonly unknown[][]): Set<string> {
  const edited = new Set<string>();
  cells.forEach((row, position) => {
    const id = String(row[data.layout.id] ?? '').trim();
    const stored = base.get(id);
    if (!stored) return;
    for (const { position: column, column: { server } } of data.columns.values()) {
      const parsed = fromCell(server!, asCell(row[column]));
      if (!parsed.ok || !sameCellValue(parsed.value, valueAt(stored.values, server!.key))) edited.add(cellKey(position, column));
    }
  });
  return edited;
}

const asCell = (cell: unknown) => (typeof cell === 'string' || typeof cell === 'number' || typeof cell === 'boolean' ? cell : '');

/**
 * Shows the open Konflikte (orange) and rejected cells (red), each with a note or comment saying
 * the server's value or why it refused; the marks of before go first. Resetting restores each
 * column's own fill (grey for read-only), so fills users put into the synced columns go too;
 * their own columns are left alone. Given the base, cells that still differ from it keep what
 * they show unless this pane marks them now: a co-author's pane may have marked them, and its
 * Konflikte are not this pane's to clear; and cells equal to it get no mark.
 */
export async function markCells(
  context: Excel.RequestContext,
  binding: Binding,
  konflikte: ZellKonflikt[],
  fehler: ZellFehler[],
  base?: Snapshot,
): Promise<void> {
  const data = await findDataTable(context, binding);
  const needed = base !== undefined || konflikte.length + fehler.length > 0;
  const cells = needed ? await readCells(context, data.sheet, { top: data.top, left: data.left, rowCount: data.rowCount, columnCount: data.width }) : [];
  const positions = positionsOf(cells.map((row) => String(row[data.layout.id] ?? '').trim()));
  const edited = base ? editedCells(data, base, cells) : undefined;
  // A cell back at its base has been settled, maybe in a co-author's pane: its mark would be stale.
  const marks = marksOf(data, positions, binding, konflikte, fehler).filter((mark) => !edited || edited.has(cellKey(mark.row, mark.column)));
  const kept = new Set(edited);
  for (const mark of marks) kept.delete(cellKey(mark.row, mark.column));

  const texts = await prepareCellTexts(context, data.sheet, [KONFLIKT_TEXT, FEHLER_TEXT], new Set([...kept].map((at) => {
    const [row, column] = at.split(',').map(Number);
    return cellKey(data.top + row!, data.left + column!);
  })));
  for (const { position, column } of [data.idColumn, ...data.columns.values()]) {
    // The column in runs between the kept cells, so that a column without any stays one operation.
    let start = 0;
    for (let row = 0; row <= data.rowCount; row++) {
      if (row < data.rowCount && !kept.has(cellKey(row, position))) continue;
      if (row > start) paintBase(data.sheet.getRangeByIndexes(data.top + start, data.left + position, row - start, 1), column);
      start = row + 1;
    }
  }
  const runs = batches(marks, (mark) => jsonBytes(mark.texts) + OPERATION_BYTES, MAX_BATCH_CELLS);
  // The reset goes out with the first run of marks, or alone when there are none.
  for (const run of runs.length > 0 ? runs : [[]]) {
    for (const mark of run) {
      const row = data.top + mark.row;
      const column = data.left + mark.column;
      const cell = data.sheet.getRangeByIndexes(row, column, 1, 1);
      cell.format.fill.color = mark.fill;
      if (texts && !texts.occupied.has(cellKey(row, column))) texts.add(cell, mark.texts.join('\n'));
    }
    await context.sync();
  }
}

export function clearMarks(context: Excel.RequestContext, binding: Binding): Promise<void> {
  return markCells(context, binding, [], []);
}

/** Takes the user to a cell of the table, e.g. a Konflikt picked in the task pane. */
export async function selectCell(context: Excel.RequestContext, binding: Binding, address: CellAddress): Promise<void> {
  const data = await findDataTable(context, binding);
  const row = (await rowPositions(context, data)).get(address.id);
  const column = data.columns.get(address.key)?.position;
  if (row === undefined || column === undefined) {
    throw new Error('Diese Zelle steht nicht mehr in der Tabelle: Zeile oder Spalte wurde gelöscht oder die Überschrift geändert.');
  }
  data.sheet.activate();
  data.sheet.getRangeByIndexes(data.top + row, data.left + column, 1, 1).select();
  await context.sync();
}
