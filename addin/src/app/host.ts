import type {
  CellAddress,
  CellUpdate,
  PullResponse,
  Snapshot,
  SyncState,
  TableRow,
  TableUpdate,
  ZellFehler,
  ZellKonflikt,
} from '../../../core/index.ts';
import type { Binding } from '../../../core/workbook.ts';
import type { ProgressReport } from '../review/progress.ts';

/**
 * What the task pane needs from the workbook. The Office.js implementation lives in
 * addin/src/excel; tests and the browser stand-in hand in their own.
 */
export interface WorkbookHost {
  /** Every table bound in the workbook, in a fixed order (the Excel layer's slots); none when it is not bound. */
  load(): Promise<{ binding: Binding; state: SyncState }[]>;
  /** Saves one table's binding and state; the other tables' stay as they are. */
  save(binding: Binding, state: SyncState): Promise<void>;
  /**
   * Writes a full pull to a new table beside those the workbook has; the host decides where
   * (dataSheet, table). With a table name (a rebuild) it writes that table again in its place.
   * Given the state, the binding and the state are saved along with it, as `save` would, in the same round trips.
   */
  writeSheet(pull: PullResponse, binding: Omit<Binding, 'dataSheet' | 'table'> & { table?: string }, state?: SyncState): Promise<Binding>;
  /**
   * The table and the base snapshot stored with it, read together: a co-author's pane may have
   * changed both since this pane last looked, and `save` writes only what differs from this base.
   */
  readTable(binding: Binding): Promise<{ rows: TableRow[]; base: Snapshot }>;
  /**
   * The rows of a damaged table (renamed, or columns deleted) that can still be matched by id;
   * null when no table with the id column is left.
   */
  rescueTable(binding: Binding): Promise<TableRow[] | null>;
  applyTableUpdate(binding: Binding, update: TableUpdate): Promise<void>;
  /**
   * After the server answered a push: reads the table and the base together, lets `decide` merge
   * the answer into them, and carries out what it decided in the same host call: the cells into
   * their rows (each checked against its id in the batch that writes it), the changed base rows,
   * the binding, and the open Konflikte and rejected cells when they changed. Gives the state decided.
   */
  settlePush(binding: Binding, decide: (table: TableRow[], base: Snapshot) => { state: SyncState; cells: CellUpdate[] }): Promise<SyncState>;
  markCells(binding: Binding, konflikte: ZellKonflikt[], fehler: ZellFehler[]): Promise<void>;
  selectCell(binding: Binding, address: CellAddress): Promise<void>;
  /** Shows the worksheet holding the binding's table. */
  showSheet(binding: Binding): Promise<void>;
  /** Writes a progress report to a worksheet of its own, replacing the previous one; gives the sheet's name. */
  writeReport(report: ProgressReport): Promise<string>;
}
