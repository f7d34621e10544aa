import type { CellValue, Column, ExcelValue } from './types.ts';
import { checkValue } from './values.ts';

export type ParsedCell = { ok: true; value: CellValue } | { ok: false; message: string };

/** How enum[] values share one cell. */
export const LIST_SEPARATOR = '; ';

const DAY_MS = 86_400_000;
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
// Excel counts a 29 February 1900 that never was, so its serials only match the calendar from 1 March 1900 on.
const FIRST_SERIAL = 61;
// 9999-12-31, the last day Excel can show.
const LAST_SERIAL = 2_958_465;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const GERMAN_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const DECIMAL = /^[+-]?\d+(?:[.,]\d+)?$/;
const BOOLEAN_WORDS: Record<string, boolean> = { ja: true, nein: false, wahr: true, falsch: false, true: true, false: false };

const ok = (value: CellValue): ParsedCell => ({ ok: true, value });
const fail = (message: string): ParsedCell => ({ ok: false, message });

/** As German Excel shows the cell, so that messages quote what the user sees. */
function shown(cell: ExcelValue): string {
  if (typeof cell === 'boolean') return cell ? 'WAHR' : 'FALSCH';
  return String(cell).trim();
}

function quote(text: string): string {
  return `„${text.length > 60 ? `${text.slice(0, 57)}…` : text}“`;
}

const fold = (text: string) => text.toLocaleLowerCase('de');

function calendarDate(year: number, month: number, day: number): Date | undefined {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years below 100 as 19xx.
  date.setUTCFullYear(year, month - 1, day);
  const valid = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return valid ? date : undefined;
}

function isoDate(date: Date): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

/** The Excel serial of a YYYY-MM-DD date, when Excel can show it as a date. */
function excelSerial(value: string): number | undefined {
  const match = ISO_DATE.exec(value);
  const date = match && calendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
  if (!date) return undefined;
  const serial = (date.getTime() - EXCEL_EPOCH_MS) / DAY_MS;
  return serial >= FIRST_SERIAL && serial <= LAST_SERIAL ? serial : undefined;
}

/**
 * What to write into the cell of `column` for an API value. Dates become Excel serials, so that
 * Excel sorts and filters them as dates; text is never altered (see numberFormat).
 */
export function toCell(column: Column, value: CellValue): ExcelValue {
  if (value === null) return '';
  if (Array.isArray(value)) return value.join(LIST_SEPARATOR);
  if (column.type === 'boolean' && typeof value === 'boolean') return value ? 'ja' : 'nein';
  if (column.type === 'date' && typeof value === 'string') return excelSerial(value) ?? value;
  return value;
}

/**
 * The number format the Excel layer must give a column's cells before writing values into them.
 * Text format ('@') is what keeps "=SUMME(A1)", "+49 211 …", "-" or "@Kempen" from becoming a
 * formula and "00123" or "2.0" from becoming a number; toCell hands such text over unchanged.
 */
export function numberFormat(column: Column): string {
  if (column.type === 'date') return 'dd.mm.yyyy';
  if (column.type === 'number') return 'General';
  return '@';
}

function parseNumber(cell: ExcelValue): ParsedCell {
  if (typeof cell === 'number') return Number.isFinite(cell) ? ok(cell) : fail(`${quote(shown(cell))} ist keine Zahl.`);
  const text = shown(cell);
  return typeof cell === 'string' && DECIMAL.test(text) ? ok(Number(text.replace(',', '.'))) : fail(`${quote(text)} ist keine Zahl.`);
}

function parseDate(cell: ExcelValue): ParsedCell {
  const invalid = fail(`${quote(shown(cell))} ist kein gültiges Datum.`);
  if (typeof cell === 'number') {
    // A fraction is a time of day, which these columns do not keep.
    const serial = Math.floor(cell);
    if (!(serial >= FIRST_SERIAL && serial <= LAST_SERIAL)) return invalid;
    return ok(new Date(EXCEL_EPOCH_MS + serial * DAY_MS).toISOString().slice(0, 10));
  }
  if (typeof cell !== 'string') return invalid;
  const text = cell.trim();
  const iso = ISO_DATE.exec(text);
  const german = GERMAN_DATE.exec(text);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]] : german ? [german[3], german[2], german[1]] : [];
  const date = year && calendarDate(Number(year), Number(month), Number(day));
  return date ? ok(isoDate(date)) : invalid;
}

function parseBoolean(cell: ExcelValue): ParsedCell {
  if (typeof cell === 'boolean') return ok(cell);
  const text = shown(cell);
  const word = Object.hasOwn(BOOLEAN_WORDS, fold(text)) ? BOOLEAN_WORDS[fold(text)] : undefined;
  return word === undefined ? fail(`${quote(text)} ist weder ja noch nein.`) : ok(word);
}

const notAllowed = (text: string, vocabulary: string[]) =>
  fail(`${quote(text)} ist kein erlaubter Wert. Erlaubt: ${vocabulary.join(', ')}.`);

/**
 * The vocabulary entry a cell stands for: exact first, then ignoring case; a number matches the
 * entry it equals, because Excel turns a typed "2.0" into 2 unless the cell is text.
 */
function vocabularyEntry(vocabulary: string[], cell: ExcelValue): string | undefined {
  if (typeof cell === 'number') {
    const numeric = vocabulary.find((entry) => entry.trim() !== '' && Number(entry) === cell);
    if (numeric !== undefined) return numeric;
  }
  const text = shown(cell);
  return vocabulary.find((entry) => entry.trim() === text) ?? vocabulary.find((entry) => fold(entry.trim()) === fold(text));
}

/**
 * The longest vocabulary entry `text` starts with that is followed by a separator or the end, so
 * that entries which contain ';' or start like another entry ("DMR-Projekt", "DMR-Projekte in OWL")
 * still split right.
 */
function leadingEntry(vocabulary: string[], text: string): string | undefined {
  let best: { entry: string; length: number; exact: boolean } | undefined;
  for (const entry of vocabulary) {
    const wanted = entry.trim();
    const head = text.slice(0, wanted.length);
    if (wanted === '' || fold(head) !== fold(wanted) || !/^\s*(?:;|$)/.test(text.slice(wanted.length))) continue;
    const exact = head === wanted;
    if (!best || wanted.length > best.length || (wanted.length === best.length && exact && !best.exact)) {
      best = { entry, length: wanted.length, exact };
    }
  }
  return best?.entry;
}

function parseList(column: Column, cell: ExcelValue): ParsedCell {
  const vocabulary = column.values;
  const items: string[] = [];
  const add = (item: string): ParsedCell | undefined => {
    if (items.includes(item)) return fail(`${quote(item.trim())} steht doppelt in der Liste.`);
    items.push(item);
    return undefined;
  };
  if (!vocabulary) {
    for (const item of shown(cell).split(';')) {
      const failed = item.trim() === '' ? undefined : add(item.trim());
      if (failed) return failed;
    }
    return ok(items);
  }
  if (typeof cell !== 'string') {
    const entry = vocabularyEntry(vocabulary, cell);
    return entry === undefined ? notAllowed(shown(cell), vocabulary) : ok([entry]);
  }
  for (let rest = cell; ; ) {
    rest = rest.replace(/^[\s;]+/, '');
    if (rest === '') return ok(items);
    const entry = leadingEntry(vocabulary, rest);
    if (entry === undefined) return notAllowed(rest.split(';', 1)[0]!.trim(), vocabulary);
    const failed = add(entry);
    if (failed) return failed;
    rest = rest.slice(entry.trim().length);
  }
}

/**
 * What a cell stands for in the API's terms, before the column's rules are applied: how Excel's
 * numbers, serials, German dates and words map to values, and back through toCell.
 */
export function readCell(column: Column, cell: ExcelValue): ParsedCell {
  if (typeof cell === 'string' && cell.trim() === '') return ok(column.type === 'enum[]' ? [] : null);
  switch (column.type) {
    case 'text':
      return ok(typeof cell === 'string' ? cell : shown(cell));
    case 'url':
      return ok(shown(cell));
    case 'number':
      return parseNumber(cell);
    case 'date':
      return parseDate(cell);
    case 'boolean':
      return parseBoolean(cell);
    case 'enum': {
      if (!column.values) return ok(shown(cell));
      const entry = vocabularyEntry(column.values, cell);
      return entry === undefined ? notAllowed(shown(cell), column.values) : ok(entry);
    }
    case 'enum[]':
      return parseList(column, cell);
  }
}

/**
 * The API value a cell holds, or a German message saying why it holds none. An empty cell is
 * null, except in enum[] columns, where the server stores the empty list. The column's rules
 * (required, length, range, dates, characters, web addresses) are the server's own check, so the
 * pane refuses what the server would, in the server's words.
 */
export function fromCell(column: Column, cell: ExcelValue): ParsedCell {
  const parsed = readCell(column, cell);
  return parsed.ok ? checkValue(column, parsed.value) : parsed;
}

/** A row's value for a key; keys are data here, so inherited properties like "constructor" must not answer. */
export function valueAt(values: Record<string, CellValue>, key: string): CellValue {
  return Object.hasOwn(values, key) ? values[key]! : null;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

/**
 * Equality as the server stores values: blank text is null, an empty list is null, lists keep
 * their order (the server stores the order given, so a reordering is a change).
 */
export function sameCellValue(a: unknown, b: unknown): boolean {
  if (isEmpty(a) || isEmpty(b)) return isEmpty(a) && isEmpty(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => item === b[i]);
  return a === b;
}

/** A value as people read it in notes and messages: „(leer)“, dates the German way, lists as in the cell. */
export function shownValue(column: Column | undefined, value: unknown): string {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return '(leer)';
  if (Array.isArray(value)) return value.join(LIST_SEPARATOR);
  if (typeof value === 'boolean') return value ? 'ja' : 'nein';
  const iso = column?.type === 'date' && typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  return iso ? `${iso[3]}.${iso[2]}.${iso[1]}` : String(value);
}

/** A cell as Excel shows it in a sheet of OZG-Sync (see toCell and numberFormat): an empty cell is empty, not „(leer)“. */
export function cellText(column: Column, value: unknown): string {
  return isEmpty(value) ? '' : shownValue(column, value);
}
