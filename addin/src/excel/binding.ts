import type { Snapshot } from '../sync/index.ts';
import { BINDING_SHEET, NOT_BOUND, decodeBindingSheet, encodeBindingSheet, type Binding } from '../sync/workbook.ts';
import { ITEM_NOT_FOUND, MAX_BATCH_ROWS, batches, hasErrorCode, jsonBytes, readCells } from './batch.ts';

/** Where a save is written before it replaces the binding sheet; never read. */
const NEXT_BINDING_SHEET = 'OZG-Sync (neu)';

/**
 * Stores the binding and the base snapshot on the very hidden binding sheet. A save takes several
 * syncs, and one cut short (a dropped connection in Excel on the web) must not leave half a
 * snapshot behind, which would turn every row it lacks into an unknown row: so the save is
 * written to a sheet of its own and only then takes the binding sheet's place, in one small batch.
 */
export async function saveBinding(context: Excel.RequestContext, binding: Binding, snapshot: Snapshot): Promise<void> {
  const rows = encodeBindingSheet(binding, snapshot);
  const { worksheets } = context.workbook;
  const previous = worksheets.getItemOrNullObject(BINDING_SHEET).load('isNullObject');
  const leftover = worksheets.getItemOrNullObject(NEXT_BINDING_SHEET).load('isNullObject');
  await context.sync();

  // Excel refuses to delete a very hidden sheet.
  if (!leftover.isNullObject) {
    leftover.visibility = 'Hidden';
    leftover.delete();
  }
  const next = worksheets.add(NEXT_BINDING_SHEET);
  next.visibility = 'VeryHidden';
  // Excel writes rectangles; padding every row alike keeps the byte count of each run exact.
  const width = Math.max(...rows.map((row) => row.length));
  const padded = rows.map((row) => [...row, ...Array<string>(width - row.length).fill('')]);
  const textFormat = [['@']];
  let written = 0;
  for (const run of batches(padded, jsonBytes, MAX_BATCH_ROWS, jsonBytes(textFormat))) {
    const range = next.getRangeByIndexes(written, 0, run.length, width);
    // Text throughout: a piece of JSON may well look like a number, a date or a formula.
    range.numberFormat = textFormat;
    range.values = run;
    await context.sync();
    written += run.length;
  }

  if (!previous.isNullObject) {
    previous.visibility = 'Hidden';
    previous.delete();
  }
  next.name = BINDING_SHEET;
  await context.sync();
}

/** How often a load starts again when another pane's save replaced the binding sheet under it. */
const LOAD_ATTEMPTS = 3;

/**
 * The binding and snapshot stored in the workbook; null when the workbook is not bound. A damaged
 * binding sheet, or one written by another version of the format, is an error with a German message.
 * Reading takes several syncs; a co-author's pane saving meanwhile swaps in a complete new sheet in
 * one batch, and the old one then answers ItemNotFound: the load starts over on the new one.
 */
export async function loadBinding(context: Excel.RequestContext): Promise<{ binding: Binding; snapshot: Snapshot } | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readBinding(context);
    } catch (error) {
      if (!hasErrorCode(error, ITEM_NOT_FOUND) || attempt >= LOAD_ATTEMPTS) throw error;
    }
  }
}

async function readBinding(context: Excel.RequestContext): Promise<{ binding: Binding; snapshot: Snapshot } | null> {
  const sheet = context.workbook.worksheets.getItemOrNullObject(BINDING_SHEET).load('isNullObject');
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
  if (decoded.ok) return { binding: decoded.binding, snapshot: decoded.snapshot };
  if (decoded.message === NOT_BOUND) return null;
  throw new Error(decoded.message);
}
