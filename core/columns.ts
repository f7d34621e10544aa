/**
 * A sheet's columns as clients see them: the server describes them (server/sync/sheets.ts adds
 * how each is read and written in SQL), so the add-in and the xlsx files stay generic.
 */

export const COLUMN_TYPES = ['text', 'number', 'date', 'enum', 'enum[]', 'boolean', 'url'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface Column {
  key: string;
  label: string;
  type: ColumnType;
  editable: boolean;
  /** The vocabulary of enum and enum[] columns. */
  values?: string[];
  required?: boolean;
  /** In characters (code points), as the database's char_length counts. */
  maxLength?: number;
  /** Whole numbers within [min, max]. */
  range?: [number, number];
  /** A narrower range depending on another cell of the row, e.g. the Reifegrad on its Reifegradmodell. */
  rangeBy?: RangeBy;
}

export interface RangeBy {
  key: string;
  /** Range per value of that cell. */
  ranges: Record<string, [number, number]>;
  /** The value assumed while that cell is empty (the database's default). */
  fallback: string;
}

/** The dates a status may carry; the database's check constraints say the same (drift test in tests/server/db/). */
export const DATE_LIMITS = { min: '2017-01-01', max: '2099-12-31' } as const;
