import { checkRow, checkValue, normalize, sameValue, type CellValue, type CheckableColumn, type RowColumn } from './values.ts';

/** A cell where the server's value differs from both what the client last saw and what it sends. */
export interface Konflikt {
  key: string;
  base: unknown;
  mine: CellValue;
  theirs: CellValue;
}

export interface CellError {
  key: string;
  message: string;
}

export interface ChangeRequest {
  id: string;
  baseVersion: number;
  base: Record<string, unknown>;
  set: Record<string, unknown>;
}

export interface StoredRow {
  id: string;
  version: number;
  /** The row's scope now; null when it is in no scope of this sheet (e.g. no kommunaler Vollzug any more). */
  scope: string | null;
  values: Record<string, CellValue>;
}

export type MergeDecision =
  | { outcome: 'rejected'; errors: CellError[] }
  | { outcome: 'unchanged' }
  | { outcome: 'applied' | 'conflict'; write: Record<string, CellValue>; konflikte: Konflikt[] };

export interface MergeSheet {
  columns: (CheckableColumn & RowColumn & { editable: boolean })[];
  scopeLabel: string;
}

/**
 * Decides one row of a push, cell by cell: a cell the client changed is written when the server
 * still holds what the client last saw (base); when the server holds something else it is a
 * Konflikt unless the client sends that same value. Cells the client does not send are never
 * touched, so changes by others to other cells of the row are kept (a merge, not a conflict).
 */
export function mergeChange(sheet: MergeSheet, scope: string, row: StoredRow | undefined, change: ChangeRequest): MergeDecision {
  if (!row) {
    return { outcome: 'rejected', errors: [{ key: 'id', message: 'Diese Zeile gibt es nicht (mehr). Rufen Sie die Tabelle neu ab.' }] };
  }
  if (row.scope !== scope) {
    return {
      outcome: 'rejected',
      errors: [{ key: 'id', message: `Diese Zeile gehört nicht zum Bereich ${scope} (${sheet.scopeLabel}).` }],
    };
  }

  const errors: CellError[] = [];
  const mine: Record<string, CellValue> = {};
  for (const [key, raw] of Object.entries(change.set)) {
    const column = sheet.columns.find((c) => c.key === key);
    if (!column) {
      errors.push({ key, message: `Die Spalte „${key}“ gibt es in dieser Tabelle nicht.` });
    } else if (!column.editable) {
      errors.push({ key, message: `Die Spalte „${column.label}“ ist schreibgeschützt.` });
    } else {
      const checked = checkValue(column, raw);
      if (checked.ok) mine[key] = checked.value;
      else errors.push({ key, message: checked.message });
    }
  }
  if (errors.length) return { outcome: 'rejected', errors };

  const write: Record<string, CellValue> = {};
  const konflikte: Konflikt[] = [];
  for (const [key, value] of Object.entries(mine)) {
    const column = sheet.columns.find((c) => c.key === key)!;
    const theirs = row.values[key] ?? null;
    if (sameValue(theirs, value)) continue;
    const knowsBase = Object.hasOwn(change.base, key);
    const serverUnchanged = knowsBase ? sameValue(normalize(column, change.base[key]), theirs) : row.version === change.baseVersion;
    if (serverUnchanged) write[key] = value;
    else konflikte.push({ key, base: knowsBase ? change.base[key] : null, mine: value, theirs });
  }

  const rowErrors = checkRow(sheet.columns, { ...row.values, ...write });
  if (rowErrors.length) return { outcome: 'rejected', errors: rowErrors };
  if (konflikte.length) return { outcome: 'conflict', write, konflikte };
  if (Object.keys(write).length) return { outcome: 'applied', write, konflikte };
  return { outcome: 'unchanged' };
}
