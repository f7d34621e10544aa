import { toCell, type CellAddress, type CellUpdate, type PullResponse, type Snapshot, type SyncState, type TableRow, type TableUpdate, type ZellFehler, type ZellKonflikt } from '../../core/index.ts';
import type { ProgressReport } from '../../addin/src/review/progress.ts';
import type { Binding } from '../../core/workbook.ts';
import type { WorkbookHost } from '../../addin/src/app/host.ts';

/**
 * A workbook in memory that behaves like the Excel layer towards the task pane: the stand-in for
 * controller tests and for the browser test, where Office.js cannot run.
 */
export class MemoryHost implements WorkbookHost {
  rows: TableRow[] = [];
  saved: { binding: Binding; state: SyncState } | null = null;
  marks: { konflikte: ZellKonflikt[]; fehler: ZellFehler[] } = { konflikte: [], fehler: [] };
  selected: CellAddress | null = null;
  /** The last progress report written, as the sheet "Fortschritt" would hold it. */
  report: ProgressReport | null = null;
  /** What the Excel layer answers while the user has damaged the table (see renameTable, deleteIdColumn). */
  private damage: { message: string; idsLost: boolean } | null = null;
  /** When set, marking fails with it, as Excel refuses a note on a cell that holds a threaded comment. */
  markingFails: Error | null = null;
  /** When set, opening the workbook fails with it, as the Excel layer does on a damaged binding sheet. */
  loadFails: string | null = null;

  private intact() {
    if (this.damage) throw new Error(this.damage.message);
  }

  /** What a user does in Excel: rename the table, so that the binding no longer finds it (the Excel layer's message). */
  renameTable() {
    this.damage = { message: 'Die Tabelle „OZG_Sync“ fehlt in dieser Arbeitsmappe. Bitte rufen Sie die Tabelle neu ab.', idsLost: false };
  }

  /** What a user does in Excel: delete the hidden id column, so that no row can be matched any more. */
  deleteIdColumn() {
    this.damage = {
      message:
        'In der Tabelle fehlt die ausgeblendete Spalte „id“, über die OZG-Sync die Zeilen zuordnet. Bitte machen Sie das Löschen rückgängig oder rufen Sie die Tabelle neu ab.',
      idsLost: true,
    };
  }

  /** Closing and reopening the workbook: only what was saved into it is left. */
  reopen(): MemoryHost {
    const book = new MemoryHost();
    book.rows = this.rows.map((row) => ({ id: row.id, values: { ...row.values } }));
    book.saved = this.saved && structuredClone(this.saved);
    return book;
  }

  async load() {
    if (this.loadFails) throw new Error(this.loadFails);
    return this.saved;
  }

  async save(binding: Binding, state: SyncState) {
    this.saved = { binding, state };
  }

  async writeSheet(pull: PullResponse, binding: Omit<Binding, 'dataSheet' | 'table'>, state?: SyncState): Promise<Binding> {
    this.damage = null;
    this.rows = pull.rows.map((row) => ({
      id: row.id,
      values: Object.fromEntries(pull.columns.map((column) => [column.key, toCell(column, row.values[column.key] ?? null)])),
    }));
    const written = { ...binding, dataSheet: binding.title, table: 'OZG_Sync' };
    if (state) await this.save(written, state);
    return written;
  }

  async readTable() {
    this.intact();
    return { rows: this.rows.map((row) => ({ id: row.id, values: { ...row.values } })), base: this.saved?.state.base ?? new Map() };
  }

  async rescueTable() {
    return this.damage?.idsLost ? null : this.rows.map((row) => ({ id: row.id, values: { ...row.values } }));
  }

  async applyTableUpdate(_binding: Binding, update: TableUpdate) {
    this.intact();
    for (const cell of update.cells) {
      const row = this.rows.find((r) => r.id === cell.id);
      if (row) row.values[cell.key] = cell.value;
    }
    this.rows = this.rows.filter((row) => !update.remove.includes(row.id)).concat(update.append);
  }

  async settlePush(binding: Binding, decide: (table: TableRow[], base: Snapshot) => { state: SyncState; cells: CellUpdate[] }) {
    const { rows, base } = await this.readTable();
    const { state, cells } = decide(rows, base);
    await this.applyTableUpdate(binding, { cells, append: [], remove: [], deletedWithEdits: [] });
    await this.save(binding, state);
    return state;
  }

  async markCells(_binding: Binding, konflikte: ZellKonflikt[], fehler: ZellFehler[]) {
    this.intact();
    if (this.markingFails) throw this.markingFails;
    this.marks = { konflikte, fehler };
  }

  async selectCell(_binding: Binding, address: CellAddress) {
    this.intact();
    this.selected = address;
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
