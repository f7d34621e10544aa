/**
 * The sync protocol as the add-in sees it (server/sync/contract.ts is the authority; the add-in
 * bundle must not import zod and the server's schemas), plus the add-in's own local shapes.
 */

export type ColumnType = 'text' | 'number' | 'date' | 'enum' | 'enum[]' | 'boolean' | 'url';

export interface Column {
  key: string;
  label: string;
  type: ColumnType;
  editable: boolean;
  /** The vocabulary of enum and enum[] columns. */
  values?: string[];
}

/** Dates as YYYY-MM-DD, an empty cell as null, enum[] as a list. */
export type CellValue = string | number | boolean | string[] | null;

export interface SheetRow {
  id: string;
  version: number;
  values: Record<string, CellValue>;
}

export interface PullResponse {
  kind: string;
  scope: string;
  columns: Column[];
  rows: SheetRow[];
  /** Rows that left the scope since the cursor of the request. */
  deleted: string[];
  cursor: string;
}

export interface PushChange {
  id: string;
  baseVersion: number;
  /** What the client last saw, for exactly the keys in `set`. */
  base: Record<string, CellValue>;
  set: Record<string, CellValue>;
}

export type PushSource = 'addin' | 'xlsx' | 'api';

export interface PushRequest {
  scope: string;
  idempotencyKey: string;
  source: PushSource;
  changes: PushChange[];
}

export type PushOutcome = 'applied' | 'unchanged' | 'conflict' | 'rejected';

/** A cell the server did not write because someone else changed it since `base`. */
export interface Konflikt {
  key: string;
  /** Echoed from the request, hence not typed by the server. */
  base: unknown;
  mine: CellValue;
  theirs: CellValue;
}

export interface CellError {
  key: string;
  message: string;
}

export interface PushResult {
  id: string;
  outcome: PushOutcome;
  /** The row as stored after the push; null when the row does not exist. */
  version: number | null;
  values: Record<string, CellValue> | null;
  conflicts?: Konflikt[];
  errors?: CellError[];
}

export interface PushResponse {
  results: PushResult[];
  cursor: string;
}

/** What Office.js reads from and writes to a cell; an empty cell reads as ''. */
export type ExcelValue = string | number | boolean;

/**
 * A row of the sheet as read. `id` is '' when the row has none. A column key missing from
 * `values` means the column is not on the sheet (the user deleted it), which is not an edit.
 */
export interface TableRow {
  id: string;
  values: Record<string, ExcelValue>;
}

/** The state of a row as last seen on the server: edits are what the table holds beyond it. */
export interface BaseRow {
  version: number;
  values: Record<string, CellValue>;
}

export type Snapshot = ReadonlyMap<string, BaseRow>;

export interface CellAddress {
  id: string;
  key: string;
}

/** A Konflikt pinned to its cell, with the base the client holds for it. */
export interface ZellKonflikt extends CellAddress, Konflikt {
  base: CellValue;
}

export interface ZellFehler extends CellAddress, CellError {}

/** A cell the Excel layer should overwrite. */
export interface CellUpdate extends CellAddress {
  value: ExcelValue;
}
