/**
 * The sync protocol as clients see it: the wire types derive from the zod contract (contract.ts),
 * imported as types only, so the add-in's bundle does not carry the schemas. Requests are typed
 * narrower than the server accepts: a client only sends valid cell values. Below them, the local
 * shapes of a sheet as read from Excel or a file.
 */
import type { PullResponse, PushResponse } from './contract.ts';
import type { CellError, Konflikt } from './merge.ts';
import type { CellValue } from './values.ts';
import type { PushQuelle } from './vocabulary.ts';

export type { Column, ColumnType } from './columns.ts';
export type { CellValue } from './values.ts';
export type { CellError, Konflikt } from './merge.ts';
export type { PullResponse, PushResponse } from './contract.ts';

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

export type PushSource = PushQuelle;

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
