/**
 * The sync protocol as the add-in sees it. The wire format is the server's (server/sync/): these
 * are type-only imports, erased from the bundle, so a change of the contract fails the add-in's
 * type check. Requests are typed narrower than the server accepts: the add-in only sends valid
 * cell values. Below them, the add-in's own local shapes.
 */
import type { PullResponse, PushResponse } from '../../../server/sync/contract.ts';
import type { CellError, Konflikt } from '../../../server/sync/merge.ts';
import type { CellValue } from '../../../server/sync/values.ts';

export type { Column, ColumnType } from '../../../server/sync/sheets.ts';
export type { CellValue } from '../../../server/sync/values.ts';
export type { CellError, Konflikt } from '../../../server/sync/merge.ts';
export type { PullResponse, PushResponse } from '../../../server/sync/contract.ts';

export type SheetRow = PullResponse['rows'][number];
export type PushResult = PushResponse['results'][number];
export type PushOutcome = PushResult['outcome'];

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
