import type { TableRow } from '../../../core/index.ts';
import { tableLayout, tableRowOf, type Binding } from '../../../core/workbook.ts';
import { readCells } from './batch.ts';

/**
 * The rows of a bound table the user has damaged, as far as they can still be matched to the
 * server's: the table under its own name or, renamed, a table on the data sheet (or else anywhere)
 * whose header still has the id column, but never another bound table's (by the names of the
 * slots, case ignored as Excel ignores it). Null when no such table is left: then no edit can be
 * matched to its row any more. Two syncs, then one per run of rows.
 */
export async function rescueTable(context: Excel.RequestContext, binding: Binding): Promise<TableRow[] | null> {
  const tables = context.workbook.tables.load('items/name');
  await context.sync();
  const candidates = tables.items.map((table) => ({
    table,
    sheet: table.worksheet.load('name'),
    header: table.getHeaderRowRange().load('values, rowIndex, columnIndex, columnCount'),
    body: table.getDataBodyRange().load('rowCount'),
  }));
  await context.sync();
  const rank = ({ table, sheet }: (typeof candidates)[number]) =>
    table.name.toLowerCase() === binding.table.toLowerCase() ? 0 : sheet.name === binding.dataSheet ? 1 : 2;
  const own = binding.table.toLowerCase();
  const otherSlot = (name: string) => name.toLowerCase() !== own && /^ozg_sync(_[1-9]\d*)?$/i.test(name);
  const usable = candidates
    .filter((candidate) => !otherSlot(candidate.table.name))
    .map((candidate) => ({ ...candidate, found: tableLayout(binding.columns, candidate.header.values[0] ?? []) }))
    .filter((candidate) => candidate.found.ok)
    .sort((a, b) => rank(a) - rank(b));
  const best = usable[0];
  if (!best || !best.found.ok) return null;
  const { layout } = best.found;
  const cells = await readCells(context, best.table.worksheet, {
    top: best.header.rowIndex + 1,
    left: best.header.columnIndex,
    rowCount: best.body.rowCount,
    columnCount: best.header.columnCount,
  });
  return cells.flatMap((row) => tableRowOf(layout, row) ?? []);
}
