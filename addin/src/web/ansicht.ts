import { cellText, valueAt, type Column, type PullResponse, type SheetRow } from '../../../core/index.ts';
import { gefaltet } from '../ui/format.ts';

export type Richtung = 'ascending' | 'descending';

const TEXT = new Intl.Collator('de-DE', { numeric: true, sensitivity: 'base' });

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

/** How two non-empty values of a column compare: numbers and dates by their worth, a Werteliste in its own order, the rest as German text. */
function compareValues(column: Column, a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  // Status „offen“ before „in Planung“ before „online“, as the vocabulary orders them; a value outside it after them.
  if (column.type === 'enum' && column.values) {
    const rank = (value: unknown) => {
      const index = column.values!.indexOf(String(value));
      return index < 0 ? column.values!.length : index;
    };
    return rank(a) - rank(b) || TEXT.compare(String(a), String(b));
  }
  // Dates arrive as YYYY-MM-DD, whose text order is their order in time.
  if (column.type === 'date') return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  return TEXT.compare(cellText(column, a), cellText(column, b));
}

/**
 * The order of rows by one column, for a sort that multiplies it by 1 ascending and -1 descending (Fluent's
 * DataGrid does): empty cells last either way, as Excel sorts them.
 */
export function vergleich(column: Column, richtung: Richtung): (a: SheetRow, b: SheetRow) => number {
  const mod = richtung === 'ascending' ? 1 : -1;
  return (a, b) => {
    const x = valueAt(a.values, column.key);
    const y = valueAt(b.values, column.key);
    if (isEmpty(x) || isEmpty(y)) return isEmpty(x) === isEmpty(y) ? 0 : isEmpty(x) ? mod : -mod;
    return compareValues(column, x, y);
  };
}

/** All rows in the order of one column; stable, so rows equal in it keep the server's order. */
export function sortiert(rows: readonly SheetRow[], column: Column | undefined, richtung: Richtung): SheetRow[] {
  if (!column) return [...rows];
  const compare = vergleich(column, richtung);
  const mod = richtung === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => compare(a, b) * mod);
}

/**
 * The rows with the filter text in a cell as it is shown (in one column, or in any), case and umlauts ignored,
 * so that „koeln“ finds Köln and „01.07.2026“ a date.
 */
export function gefiltert(rows: readonly SheetRow[], columns: readonly Column[], filter: string, spalte?: string): SheetRow[] {
  const needle = gefaltet(filter.trim());
  if (!needle) return [...rows];
  const searched = spalte ? columns.filter((column) => column.key === spalte) : columns;
  return rows.filter((row) => searched.some((column) => gefaltet(cellText(column, valueAt(row.values, column.key))).includes(needle)));
}

/**
 * A delta pull worked into the rows as they stand: newer versions replace their row in place, rows new in the
 * scope come at the end, rows that left it go. Returns which rows are new or changed, and how many rows that is
 * counting the ones that went.
 */
export function einarbeiten(rows: readonly SheetRow[], pull: Pick<PullResponse, 'rows' | 'deleted'>): { rows: SheetRow[]; geaendert: string[]; anzahl: number } {
  const incoming = new Map(pull.rows.map((row) => [row.id, row]));
  const deleted = new Set(pull.deleted);
  const geaendert: string[] = [];
  let weg = 0;
  const next: SheetRow[] = [];
  for (const row of rows) {
    if (deleted.has(row.id)) {
      weg += 1;
      continue;
    }
    const newer = incoming.get(row.id);
    incoming.delete(row.id);
    if (newer && newer.version > row.version) {
      geaendert.push(row.id);
      next.push(newer);
    } else next.push(row);
  }
  for (const row of incoming.values()) {
    geaendert.push(row.id);
    next.push(row);
  }
  return { rows: next, geaendert, anzahl: geaendert.length + weg };
}
