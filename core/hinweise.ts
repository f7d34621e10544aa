import { valueAt } from './cells.ts';
import type { TableDiff } from './diff.ts';
import type { CellValue, Column, Snapshot, TableRow } from './types.ts';

/** How a row is named to users: its read-only cells, e.g. "10177 Meldebescheinigung". */
export function rowLabel(columns: readonly Column[], values: Record<string, CellValue> | undefined, id: string): string {
  const shown = columns
    .filter((column) => !column.editable)
    .slice(0, 2)
    .map((column) => (values ? valueAt(values, column.key) : null))
    .filter((value) => value !== null && value !== '');
  return shown.length > 0 ? shown.join(' ') : id;
}

export interface RowHintInput {
  columns: readonly Column[];
  snapshot: Snapshot;
  diff: Pick<TableDiff, 'rowsWithoutId' | 'unknownRows' | 'duplicateIds'>;
  rows: readonly TableRow[];
  /**
   * The sheet line of the table row at `index`, when the reader knows it (an uploaded file does;
   * the task pane reads the table without its empty rows and names such a row by its content).
   */
  line(index: number): number | undefined;
}

/** "Zeile 12", or, without a line, the row's first filled cells, so that the user can find it. */
function where(rows: readonly TableRow[], index: number, line: number | undefined): string {
  if (line !== undefined) return `Zeile ${line}`;
  const filled = Object.values(rows[index]!.values)
    .map((value) => String(value).trim())
    .filter((value) => value !== '')
    .slice(0, 2);
  return filled.length > 0 ? `Zeile „${filled.join(' ')}“` : 'Eine leere Zeile';
}

/**
 * What a table holds that is not sent by design, in the words both the xlsx import and the task
 * pane use: rows added by hand (no id), rows pasted from another table (an id the snapshot does
 * not know), and copied rows (an id on more than one row, none of which is sent).
 */
export function rowHints({ columns, snapshot, diff, rows, line }: RowHintInput): string[] {
  const label = (id: string) => `„${rowLabel(columns, snapshot.get(id)?.values, id)}“`;
  return [
    ...diff.rowsWithoutId.map(
      (index) =>
        `${where(rows, index, line(index))}: neue Zeile ohne ID, nicht übernommen. Zeilen legt nur der Katalog an; wenden Sie sich an die OZG-Koordinierungsstelle.`,
    ),
    ...diff.unknownRows.map(
      ({ index, id }) => `${where(rows, index, line(index))}: die ID „${id}“ gehört nicht zu dieser Tabelle; die Zeile wurde nicht übernommen.`,
    ),
    ...diff.duplicateIds.map((id) => {
      const indexes = rows.flatMap((row, index) => (row.id === id ? [index] : []));
      const lines = indexes.map(line);
      const at = lines.every((n) => n !== undefined) ? ` (Zeilen ${lines.join(', ')})` : ` (${indexes.length}-mal)`;
      return `Die Zeile ${label(id)} steht mehrfach in der Tabelle${at}; keine davon wurde übernommen.`;
    }),
  ];
}
