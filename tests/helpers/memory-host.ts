import { toCell, type CellAddress, type CellUpdate, type PullResponse, type Snapshot, type SyncState, type TableRow, type TableUpdate, type ZellFehler, type ZellKonflikt } from '../../core/index.ts';
import type { ProgressReport } from '../../addin/src/review/progress.ts';
import type { Binding } from '../../core/workbook.ts';
import type { WorkbookHost } from '../../addin/src/app/host.ts';

/** One bound table in memory: its rows as the sheet shows them, and what is saved with it. */
interface MemoryTable {
  name: string;
  rows: TableRow[];
  saved: { binding: Binding; state: SyncState } | null;
  /** What the Excel layer answers while the user has damaged the table (see renameTable, deleteIdColumn). */
  damage: { message: string; idsLost: boolean } | null;
}

const copyRows = (rows: readonly TableRow[]) => rows.map((row) => ({ id: row.id, values: { ...row.values } }));

/**
 * A workbook in memory that behaves like the Excel layer towards the task pane: the stand-in for
 * controller tests and for the browser test, where Office.js cannot run. It holds any number of
 * bound tables, each named as the Excel layer names them; what a person does (`rows`, `edit`,
 * `renameTable`, …) happens on the sheet shown last (the one written or shown last), as in Excel.
 */
export class MemoryHost implements WorkbookHost {
  tables: MemoryTable[] = [];
  /** The table whose sheet is in front. */
  shown: string | null = null;
  marks: { konflikte: ZellKonflikt[]; fehler: ZellFehler[] } = { konflikte: [], fehler: [] };
  selected: CellAddress | null = null;
  /** The last progress report written, as the sheet "Fortschritt" would hold it. */
  report: ProgressReport | null = null;
  /** When set, marking fails with it, as Excel refuses a note on a cell that holds a threaded comment. */
  markingFails: Error | null = null;
  /** When set, opening the workbook fails with it, as the Excel layer does on a damaged binding sheet. */
  loadFails: string | null = null;

  private table(name: string): MemoryTable {
    const table = this.tables.find((t) => t.name === name);
    if (!table) throw new Error(`Die Tabelle „${name}“ fehlt in dieser Arbeitsmappe. Bitte rufen Sie die Tabelle neu ab.`);
    return table;
  }

  /** The sheet in front, where a person types. */
  private get front(): MemoryTable {
    const table = this.tables.find((t) => t.name === this.shown) ?? this.tables[0];
    if (!table) throw new Error('no table in this workbook');
    return table;
  }

  get rows(): TableRow[] {
    return this.tables.length ? this.front.rows : [];
  }

  set rows(rows: TableRow[]) {
    this.front.rows = rows;
  }

  /** What is saved with the table in front (the only one, in a workbook of one table). */
  get saved(): { binding: Binding; state: SyncState } | null {
    return this.tables.length ? this.front.saved : null;
  }

  private intact(binding: Binding) {
    const table = this.table(binding.table);
    if (table.damage) throw new Error(table.damage.message);
    return table;
  }

  /** What a user does in Excel: rename the table, so that the binding no longer finds it (the Excel layer's message). */
  renameTable() {
    this.front.damage = { message: `Die Tabelle „${this.front.name}“ fehlt in dieser Arbeitsmappe. Bitte rufen Sie die Tabelle neu ab.`, idsLost: false };
  }

  /** What a user does in Excel: delete the hidden id column, so that no row can be matched any more. */
  deleteIdColumn() {
    this.front.damage = {
      message:
        'In der Tabelle fehlt die ausgeblendete Spalte „id“, über die OZG-Sync die Zeilen zuordnet. Bitte machen Sie das Löschen rückgängig oder rufen Sie die Tabelle neu ab.',
      idsLost: true,
    };
  }

  /** What a user does in Excel: click the tab of the sheet with this title. */
  showTitle(title: string) {
    const table = this.tables.find((t) => t.saved?.binding.title === title);
    if (!table) throw new Error(`no sheet ${title}`);
    this.shown = table.name;
  }

  /** Closing and reopening the workbook: only what was saved into it is left. */
  reopen(): MemoryHost {
    const book = new MemoryHost();
    book.tables = this.tables.map((table) => ({ name: table.name, rows: copyRows(table.rows), saved: table.saved && structuredClone(table.saved), damage: null }));
    book.shown = this.shown;
    return book;
  }

  async load() {
    if (this.loadFails) throw new Error(this.loadFails);
    return this.tables.flatMap((table) => (table.saved ? [table.saved] : []));
  }

  async save(binding: Binding, state: SyncState) {
    this.table(binding.table).saved = { binding, state };
  }

  async writeSheet(pull: PullResponse, binding: Omit<Binding, 'dataSheet' | 'table'> & { table?: string }, state?: SyncState): Promise<Binding> {
    // Named as the Excel layer names its slots: OZG_Sync, then OZG_Sync_2, …
    const name = binding.table ?? (this.tables.length === 0 ? 'OZG_Sync' : `OZG_Sync_${this.tables.length + 1}`);
    let table = this.tables.find((t) => t.name === name);
    if (!table) {
      table = { name, rows: [], saved: null, damage: null };
      this.tables.push(table);
    }
    table.damage = null;
    table.rows = pull.rows.map((row) => ({
      id: row.id,
      values: Object.fromEntries(pull.columns.map((column) => [column.key, toCell(column, row.values[column.key] ?? null)])),
    }));
    this.shown = name;
    const written = { ...binding, dataSheet: binding.title, table: name };
    if (state) await this.save(written, state);
    return written;
  }

  async readTable(binding: Binding) {
    const table = this.intact(binding);
    return { rows: copyRows(table.rows), base: table.saved?.state.base ?? new Map() };
  }

  async rescueTable(binding: Binding) {
    const table = this.table(binding.table);
    return table.damage?.idsLost ? null : copyRows(table.rows);
  }

  async applyTableUpdate(binding: Binding, update: TableUpdate) {
    const table = this.intact(binding);
    for (const cell of update.cells) {
      const row = table.rows.find((r) => r.id === cell.id);
      if (row) row.values[cell.key] = cell.value;
    }
    table.rows = table.rows.filter((row) => !update.remove.includes(row.id)).concat(update.append);
  }

  async settlePush(binding: Binding, decide: (table: TableRow[], base: Snapshot) => { state: SyncState; cells: CellUpdate[] }) {
    const { rows, base } = await this.readTable(binding);
    const { state, cells } = decide(rows, base);
    await this.applyTableUpdate(binding, { cells, append: [], remove: [], deletedWithEdits: [] });
    await this.save(binding, state);
    return state;
  }

  async markCells(binding: Binding, konflikte: ZellKonflikt[], fehler: ZellFehler[]) {
    this.intact(binding);
    if (this.markingFails) throw this.markingFails;
    this.marks = { konflikte, fehler };
  }

  async selectCell(binding: Binding, address: CellAddress) {
    this.intact(binding);
    this.shown = binding.table;
    this.selected = address;
  }

  async showSheet(binding: Binding) {
    this.shown = this.table(binding.table).name;
  }

  async writeReport(report: ProgressReport) {
    this.report = report;
    return report.sheet;
  }

  /** What a user does in Excel: type into the cell of a row (found by a column's value, e.g. the OZG-ID). */
  edit(match: { key: string; value: unknown }, key: string, value: string | number | boolean) {
    const row = this.rows.find((r) => r.values[match.key] === match.value);
    if (!row) throw new Error(`no row with ${match.key} = ${String(match.value)}`);
    row.values[key] = value;
    return row.id;
  }

  cell(match: { key: string; value: unknown }, key: string) {
    return this.rows.find((r) => r.values[match.key] === match.value)?.values[key];
  }
}
