import type { ZellFehler, ZellKonflikt } from '../../../core/index.ts';
import { OPEN_ITEMS_SHEET } from '../../../core/workbook.ts';
import { MAX_BATCH_CELLS, OPERATION_BYTES, batches, jsonBytes, readCells } from './batch.ts';

/**
 * The open Konflikte and rejected cells, kept with the binding so that closing the workbook does
 * not lose them: one row per cell on a very hidden sheet of their own (one per bound table, see slotSheets), column A the cell ("konflikt"
 * or "fehler", id, key), column B the item as JSON, both as text. A save rewrites only the rows that
 * changed and blanks the ones that went, so that a co-author's save of other cells is not undone
 * by a whole-sheet rewrite, and a save cut short leaves every other row as it was.
 */
export { OPEN_ITEMS_SHEET };

export interface OpenItems {
  konflikte: ZellKonflikt[];
  fehler: ZellFehler[];
}

type Item = { art: 'konflikt'; item: ZellKonflikt } | { art: 'fehler'; item: ZellFehler };

const cellOf = (art: string, { id, key }: { id: string; key: string }) => JSON.stringify([art, id, key]);

function itemsOf({ konflikte, fehler }: OpenItems): Map<string, string> {
  const items: Item[] = [...konflikte.map((item) => ({ art: 'konflikt' as const, item })), ...fehler.map((item) => ({ art: 'fehler' as const, item }))];
  return new Map(items.map(({ art, item }) => [cellOf(art, item), JSON.stringify({ art, item })]));
}

async function storedRows(context: Excel.RequestContext, sheet: Excel.Worksheet): Promise<string[][]> {
  const used = sheet.getUsedRangeOrNullObject(true).load('isNullObject, rowIndex, rowCount');
  await context.sync();
  if (used.isNullObject) return [];
  const cells = await readCells(context, sheet, { top: 0, left: 0, rowCount: used.rowIndex + used.rowCount, columnCount: 2 });
  return cells.map((row) => row.map((cell) => String(cell ?? '')));
}

export async function saveOpenItems(context: Excel.RequestContext, open: OpenItems, sheetName: string = OPEN_ITEMS_SHEET): Promise<void> {
  const wanted = itemsOf(open);
  const found = context.workbook.worksheets.getItemOrNullObject(sheetName).load('isNullObject');
  await context.sync();
  if (found.isNullObject && wanted.size === 0) return;
  let sheet = found;
  if (found.isNullObject) {
    sheet = context.workbook.worksheets.add(sheetName);
    sheet.visibility = 'VeryHidden';
  }
  const stored = found.isNullObject ? [] : await storedRows(context, sheet);

  const writes: { row: number; cells: [string, string] }[] = [];
  const free: number[] = [];
  stored.forEach(([cell = '', json = ''], row) => {
    const want = wanted.get(cell);
    if (want === undefined) {
      if (cell !== '' || json !== '') writes.push({ row, cells: ['', ''] });
      free.push(row);
    } else {
      if (want !== json) writes.push({ row, cells: [cell, want] });
      wanted.delete(cell);
    }
  });
  let next = stored.length;
  for (const [cell, json] of wanted) writes.push({ row: free.shift() ?? next++, cells: [cell, json] });

  // Text throughout: a piece of JSON may well look like a number, a date or a formula.
  for (const run of batches(writes, (write) => jsonBytes(write.cells) + OPERATION_BYTES, MAX_BATCH_CELLS)) {
    for (const { row, cells } of run) {
      const range = sheet.getRangeByIndexes(row, 0, 1, 2);
      range.numberFormat = [['@', '@']];
      range.values = [cells];
    }
    await context.sync();
  }
}

/** What was open when the workbook was last saved; rows another version wrote or a user broke are skipped. */
export async function loadOpenItems(context: Excel.RequestContext, sheetName: string = OPEN_ITEMS_SHEET): Promise<OpenItems> {
  const open: OpenItems = { konflikte: [], fehler: [] };
  const sheet = context.workbook.worksheets.getItemOrNullObject(sheetName).load('isNullObject');
  await context.sync();
  if (sheet.isNullObject) return open;
  for (const [, json] of await storedRows(context, sheet)) {
    if (!json) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      continue;
    }
    const { art, item } = (parsed ?? {}) as Partial<Item>;
    if (!item || typeof item.id !== 'string' || typeof item.key !== 'string') continue;
    if (art === 'konflikt') open.konflikte.push(item);
    else if (art === 'fehler' && typeof (item as ZellFehler).message === 'string') open.fehler.push(item as ZellFehler);
  }
  return open;
}
