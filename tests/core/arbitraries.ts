import fc from 'fast-check';
import {
  fromCell,
  toCell,
  type CellUpdate,
  type CellValue,
  type Column,
  type ColumnType,
  type ExcelValue,
  type TableRow,
  type TableUpdate,
} from '../../core/index.ts';

export const COLUMN_TYPES: ColumnType[] = ['text', 'number', 'date', 'enum', 'enum[]', 'boolean', 'url'];

import { forbiddenCharacter } from '../../core/rules.ts';
import { webAddress } from '../helpers/urls.ts';

/** Text the server stores as it is: none of the characters it refuses, line breaks only as \n. */
const storable = (s: string) => forbiddenCharacter(s) === undefined;

export const text = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 16 })
  .filter((s) => s.trim() !== '' && storable(s));
const formulaLike = fc.tuple(fc.constantFrom('=', '+', '-', '@'), fc.string({ maxLength: 10 })).map(([lead, rest]) => lead + rest).filter(storable);
const url = webAddress;
const isoDay = (min: string, max: string) =>
  fc.date({ min: new Date(`${min}T00:00:00Z`), max: new Date(`${max}T00:00:00Z`), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

const vocabularyEntry = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .map((s) => s.trim())
  .filter((s) => s !== '' && !s.includes(';') && storable(s));
export const vocabulary = fc.uniqueArray(vocabularyEntry, { minLength: 1, maxLength: 6 });

export const column = (type: ColumnType, editable = true, values?: string[]): Column => ({
  key: type.replace('[]', '_liste'),
  label: type,
  type,
  editable,
  ...(values ? { values } : {}),
});

const columnArb = fc
  .record({ key: fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/), type: fc.constantFrom(...COLUMN_TYPES), editable: fc.boolean(), vocabulary })
  .map(({ key, type, editable, vocabulary: values }): Column => ({
    key,
    label: `Spalte ${key}`,
    type,
    editable,
    ...(type === 'enum' || type === 'enum[]' ? { values } : {}),
  }));

export const columnsArb = fc.uniqueArray(columnArb, { selector: (c) => c.key, minLength: 1, maxLength: 6 });

/**
 * A value the server could store in `column`. `wide` leaves the server's limits (years 2017–2099,
 * whole numbers, no control characters) to test the conversion on everything it must carry.
 */
export function valueArb(column: Column, { wide = false } = {}): fc.Arbitrary<CellValue> {
  const vocabularyOf = () => fc.constantFrom(...column.values!);
  switch (column.type) {
    case 'text':
      return fc.option(wide ? fc.oneof(fc.string({ unit: 'binary', minLength: 1 }).filter((s) => s.trim() !== '' && storable(s)), formulaLike) : fc.oneof(text, formulaLike));
    case 'url':
      return fc.option(url);
    case 'number':
      return fc.option(wide ? fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })) : fc.integer({ min: -5, max: 100_000 }));
    case 'date':
      return fc.option(wide ? isoDay('0000-01-01', '9999-12-31') : isoDay('2017-01-01', '2099-12-31'));
    case 'boolean':
      return fc.option(fc.boolean());
    case 'enum':
      return fc.option(vocabularyOf());
    case 'enum[]':
      return fc.uniqueArray(vocabularyOf(), { maxLength: 4 });
  }
}

/** What a user may type into a cell that is no value of the column. */
function invalidCellArb(column: Column): fc.Arbitrary<ExcelValue> | undefined {
  const typed: Partial<Record<ColumnType, fc.Arbitrary<ExcelValue>>> = {
    number: fc.constantFrom('viele', '12 Stück', true),
    date: fc.constantFrom('31.02.2024', 'morgen', 12),
    boolean: fc.constantFrom('vielleicht', 7),
    url: fc.constantFrom('kein Link', 'www.example'),
    enum: fc.constantFrom('fertig?', 'Ⅹ'),
    'enum[]': fc.constantFrom('fertig?; ', 'Ⅹ'),
  };
  return typed[column.type]?.filter((cell) => !fromCell(column, cell).ok);
}

/** Per column key, maybe an edit: the cell as the user left it (mostly valid, sometimes not). */
export function editsArb(columns: Column[]): fc.Arbitrary<Record<string, { cell: ExcelValue } | undefined>> {
  return fc.record(
    Object.fromEntries(
      columns.map((c) => {
        const invalid = invalidCellArb(c);
        const valid = valueArb(c).map((value) => toCell(c, value));
        const cell = invalid ? fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: invalid, weight: 1 }) : valid;
        return [c.key, fc.option(cell.map((value) => ({ cell: value })), { nil: undefined, freq: 2 })];
      }),
    ),
  );
}

export function rowValuesArb(columns: Column[]): fc.Arbitrary<Record<string, CellValue>> {
  return fc.record(Object.fromEntries(columns.map((c) => [c.key, valueArb(c)])));
}

export interface Row {
  id: string;
  version: number;
  values: Record<string, CellValue>;
}

export const rowsArb = (columns: Column[], maxLength = 8) =>
  fc.uniqueArray(fc.record({ id: fc.uuid(), version: fc.nat(50), values: rowValuesArb(columns) }), {
    selector: (r) => r.id,
    maxLength,
  });

export const permutationArb = (length: number) =>
  fc.shuffledSubarray(
    Array.from({ length }, (_, i) => i),
    { minLength: length, maxLength: length },
  );

export function tableOf(columns: Column[], rows: Row[], edits: Record<string, { cell: ExcelValue } | undefined>[] = [], order?: number[]): TableRow[] {
  return (order ?? rows.map((_, i) => i)).map((i) => {
    const row = rows[i]!;
    const values = Object.fromEntries(columns.map((c) => [c.key, edits[i]?.[c.key]?.cell ?? toCell(c, row.values[c.key] ?? null)]));
    return { id: row.id, values };
  });
}

export function applyCells(table: TableRow[], cells: CellUpdate[]): TableRow[] {
  return table.map((row) => {
    const mine = cells.filter((cell) => cell.id === row.id);
    return mine.length ? { ...row, values: { ...row.values, ...Object.fromEntries(mine.map((c) => [c.key, c.value])) } } : row;
  });
}

export function applyUpdate(table: TableRow[], update: TableUpdate): TableRow[] {
  return applyCells(table, update.cells)
    .filter((row) => !update.remove.includes(row.id))
    .concat(update.append);
}

/** The API value a cell holds, or the cell itself when it holds none. */
export function valueOfCell(column: Column, cell: ExcelValue): CellValue {
  const parsed = fromCell(column, cell);
  return parsed.ok ? parsed.value : cell;
}
