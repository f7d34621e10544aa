import type { BaseRow, Snapshot } from '../../../core/index.ts';
import {
  BINDING_SHEET,
  FIRST_SNAPSHOT_ROW,
  FORMAT_MARKER,
  NOT_BOUND,
  decodeBindingSheet,
  encodeBindingSheet,
  slotOf,
  slotOfBindingSheet,
  type Binding,
  type SlotSheets,
} from '../../../core/workbook.ts';
import { ITEM_NOT_FOUND, MAX_BATCH_ROWS, OPERATION_BYTES, batches, hasErrorCode, jsonBytes, readCells, type Sync } from './batch.ts';

/** Where a save is written before it replaces the binding sheet; never read. At most 31 characters for any slot a workbook reaches. */
const nextBindingSheet = (names: SlotSheets) => `${names.binding} (neu)`;

/**
 * Stores the binding and the whole base snapshot on the very hidden binding sheet, for a full pull
 * that replaces the data sheet (co-authors' rows of the previous binding go with it). A save takes several
 * syncs, and one cut short (a dropped connection in Excel on the web) must not leave half a
 * snapshot behind, which would turn every row it lacks into an unknown row: so the save is
 * written to a sheet of its own and only then takes the binding sheet's place, in one small batch.
 */
export async function saveBinding(context: Excel.RequestContext, binding: Binding, snapshot: Snapshot): Promise<void> {
  const save = queueFullSave(context, slotOf(binding));
  await context.sync();
  const rows = save.start(binding, snapshot);
  const textFormat = [['@']];
  let written = 0;
  for (const run of batches(rows, jsonBytes, MAX_BATCH_ROWS, jsonBytes(textFormat))) {
    save.write(written, run);
    await context.sync();
    written += run.length;
  }
  save.finish();
  await context.sync();
}

/**
 * saveBinding in pieces, for a caller that writes the binding sheet in the same batches as the
 * data sheet: queued lookups go with the caller's first sync; start() adds the new sheet and gives
 * its rows, padded alike so that Excel gets rectangles; write() queues a run of them; finish()
 * queues the swap, to go with the caller's last batch.
 */
export function queueFullSave(context: Excel.RequestContext, names: SlotSheets) {
  const { worksheets } = context.workbook;
  const previous = worksheets.getItemOrNullObject(names.binding).load('isNullObject');
  const leftover = worksheets.getItemOrNullObject(nextBindingSheet(names)).load('isNullObject');
  let next: Excel.Worksheet | undefined;
  let width = 1;
  return {
    start(binding: Binding, snapshot: Snapshot): (string | number)[][] {
      // Excel refuses to delete a very hidden sheet.
      if (!leftover.isNullObject) {
        leftover.visibility = 'Hidden';
        leftover.delete();
      }
      next = worksheets.add(nextBindingSheet(names));
      next.visibility = 'VeryHidden';
      const rows = encodeBindingSheet(binding, snapshot);
      width = Math.max(...rows.map((row) => row.length));
      return rows.map((row) => [...row, ...Array<string>(width - row.length).fill('')]);
    },
    write(top: number, rows: (string | number)[][]): void {
      const range = next!.getRangeByIndexes(top, 0, rows.length, width);
      // Text throughout: a piece of JSON may well look like a number, a date or a formula.
      range.numberFormat = [['@']];
      range.values = rows;
    },
    finish(): void {
      if (!previous.isNullObject) {
        previous.visibility = 'Hidden';
        previous.delete();
      }
      next!.name = names.binding;
    },
  };
}

/** How often a load starts again when another pane's save replaced the binding sheet under it. */
const LOAD_ATTEMPTS = 3;

/**
 * Every bound table of the workbook, in the order of their slots: each binding sheet the workbook
 * has, read as loadBinding reads one. A sheet of the first format is migrated on the way.
 */
export async function loadBindings(context: Excel.RequestContext): Promise<{ binding: Binding; snapshot: Snapshot }[]> {
  const sheets = context.workbook.worksheets.load('items/name');
  await context.sync();
  const found = sheets.items.flatMap((sheet) => {
    const slot = slotOfBindingSheet(sheet.name);
    return slot === undefined ? [] : [{ slot, name: sheet.name }];
  });
  const loaded: { binding: Binding; snapshot: Snapshot }[] = [];
  for (const { name } of found.sort((a, b) => a.slot - b.slot)) {
    const one = await loadBinding(context, name);
    if (one) loaded.push(one);
  }
  return loaded;
}

/**
 * The binding and snapshot stored on one binding sheet; null when there is none. A damaged
 * binding sheet, or one written by another version of the format, is an error with a German message.
 * Reading takes several syncs; a co-author's pane saving meanwhile swaps in a complete new sheet in
 * one batch, and the old one then answers ItemNotFound: the load starts over on the new one.
 */
export async function loadBinding(context: Excel.RequestContext, sheetName: string = BINDING_SHEET): Promise<{ binding: Binding; snapshot: Snapshot } | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readBinding(context, sheetName);
    } catch (error) {
      if (!hasErrorCode(error, ITEM_NOT_FOUND) || attempt >= LOAD_ATTEMPTS) throw error;
    }
  }
}

async function readBinding(context: Excel.RequestContext, sheetName: string): Promise<{ binding: Binding; snapshot: Snapshot } | null> {
  const sheet = context.workbook.worksheets.getItemOrNullObject(sheetName).load('isNullObject');
  await context.sync();
  if (sheet.isNullObject) return null;
  const used = sheet.getUsedRangeOrNullObject(true).load('isNullObject, rowIndex, columnIndex, rowCount, columnCount');
  await context.sync();
  if (used.isNullObject) return null;
  // From A1, so that the marker is where the format puts it even if the sheet starts further in.
  const values = await readCells(context, sheet, {
    top: 0,
    left: 0,
    rowCount: used.rowIndex + used.rowCount,
    columnCount: used.columnIndex + used.columnCount,
  });
  const decoded = decodeBindingSheet(values);
  if (decoded.ok && decoded.format === 1) {
    // The first format's single table is slot 1 of this one: only the marker changes, so that an
    // add-in of the first format, blind to further tables, refuses the workbook from now on.
    const marker = sheet.getRangeByIndexes(0, 0, 1, 1);
    marker.numberFormat = [['@']];
    marker.values = [[FORMAT_MARKER]];
    await context.sync();
  }
  if (decoded.ok) return { binding: decoded.binding, snapshot: decoded.snapshot };
  if (decoded.message === NOT_BOUND) return null;
  throw new Error(decoded.message);
}

const NO_BINDING: Binding = { kind: '', scope: '', server: '', cursor: '', title: '', columns: [], dataSheet: '', table: '' };

/** A base row as the binding sheet holds it: id | version | values as JSON, continued to the right. */
const baseRowCells = (id: string, row: BaseRow) => encodeBindingSheet(NO_BINDING, new Map([[id, row]]))[FIRST_SNAPSHOT_ROW]!;

/** A row to write on the binding sheet; no cells clear the row of an id that left the base. */
interface Placement {
  id: string;
  version: number;
  cells: (string | number)[] | null;
}

const idOf = (cell: unknown) => (typeof cell === 'string' ? cell : '');

/** The ids in column A below the binding, and the sheet's width, from its cells as read from A1. */
function storedIds(stored: readonly unknown[][]) {
  return { columns: Math.max(0, ...stored.map((row) => row.length)), ids: stored.slice(FIRST_SNAPSHOT_ROW).map(([cell]) => idOf(cell)) };
}

async function currentIds(context: Excel.RequestContext, sheet: Excel.Worksheet) {
  const used = sheet.getUsedRangeOrNullObject(true).load('isNullObject, rowIndex, rowCount, columnIndex, columnCount');
  await context.sync();
  const height = used.isNullObject ? 0 : used.rowIndex + used.rowCount;
  const block = { top: FIRST_SNAPSHOT_ROW, left: 0, rowCount: height - FIRST_SNAPSHOT_ROW, columnCount: 1 };
  const ids = block.rowCount > 0 ? (await readCells(context, sheet, block)).map(([cell]) => idOf(cell)) : [];
  return { columns: used.isNullObject ? 0 : used.columnIndex + used.columnCount, ids };
}

const heldVersion = (cell: unknown) => (typeof cell === 'number' ? cell : Number(cell));
/** Batches of writes at most: each one after the first only puts back rows a co-author's pane wrote at the same time. */
const ROUNDS = 4;

/**
 * Writes the binding and only the base rows this pane changed, each into the row its id already
 * has on the binding sheet (or a free one), so that what a co-author's pane wrote meanwhile into
 * other rows stays: the sheet is shared, and rewriting it whole made the last writer win. Each
 * write reads what its row held in the same batch; a write that met another id (a co-author took
 * the free row in between) or a newer version of the same id is undone by writing that row again
 * in the next batch, the displaced one into a free row. `changed` maps an id to its new base row,
 * or to null for a row that left the base.
 */
export async function saveBaseRows(
  context: Excel.RequestContext,
  binding: Binding,
  changed: ReadonlyMap<string, BaseRow | null>,
  { stored, sync = () => context.sync() }: { stored?: readonly unknown[][]; sync?: Sync } = {},
): Promise<void> {
  const sheet = context.workbook.worksheets.getItem(slotOf(binding).binding);
  let pending: Placement[] = [...changed].map(([id, row]) => ({ id, version: row?.version ?? -1, cells: row ? baseRowCells(id, row) : null }));
  const [marker, bindingCells] = encodeBindingSheet(binding, new Map());
  for (let round = 1; round === 1 || (pending.length > 0 && round <= ROUNDS); round++) {
    // The sheet as read along with the table, if so; else, and in later rounds, as it is now.
    const { columns, ids } = round === 1 && stored ? storedIds(stored) : await currentIds(context, sheet);
    const slots = new Map<string, number>();
    const free: number[] = [];
    ids.forEach((id, index) => {
      if (id === '') free.push(FIRST_SNAPSHOT_ROW + index);
      else if (!slots.has(id)) slots.set(id, FIRST_SNAPSHOT_ROW + index);
    });
    let end = FIRST_SNAPSHOT_ROW + ids.length;
    const writes = pending.flatMap((placement) => {
      const slot = slots.get(placement.id);
      if (slot === undefined && !placement.cells) return [];
      return [{ placement, row: slot ?? free.shift() ?? end++ }];
    });
    const width = Math.max(columns, bindingCells!.length, ...pending.map(({ cells }) => cells?.length ?? 0));
    const padded = (cells: readonly (string | number)[]) => [...cells, ...Array<string>(width - cells.length).fill('')];
    // Text throughout: a piece of JSON may well look like a number, a date or a formula.
    const textFormat = [['@']];

    const displaced: Placement[] = [];
    const runs = batches(writes, ({ placement }) => 2 * jsonBytes(placement.cells ?? []) + OPERATION_BYTES, MAX_BATCH_ROWS);
    for (const [index, run] of (runs.length > 0 ? runs : [[]]).entries()) {
      if (round === 1 && index === 0) {
        // The marker too, so that a binding sheet a co-author emptied is read as bound again.
        const head = sheet.getRangeByIndexes(0, 0, 2, width);
        head.numberFormat = textFormat;
        head.values = [padded(marker!), padded(bindingCells!)];
      }
      const held = run.map(({ placement, row }) => {
        // Loaded before the write is queued, so Excel answers with what the row held until now.
        const range = sheet.getRangeByIndexes(row, 0, 1, width).load('values');
        range.numberFormat = textFormat;
        range.values = [padded(placement.cells ?? [])];
        return range;
      });
      await sync();
      run.forEach(({ placement }, position) => {
        const cells = held[position]!.values[0] ?? [];
        const id = typeof cells[0] === 'string' ? cells[0] : '';
        if (id === '' || (id === placement.id && (!placement.cells || heldVersion(cells[1]) <= placement.version))) return;
        displaced.push({ id, version: heldVersion(cells[1]), cells: cells.map((cell) => (typeof cell === 'number' ? cell : String(cell ?? ''))) });
      });
    }
    pending = displaced;
  }
}
