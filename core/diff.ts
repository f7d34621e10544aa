import { fromCell, sameCellValue, toCell, valueAt } from './cells.ts';
import type { CellUpdate, CellValue, Column, PushChange, Snapshot, TableRow, ZellFehler } from './types.ts';
import { checkRow } from './values.ts';

export interface TableDiff {
  /** One change per edited row, in table order. */
  changes: PushChange[];
  /** Edited cells whose content is no valid value, or rows a rule across cells refuses; not sent. */
  invalid: ZellFehler[];
  /** Edits of read-only cells; not sent, and these updates put the server's value back. */
  readOnlyEdits: CellUpdate[];
  /** Positions in the table of rows without an id. */
  rowsWithoutId: number[];
  /** Rows whose id the snapshot does not know (pasted from elsewhere, or already out of scope). */
  unknownRows: { index: number; id: string }[];
  /** Ids on more than one row; none of those rows is sent, since it is unclear which one is meant. */
  duplicateIds: string[];
}

/**
 * The edits of a table against the snapshot it was pulled as. Rows are matched by id, so the user
 * may sort and filter freely; a cell counts as edited when its value differs from the base.
 */
export function diffTable(columns: readonly Column[], base: Snapshot, table: readonly TableRow[]): TableDiff {
  const diff: TableDiff = { changes: [], invalid: [], readOnlyEdits: [], rowsWithoutId: [], unknownRows: [], duplicateIds: [] };
  const seen = new Map<string, number>();
  table.forEach((row, index) => {
    if (row.id.trim() === '') diff.rowsWithoutId.push(index);
    else if (!base.has(row.id)) diff.unknownRows.push({ index, id: row.id });
    else seen.set(row.id, (seen.get(row.id) ?? 0) + 1);
  });
  diff.duplicateIds = [...seen].filter(([, count]) => count > 1).map(([id]) => id);

  for (const row of table) {
    if (seen.get(row.id) !== 1) continue;
    const { version, values: baseValues } = base.get(row.id)!;
    const set: [string, CellValue][] = [];
    for (const column of columns) {
      if (!Object.hasOwn(row.values, column.key)) continue;
      const before = valueAt(baseValues, column.key);
      const parsed = fromCell(column, row.values[column.key]!);
      if (parsed.ok && sameCellValue(parsed.value, before)) continue;
      if (!column.editable) diff.readOnlyEdits.push({ id: row.id, key: column.key, value: toCell(column, before) });
      else if (!parsed.ok) diff.invalid.push({ id: row.id, key: column.key, message: parsed.message });
      else set.push([column.key, parsed.value]);
    }
    if (set.length === 0) continue;
    // The server would refuse the whole row, so none of it is sent; its other edits are listed
    // too, so that the pane marks them and an import's result file keeps them to be sent again.
    const rowErrors = checkRow(columns, { ...baseValues, ...Object.fromEntries(set) });
    if (rowErrors.length) {
      const labels = rowErrors.map(({ key }) => `„${columns.find((c) => c.key === key)?.label ?? key}“`).join(', ');
      diff.invalid.push(
        ...rowErrors.map((error) => ({ id: row.id, ...error })),
        ...set
          .filter(([key]) => !rowErrors.some((error) => error.key === key))
          .map(([key]) => ({ id: row.id, key, message: `Nicht gesendet wegen eines Fehlers in ${labels} derselben Zeile.` })),
      );
      continue;
    }
    diff.changes.push({
      id: row.id,
      baseVersion: version,
      base: Object.fromEntries(set.map(([key]) => [key, valueAt(baseValues, key)])),
      set: Object.fromEntries(set),
    });
  }
  return diff;
}
