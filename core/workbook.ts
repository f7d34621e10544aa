/**
 * How a workbook bound to OZG-Sync is laid out: the one definition shared by the add-in's Excel
 * layer and the server's xlsx export and import. Pure, so that neither Office.js nor ExcelJS leaks in.
 *
 * A workbook holds any number of bound tables, each in a slot of its own (format `ozg-sync/2`):
 * its data table, binding sheet, lists sheet and open-items sheet, named by `slotSheets`. Slot 1
 * has the names of the first format (`ozg-sync/1`, one table per workbook), so that a workbook of
 * that format is a workbook of this one with one slot: opening it only rewrites the marker, which
 * keeps an add-in of the first format from reading a workbook whose other tables it would not see.
 *
 * - The data table (`DATA_TABLE` in slot 1) on a visible worksheet: the columns `id` and `version` (hidden),
 *   then the server's columns in order, headed by their German labels. Users may sort, filter,
 *   reorder columns and add their own; columns are found by their header, and a column whose
 *   header is no label of the binding is the user's: never read as data, never sent. `version`
 *   is the row's version at the full pull that wrote it (empty in rows added later) and is only
 *   shown: what a push is based on is the snapshot.
 * - The very hidden binding sheet (`BINDING_SHEET` in slot 1): A1 the format marker, row 2 the binding as JSON,
 *   from row 4 on one row per row of the base snapshot: id | version | values as JSON. Panes
 *   write single rows of it (co-authors share the sheet), so rows may be empty, and an id on two
 *   rows counts with its higher version.
 *   A JSON text longer than an Excel cell holds continues in the cells to its right.
 * - The very hidden lists sheet (`LISTS_SHEET` in slot 1): one column per enum column, the vocabulary its
 *   drop-down offers (a list typed into the validation rule itself is capped at 255 characters
 *   and cannot hold entries with commas).
 */
import { numberFormat, toCell, valueAt } from './cells.ts';
import { COLUMN_TYPES, type RangeBy } from './columns.ts';
import type { BaseRow, CellValue, Column, ExcelValue, SheetRow, Snapshot, TableRow } from './types.ts';

export const BINDING_SHEET = 'OZG-Sync';
export const LISTS_SHEET = 'OZG-Sync-Listen';
export const DATA_TABLE = 'OZG_Sync';
/** The open Konflikte and rejected cells of slot 1 (see addin/src/excel/offen.ts). */
export const OPEN_ITEMS_SHEET = 'OZG-Sync-Offen';
export const FORMAT_MARKER = 'ozg-sync/2';
/** The first format: one bound table per workbook, in what is slot 1 now. Read, and rewritten as FORMAT_MARKER on first open. */
export const FIRST_FORMAT_MARKER = 'ozg-sync/1';
/** What Excel stores in one cell at most. */
export const MAX_CELL_CHARS = 32_767;
/** The binding sheet's row (0-based) of the first snapshot row: row 4 as Excel counts. */
export const FIRST_SNAPSHOT_ROW = 3;
export const ID_LABEL = 'id';
export const VERSION_LABEL = 'version';

/**
 * How the add-in and the server's xlsx files mark cells, so that the add-in clears these marks as
 * its own at its next sync: fills, and the prefixes of its cell texts (it removes its own texts and
 * no one else's). Texts on rows that left the scope are not marks: they stay until the user deletes the row.
 */
export const READ_ONLY_FILL = '#EDEDED';
export const KONFLIKT_FILL = '#FFC000';
export const FEHLER_FILL = '#FF7C80';
export const KONFLIKT_TEXT = 'Konflikt (OZG-Sync): ';
export const FEHLER_TEXT = 'Abgelehnt (OZG-Sync): ';
export const ENTFERNT_TEXT = 'Entfernt (OZG-Sync): ';
/** Font colour of a row that left the scope with edits (struck through too where the host can). */
export const LEFT_SCOPE_FONT = '#808080';

export const NOT_BOUND = 'Diese Arbeitsmappe ist nicht mit OZG-Sync verbunden.';

export interface Binding {
  kind: string;
  scope: string;
  /** The origin of the server the workbook syncs with. */
  server: string;
  /** The cursor of the last pull, for the next `since`. */
  cursor: string;
  title: string;
  columns: Column[];
  /** The worksheet holding the data table. */
  dataSheet: string;
  table: string;
  /** When the workbook last exchanged data with the server, as ISO time. */
  syncedAt?: string;
}

/** `format` 1 for a binding sheet of the first format, which the reader migrates by rewriting its marker. */
export type DecodedBinding = { ok: true; binding: Binding; snapshot: Snapshot; format: 1 | 2 } | { ok: false; message: string };

/** The sheets and the table of one bound table. */
export interface SlotSheets {
  slot: number;
  binding: string;
  lists: string;
  openItems: string;
  table: string;
}

/**
 * The names of slot `slot`. Sheet names stay within Excel's 31 characters and table names within
 * the rules for defined names (letters, digits, underscores; unique in the workbook, ECMA-376
 * SpreadsheetML "Names"), so no slot number a workbook can reach breaks either.
 */
export function slotSheets(slot: number): SlotSheets {
  if (slot === 1) return { slot, binding: BINDING_SHEET, lists: LISTS_SHEET, openItems: OPEN_ITEMS_SHEET, table: DATA_TABLE };
  return { slot, binding: `${BINDING_SHEET} ${slot}`, lists: `${LISTS_SHEET} ${slot}`, openItems: `${OPEN_ITEMS_SHEET} ${slot}`, table: `${DATA_TABLE}_${slot}` };
}

/** The slot a binding sheet's name belongs to; undefined for any other sheet. */
export function slotOfBindingSheet(name: string): number | undefined {
  if (name === BINDING_SHEET) return 1;
  const match = /^OZG-Sync ([1-9]\d{0,5})$/.exec(name);
  const slot = match ? Number(match[1]) : undefined;
  return slot !== undefined && slot > 1 ? slot : undefined;
}

/** The slot of a binding, by the table name it was given when written (the user may rename the table; the binding keeps the name). */
export function slotOf(binding: Pick<Binding, 'table'>): SlotSheets {
  const match = /^OZG_Sync_([1-9]\d{0,5})$/.exec(binding.table);
  return slotSheets(match && Number(match[1]) > 1 ? Number(match[1]) : 1);
}

/** The lowest slot whose sheets and table are all free, given the names the workbook has (compared ignoring case, as Excel does). */
export function freeSlot(sheetNames: readonly string[], tableNames: readonly string[]): SlotSheets {
  const fold = (name: string) => name.toLocaleLowerCase('de');
  const sheets = new Set(sheetNames.map(fold));
  const tables = new Set(tableNames.map(fold));
  for (let slot = 1; ; slot++) {
    const names = slotSheets(slot);
    if (![names.binding, names.lists, names.openItems].some((name) => sheets.has(fold(name))) && !tables.has(fold(names.table))) return names;
  }
}

const MARKER_FAMILY = FORMAT_MARKER.slice(0, FORMAT_MARKER.indexOf('/') + 1);

/**
 * Cuts text into pieces that each fit a cell, never between the two halves of a surrogate pair:
 * a lone half is not valid XML, so Excel could not save the workbook.
 */
function cellPieces(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + MAX_CELL_CHARS, text.length);
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

export function encodeBindingSheet(binding: Binding, snapshot: Snapshot): (string | number)[][] {
  // Named one by one, so that whatever else a caller's object carries stays out of the workbook.
  const { kind, scope, server, cursor, title, columns, dataSheet, table, syncedAt } = binding;
  const stored: Binding = {
    kind,
    scope,
    server,
    cursor,
    title,
    columns: columns.map(storedColumn),
    dataSheet,
    table,
    ...(syncedAt === undefined ? {} : { syncedAt }),
  };
  const rows: (string | number)[][] = [[FORMAT_MARKER], cellPieces(JSON.stringify(stored)), []];
  for (const [id, { version, values }] of snapshot) rows.push([id, version, ...cellPieces(JSON.stringify(values))]);
  return rows;
}

const damaged = (detail: string): DecodedBinding => ({
  ok: false,
  message: `Die Verbindungsdaten dieser Arbeitsmappe sind beschädigt (${detail}). Bitte rufen Sie die Tabelle neu ab.`,
});

/** The JSON text a row holds from `first` on; empty cells are what Excel pads a rectangle with. */
function joinedText(row: readonly unknown[] | undefined, first: number): string | undefined {
  const cells = (row ?? []).slice(first).filter((cell) => cell !== '' && cell !== null && cell !== undefined);
  return cells.every((cell) => typeof cell === 'string') ? cells.join('') : undefined;
}

function parsedJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

function isColumn(value: unknown): value is Column {
  return (
    isRecord(value) &&
    typeof value.key === 'string' &&
    typeof value.label === 'string' &&
    (COLUMN_TYPES as readonly string[]).includes(value.type as string) &&
    typeof value.editable === 'boolean' &&
    (value.values === undefined || isStringList(value.values)) &&
    (value.required === undefined || typeof value.required === 'boolean') &&
    (value.maxLength === undefined || Number.isSafeInteger(value.maxLength)) &&
    (value.range === undefined || isRange(value.range)) &&
    (value.rangeBy === undefined || isRangeBy(value.rangeBy))
  );
}

const isRange = (value: unknown): value is [number, number] => Array.isArray(value) && value.length === 2 && value.every(Number.isSafeInteger);

function isRangeBy(value: unknown): value is RangeBy {
  return (
    isRecord(value) &&
    typeof value.key === 'string' &&
    typeof value.fallback === 'string' &&
    isRecord(value.ranges) &&
    Object.values(value.ranges).every(isRange) &&
    Object.hasOwn(value.ranges, value.fallback)
  );
}

/** A column as stored, with its rules (older workbooks have none: the server still checks). */
const storedColumn = ({ key, label, type, editable, values, required, maxLength, range, rangeBy }: Column): Column => ({
  key,
  label,
  type,
  editable,
  ...(values ? { values } : {}),
  ...(required === undefined ? {} : { required }),
  ...(maxLength === undefined ? {} : { maxLength }),
  ...(range ? { range } : {}),
  ...(rangeBy ? { rangeBy } : {}),
});

function asBinding(value: unknown): Binding | undefined {
  if (!isRecord(value) || !Array.isArray(value.columns) || !value.columns.every(isColumn)) return undefined;
  const { kind, scope, server, cursor, title, dataSheet, table, syncedAt } = value;
  const texts = { kind, scope, server, cursor, title, dataSheet, table };
  if (!Object.values(texts).every((text) => typeof text === 'string')) return undefined;
  if (syncedAt !== undefined && typeof syncedAt !== 'string') return undefined;
  return {
    ...(texts as Omit<Binding, 'columns' | 'syncedAt'>),
    columns: value.columns.map(storedColumn),
    ...(syncedAt === undefined ? {} : { syncedAt }),
  };
}

const isCellValue = (value: unknown): value is CellValue =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value) || isStringList(value);

/** A version as written (a number) or as a text cell gives it back (its digits). */
function asVersion(cell: unknown): number | undefined {
  const version = typeof cell === 'string' && /^\d+$/.test(cell.trim()) ? Number(cell) : cell;
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 0 ? version : undefined;
}

/** Reads a binding sheet back, given its cells from A1 on (as Excel or ExcelJS reads them). */
export function decodeBindingSheet(values: unknown[][]): DecodedBinding {
  const marker = values[0]?.[0];
  if (marker !== FORMAT_MARKER && marker !== FIRST_FORMAT_MARKER) {
    if (typeof marker === 'string' && marker.startsWith(MARKER_FAMILY)) {
      return {
        ok: false,
        message: `Diese Arbeitsmappe wurde mit einer anderen Version von OZG-Sync verbunden (Format „${marker}“, erwartet „${FORMAT_MARKER}“). Bitte aktualisieren Sie das Add-in.`,
      };
    }
    return { ok: false, message: NOT_BOUND };
  }
  const binding = asBinding(parsedJson(joinedText(values[1], 0)));
  if (!binding) return damaged('Zeile 2 enthält keine gültige Verbindung');

  const snapshot = new Map<string, BaseRow>();
  for (let index = FIRST_SNAPSHOT_ROW; index < values.length; index++) {
    const row = values[index] ?? [];
    if (row.every((cell) => cell === '' || cell === null || cell === undefined)) continue;
    const line = `Zeile ${index + 1}`;
    const id = row[0];
    const version = asVersion(row[1]);
    const rowValues = parsedJson(joinedText(row, 2));
    if (typeof id !== 'string' || id === '') return damaged(`${line}: Zeilen-ID fehlt`);
    if (version === undefined) return damaged(`${line}: ungültige Version`);
    if (!isRecord(rowValues) || !Object.values(rowValues).every(isCellValue)) return damaged(`${line}: ungültige Werte`);
    // Two panes saving at once can each give a new row a row of its own (see saveBaseRows); the
    // server's versions only grow, so the higher one is the newer base, and the first of equals is the one that is updated.
    if ((snapshot.get(id)?.version ?? -1) < version) snapshot.set(id, { version, values: rowValues as Record<string, CellValue> });
  }
  return { ok: true, binding, snapshot, format: marker === FIRST_FORMAT_MARKER ? 1 : 2 };
}

/** Excel tells headers apart ignoring case, so the table is read the same way. */
export const foldedLabel = (label: string) => label.trim().toLocaleLowerCase('de');

/** A column of the data table. */
export interface TableColumn {
  label: string;
  numberFormat: string;
  /** The server's column; null for the technical id and version columns. */
  server: Column | null;
}

/**
 * The data table's columns in the order a full pull writes them. Labels must be unique: Excel
 * would rename a repeated header, and the column could no longer be found by it.
 */
export function tableColumns(columns: readonly Column[]): TableColumn[] {
  const table: TableColumn[] = [
    // Text, so that an id like "00123" stays as it is.
    { label: ID_LABEL, numberFormat: '@', server: null },
    { label: VERSION_LABEL, numberFormat: '0', server: null },
    ...columns.map((server) => ({ label: server.label, numberFormat: numberFormat(server), server })),
  ];
  const seen = new Set<string>();
  for (const { label } of table) {
    const folded = foldedLabel(label);
    if (folded === '' || seen.has(folded)) throw new Error(`Der Server liefert die Spaltenüberschrift „${label}“ leer oder doppelt; so lässt sich die Tabelle nicht anlegen.`);
    seen.add(folded);
  }
  return table;
}

/** The cells a full pull writes for a row, in the order of tableColumns. */
export function tableRowCells(columns: readonly Column[], row: SheetRow): ExcelValue[] {
  return [row.id, row.version, ...columns.map((column) => toCell(column, valueAt(row.values, column.key)))];
}

/** Where the table holds what, as found by the header row. */
export interface TableLayout {
  /** Position of the id column within the table. */
  id: number;
  /** Position of each server column found, by key; a key missing here is not on the sheet. */
  columns: Map<string, number>;
}

/**
 * Finds the columns by their header, so that moved columns are still found and columns the user
 * added are left alone. Without the id column the rows cannot be told apart, which is an error.
 */
export function tableLayout(columns: readonly Column[], header: readonly unknown[]): { ok: true; layout: TableLayout } | { ok: false; message: string } {
  const positions = new Map<string, number>();
  header.forEach((cell, position) => {
    const label = foldedLabel(String(cell ?? ''));
    if (!positions.has(label)) positions.set(label, position);
  });
  const id = positions.get(foldedLabel(ID_LABEL));
  if (id === undefined) {
    return {
      ok: false,
      message: `In der Tabelle fehlt die ausgeblendete Spalte „${ID_LABEL}“, über die OZG-Sync die Zeilen zuordnet. Bitte machen Sie das Löschen rückgängig oder rufen Sie die Tabelle neu ab.`,
    };
  }
  const found = columns.flatMap((column): [string, number][] => {
    const position = positions.get(foldedLabel(column.label));
    return position === undefined ? [] : [[column.key, position]];
  });
  return { ok: true, layout: { id, columns: new Map(found) } };
}

const asExcelValue = (cell: unknown): ExcelValue =>
  typeof cell === 'string' || typeof cell === 'number' || typeof cell === 'boolean' ? cell : '';

/** A table row as read; undefined for a row left entirely blank, which holds nothing to sync. */
export function tableRowOf(layout: TableLayout, cells: readonly unknown[]): TableRow | undefined {
  const values: Record<string, ExcelValue> = {};
  for (const [key, position] of layout.columns) values[key] = asExcelValue(cells[position]);
  const id = String(asExcelValue(cells[layout.id])).trim();
  if (id === '' && Object.values(values).every((value) => value === '')) return undefined;
  return { id, values };
}

/** The cells of a row to append, placed by the layout; the version and the user's columns stay empty. */
export function placedRowCells(layout: TableLayout, width: number, row: TableRow): ExcelValue[] {
  const cells: ExcelValue[] = Array.from({ length: width }, () => '');
  cells[layout.id] = row.id;
  for (const [key, position] of layout.columns) if (Object.hasOwn(row.values, key)) cells[position] = row.values[key]!;
  return cells;
}

/** A German message for a value Excel cannot take into one cell, which would fail the whole write. */
export function cellTooLong(value: ExcelValue, where: string): string | undefined {
  return typeof value === 'string' && value.length > MAX_CELL_CHARS
    ? `Der Wert ${where} ist ${value.length.toLocaleString('de-DE')} Zeichen lang; eine Excel-Zelle fasst höchstens ${MAX_CELL_CHARS.toLocaleString('de-DE')}.`
    : undefined;
}

function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

export interface ValidationList {
  key: string;
  values: string[];
  /** Position of the list's column on LISTS_SHEET. */
  position: number;
  /** The validation rule's list source: the cells on LISTS_SHEET holding the vocabulary. */
  source: string;
}

/**
 * The drop-down lists: one per enum column with a vocabulary. enum[] columns get none, since a
 * drop-down sets a single entry and would refuse the list a cell holds.
 */
export function validationLists(columns: readonly Column[], listsSheet: string = LISTS_SHEET): ValidationList[] {
  const sheet = `'${listsSheet.replaceAll("'", "''")}'`;
  return columns
    .filter((column) => column.type === 'enum' && (column.values?.length ?? 0) > 0)
    .map((column, position) => {
      const letters = columnLetters(position);
      return { key: column.key, values: column.values!, position, source: `=${sheet}!$${letters}$1:$${letters}$${column.values!.length}` };
    });
}

const SHEET_NAME_LENGTH = 31;
const FALLBACK_SHEET_NAME = 'OZG-Daten';
/** Names the add-in uses itself, plus the one Excel reserves. */
const RESERVED_SHEET_NAMES = [BINDING_SHEET, LISTS_SHEET, OPEN_ITEMS_SHEET, 'History'];

/**
 * A worksheet name for the data table after the title: within Excel's rules (31 characters, none
 * of : \ / ? * [ ], no apostrophe at either end) and not taken by another sheet, ignoring case as Excel does.
 */
export function dataSheetName(title: string, taken: readonly string[]): string {
  const tidy = (name: string) => name.replace(/^[\s']+|[\s']+$/g, '');
  const base = tidy(tidy(title.replace(/[:\\/?*[\]]/g, '-')).slice(0, SHEET_NAME_LENGTH)) || FALLBACK_SHEET_NAME;
  const used = new Set([...RESERVED_SHEET_NAMES, ...taken].map((name) => name.toLocaleLowerCase('de')));
  // Names of other slots' sheets are kept free too: a title like "OZG-Sync 2" would take one.
  const reserved = (name: string) => used.has(name.toLocaleLowerCase('de')) || /^OZG-Sync(-Listen|-Offen)? \d+$/i.test(name);
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : ` (${n})`;
    const name = tidy(base.slice(0, SHEET_NAME_LENGTH - suffix.length)) + suffix;
    if (!reserved(name)) return name;
  }
}
