import { createExcelHost, loadBindings } from '../../addin/src/excel/index.ts';
import type { WorkbookHost } from '../../addin/src/app/host.ts';
import type { Binding } from '../../core/workbook.ts';
import { KONFLIKT_FILL } from '../../core/workbook.ts';
import { workbook } from '../addin/excel/fixtures.ts';
import { MemoryHost } from './memory-host.ts';

/** A row found by one of its cells, as a person finds it: the row whose OZG-ID is 10169. */
export interface RowMatch {
  key: string;
  value: unknown;
}

/**
 * A workbook as the controller's tests use it, whichever host it runs on: the host handed to the
 * controller, and what a person does and sees in the sheet (type into a cell, add a column of
 * her own, read a cell, count the cells marked as Konflikt).
 */
export interface TestWorkbook {
  host: WorkbookHost;
  rowCount(): number;
  edit(match: RowMatch, key: string, value: string | number | boolean): void;
  cell(match: RowMatch, key: string): unknown;
  ownColumn(match: RowMatch, header: string, value: string): void;
  binding(): Promise<Binding | undefined>;
  konfliktMarks(): number;
}

export function memoryWorkbook(): TestWorkbook {
  const host = new MemoryHost();
  return {
    host,
    rowCount: () => host.rows.length,
    edit: (match, key, value) => host.edit(match, key, value),
    cell: (match, key) => host.cell(match, key),
    ownColumn(match, header, value) {
      host.rows.find((row) => row.values[match.key] === match.value)!.values[header] = value;
    },
    binding: async () => host.saved?.binding,
    konfliktMarks: () => host.marks.konflikte.length,
  };
}

/**
 * The Excel layer on the Office stand-in. Columns are found by the labels the server gave them
 * (`labels`, key → label), as a person reads the header. The caller undoes the Office global
 * with vi.unstubAllGlobals().
 */
export function excelWorkbook(labels: ReadonlyMap<string, string>, apiVersion?: string): TestWorkbook {
  // Also stands in for the Office global (requirement sets) the Excel layer asks.
  const book = workbook(apiVersion);
  const host = createExcelHost((batch) => book.run(batch));
  const label = (key: string) => labels.get(key) ?? key;
  // The table on the sheet in front, where a person types: the pane shows the sheet it works on.
  const tableName = () => (book.tables.find((table) => table.sheet === book.active) ?? book.tables[0])?.name ?? 'OZG_Sync';
  const idOf = (match: RowMatch) => {
    const [header, ...body] = book.rows(tableName());
    const id = header!.indexOf('id');
    const at = header!.indexOf(label(match.key));
    const row = body.find((cells) => cells[at] === match.value);
    if (!row) throw new Error(`no row with ${match.key} = ${String(match.value)}`);
    return String(row[id]);
  };
  return {
    host,
    rowCount: () => book.rows(tableName()).length - 1,
    edit: (match, key, value) => book.type(idOf(match), label(key), value, tableName()),
    cell(match, key) {
      const cell = book.cellAt(idOf(match), label(key), tableName());
      return cell?.formula ?? cell?.value;
    },
    ownColumn(match, header, value) {
      book.addColumn(header, [], tableName());
      book.type(idOf(match), header, value, tableName());
    },
    binding: () => book.run(async (context) => (await loadBindings(context)).find(({ binding }) => binding.table === tableName())?.binding),
    konfliktMarks: () =>
      book.sheets.flatMap((sheet) => sheet.grid.flatMap((line) => line ?? [])).filter((cell) => cell?.format['fill.color'] === KONFLIKT_FILL).length,
  };
}
