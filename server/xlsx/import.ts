import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { diffTable } from '../../core/diff.ts';
import { rowHints, rowLabel } from '../../core/hinweise.ts';
import type { Column, ExcelValue, PushChange, Snapshot, TableRow } from '../../core/types.ts';
import {
  NOT_BOUND,
  decodeBindingSheet,
  slotOfBindingSheet,
  slotSheets,
  tableLayout,
  tableRowOf,
  type Binding,
  type TableLayout,
} from '../../core/workbook.ts';
import { badRequest } from '../errors.ts';
import { scanXml, UploadZip } from './zip.ts';

const DAY_MS = 86_400_000;
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
/** How far down a moved table's header row is looked for. */
const HEADER_SEARCH_ROWS = 20;

const NOT_XLSX =
  'Die Datei ist keine lesbare Excel-Arbeitsmappe (.xlsx). Bitte speichern Sie sie als „Excel-Arbeitsmappe (.xlsx)“ und senden Sie sie erneut.';

/** A row of the uploaded table with the sheet row it stands in, for messages. */
export interface UploadedRow {
  line: number;
  row: TableRow;
}

export interface UploadedSheet {
  binding: Binding;
  snapshot: Snapshot;
  rows: UploadedRow[];
  /** Columns of the binding whose header is no longer in the table. */
  missingColumns: Column[];
  /** The worksheet the table was found on. */
  dataSheet: string;
}

/** An edited cell whose content is no valid value; not sent. */
export interface UngueltigeZelle {
  id: string;
  key: string;
  zeile: number;
  spalte: string;
  message: string;
}

export interface ImportPlan {
  changes: PushChange[];
  ungueltig: UngueltigeZelle[];
  hinweise: string[];
}

/**
 * What all parts of an upload together may unpack to, counted as they are inflated: ten times the
 * 10 MB upload limit, about what a workbook of mostly text compresses by. An export with filled-in
 * text columns unpacks to about 2.4 KB per row, so the 20.000-row scope needs about half of it.
 */
export const MAX_UNPACKED_BYTES = 100 * 1024 * 1024;
/** workbook.xml and its relationships: a few KB in every real workbook. */
const SMALL_PART_BYTES = 1024 * 1024;
/** Rows 1 and 2 of the binding sheet: the marker and the binding, a few cells of at most 32.767 characters. */
const BINDING_PREFIX_BYTES = 4 * 1024 * 1024;

const TOO_LARGE = `Die Datei entpackt sich auf mehr als ${MAX_UNPACKED_BYTES / 1024 / 1024} MB; so große Arbeitsmappen nimmt OZG-Sync nicht an.`;
const ZIP_ERRORS = { tooLarge: TOO_LARGE, damaged: NOT_XLSX };

/** How many tables one uploaded file may hold: as many as one export puts in a file. */
export const MAX_TABLES_PER_FILE = 30;

const tooManyTables = (count: number) =>
  badRequest(`Diese Datei enthält ${count} verbundene Tabellen; höchstens ${MAX_TABLES_PER_FILE} nimmt OZG-Sync in einer Datei an. Teilen Sie die Arbeitsmappe auf.`);

const notOurs = () =>
  badRequest(`${NOT_BOUND} Senden Sie nur Dateien, die OZG-Sync exportiert hat (GET /api/sheets/{kind}/export.xlsx oder npm run sheet -- export).`);

/** A part's path from a relationship target, which is relative to xl/ or absolute. */
const partPath = (target: string) => (target.startsWith('/') ? target.slice(1) : `xl/${target}`).replace(/\/[^/]+\/\.\.\//g, '/');

/** The relationships of xl/workbook.xml: id → part, and the shared strings part. */
async function workbookParts(zip: UploadZip) {
  const sheets = new Map<string, string>();
  await scanXml(zip, 'xl/workbook.xml', SMALL_PART_BYTES, (parser, done) => {
    parser.on('opentag', (tag) => {
      if (tag.name === 'sheet' && typeof tag.attributes.name === 'string') sheets.set(tag.attributes.name, String(tag.attributes['r:id'] ?? ''));
    });
    parser.on('closetag', (tag) => tag.name === 'sheets' && done());
  }, ZIP_ERRORS);
  const targets = new Map<string, string>();
  let sharedStrings: string | undefined;
  await scanXml(zip, 'xl/_rels/workbook.xml.rels', SMALL_PART_BYTES, (parser) => {
    parser.on('opentag', (tag) => {
      const { Id, Target, Type } = tag.attributes as Record<string, string | undefined>;
      if (!Target) return;
      if (Id) targets.set(Id, partPath(Target));
      if (Type?.endsWith('/sharedStrings')) sharedStrings = partPath(Target);
    });
  }, ZIP_ERRORS);
  // Slot order, so that the tables of a file are answered in the order the add-in shows them.
  const bindingSheets = [...sheets]
    .flatMap(([name, id]) => {
      const slot = slotOfBindingSheet(name);
      const part = targets.get(id);
      return slot === undefined || !part ? [] : [{ slot, part }];
    })
    .sort((a, b) => a.slot - b.slot);
  if (bindingSheets.length > MAX_TABLES_PER_FILE) throw tooManyTables(bindingSheets.length);
  return { bindingSheets, sharedStrings };
}

type PrefixCell = { shared: number } | { text: string };

/** The cells of rows 1 and 2 of a worksheet, streamed: inflation stops where row 3 begins. */
async function firstTwoRows(zip: UploadZip, part: string): Promise<PrefixCell[][]> {
  const rows: PrefixCell[][] = [[], []];
  await scanXml(zip, part, BINDING_PREFIX_BYTES, (parser, done) => {
    let row = 0;
    let cell: { type: string; column: number } | undefined;
    let text: string | undefined;
    let inText = false;
    let nextColumn = 0;
    parser.on('opentag', (tag) => {
      if (tag.name === 'row') {
        row = Number(tag.attributes.r ?? row + 1);
        nextColumn = 0;
        if (row > 2) done();
      } else if (tag.name === 'c' && row >= 1 && row <= 2) {
        const ref = /^([A-Z]+)\d+$/.exec(String(tag.attributes.r ?? ''));
        const column = ref ? [...ref[1]!].reduce((n, letter) => n * 26 + letter.charCodeAt(0) - 64, 0) - 1 : nextColumn;
        nextColumn = column + 1;
        cell = { type: String(tag.attributes.t ?? 'n'), column };
        text = undefined;
      } else if ((tag.name === 'v' || tag.name === 't') && cell) {
        inText = true;
        text ??= '';
      }
    });
    parser.on('text', (chunk) => {
      if (inText) text += chunk;
    });
    parser.on('closetag', (tag) => {
      if (tag.name === 'v' || tag.name === 't') inText = false;
      else if (tag.name === 'c' && cell) {
        if (text !== undefined) rows[row - 1]![cell.column] = cell.type === 's' ? { shared: Number(text) } : { text };
        cell = undefined;
      } else if (tag.name === 'sheetData') done();
    });
  }, ZIP_ERRORS);
  return rows;
}

/** Shared strings 0 … last, streamed: inflation stops after the last one asked for. */
async function sharedStringsUpTo(zip: UploadZip, part: string, last: number): Promise<string[]> {
  const strings: string[] = [];
  await scanXml(zip, part, MAX_UNPACKED_BYTES, (parser, done) => {
    let current: string | undefined;
    let inText = false;
    let phonetic = false;
    parser.on('opentag', (tag) => {
      if (tag.name === 'si') current = '';
      else if (tag.name === 'rPh') phonetic = true;
      else if (tag.name === 't' && !phonetic) inText = true;
    });
    parser.on('text', (chunk) => {
      if (inText && current !== undefined) current += chunk;
    });
    parser.on('closetag', (tag) => {
      if (tag.name === 't') inText = false;
      else if (tag.name === 'rPh') phonetic = false;
      else if (tag.name === 'si') {
        strings.push(current ?? '');
        current = undefined;
        if (strings.length > last) done();
      }
    });
  }, ZIP_ERRORS);
  return strings;
}

/** A binding of an upload and the slot its binding sheet is in. */
export interface SlotBinding {
  slot: number;
  binding: Binding;
}

/**
 * The bindings (kind, scope, …) of an upload, one per bound table in slot order, read from the
 * small parts only: workbook.xml, its relationships, the first two rows of each binding sheet and
 * as many shared strings as those need. Nothing of a data sheet is inflated, so the caller can
 * check the write permission of every table first.
 */
export async function readUploadBindings(bytes: Uint8Array): Promise<SlotBinding[]> {
  const zip = await UploadZip.open(bytes, NOT_XLSX);
  try {
    const { bindingSheets, sharedStrings } = await workbookParts(zip);
    const present = bindingSheets.filter(({ part }) => zip.entries.has(part));
    if (present.length === 0) {
      if (!zip.entries.has('xl/workbook.xml')) throw badRequest(NOT_XLSX);
      throw notOurs();
    }
    const prefixes = [];
    for (const { slot, part } of present) prefixes.push({ slot, rows: await firstTwoRows(zip, part) });
    const shared = prefixes.flatMap(({ rows }) => rows.flat().flatMap((cell) => ('shared' in cell ? [cell.shared] : [])));
    const strings = shared.length && sharedStrings ? await sharedStringsUpTo(zip, sharedStrings, Math.max(...shared)) : [];
    return prefixes.map(({ slot, rows }) => {
      const values = rows.map((row) => Array.from(row, (cell) => (cell === undefined ? '' : 'shared' in cell ? (strings[cell.shared] ?? '') : cell.text)));
      const decoded = decodeBindingSheet(values);
      if (!decoded.ok) throw decoded.message === NOT_BOUND ? notOurs() : badRequest(decoded.message);
      return { slot, binding: decoded.binding };
    });
  } finally {
    zip.close();
  }
}

/** The binding of an upload of one table; a file of several is sent to POST /api/import. */
export async function readUploadBinding(bytes: Uint8Array): Promise<Binding> {
  const bindings = await readUploadBindings(bytes);
  if (bindings.length > 1) throw severalTables(bindings.length);
  return bindings[0]!.binding;
}

const severalTables = (count: number) =>
  badRequest(
    `Diese Datei enthält ${count} verbundene Tabellen. Senden Sie sie an POST /api/import, dort wird jede Tabelle für sich übernommen.`,
  );

/** Inflates every part once, counting and discarding: what ExcelJS then unpacks is known to be bounded. */
async function checkUnpackedSize(bytes: Uint8Array): Promise<void> {
  const zip = await UploadZip.open(bytes, NOT_XLSX);
  try {
    if (zip.declaredSize() > MAX_UNPACKED_BYTES) throw badRequest(TOO_LARGE);
    let total = 0;
    for (const name of zip.entries.keys()) {
      total += await zip.stream(name, MAX_UNPACKED_BYTES - total, () => true, ZIP_ERRORS);
    }
  } finally {
    zip.close();
  }
}

async function loadWorkbook(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  await checkUnpackedSize(bytes);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch {
    throw badRequest(NOT_XLSX);
  }
  return workbook;
}

const roundedSerial = (date: Date) => Math.round(((date.getTime() - EXCEL_EPOCH_MS) / DAY_MS) * 86_400) / 86_400;

const richText = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'richText' in value
    ? (value as ExcelJS.CellRichTextValue).richText.map((run) => run.text).join('')
    : String(value ?? '');

/**
 * A cell as Office.js would give it to the add-in (a string, number or boolean; '' when empty),
 * so that the add-in's pure code reads the file exactly as it reads a workbook. A formula is
 * never evaluated: its cell reads as the text the user typed, "=…", and is treated as such.
 */
function excelValue(cell: ExcelJS.Cell): ExcelValue {
  const value = cell.value;
  switch (cell.type) {
    case ExcelJS.ValueType.Number:
    case ExcelJS.ValueType.String:
    case ExcelJS.ValueType.Boolean:
      return value as number | string | boolean;
    case ExcelJS.ValueType.Date:
      return roundedSerial(value as Date);
    case ExcelJS.ValueType.RichText:
      return richText(value);
    case ExcelJS.ValueType.Hyperlink:
      return richText((value as ExcelJS.CellHyperlinkValue).text);
    case ExcelJS.ValueType.Formula:
      return `=${cell.formula}`;
    case ExcelJS.ValueType.Error:
      return (value as ExcelJS.CellErrorValue).error;
    default:
      return '';
  }
}

function sheetValues(sheet: ExcelJS.Worksheet, firstRow: number, lastRow: number): ExcelValue[][] {
  const width = sheet.columnCount;
  const rows: ExcelValue[][] = [];
  for (let r = firstRow; r <= lastRow; r++) {
    const row = sheet.getRow(r);
    rows.push(Array.from({ length: width }, (_, c) => excelValue(row.getCell(c + 1))));
  }
  return rows;
}

function findDataSheet(workbook: ExcelJS.Workbook, binding: Binding): ExcelJS.Worksheet {
  const withTable = workbook.worksheets.find((sheet) => (sheet.getTable(binding.table) as ExcelJS.Table | undefined) !== undefined);
  const sheet = withTable ?? workbook.getWorksheet(binding.dataSheet);
  if (!sheet) {
    throw badRequest(
      `In der Datei fehlt das Blatt „${binding.dataSheet}“ mit der Tabelle „${binding.table}“. Bitte exportieren Sie die Tabelle neu.`,
    );
  }
  return sheet;
}

/** The header row: the first one holding the id column, so that rows inserted above the table do no harm. */
function findHeader(sheet: ExcelJS.Worksheet, columns: readonly Column[]): { line: number; layout: TableLayout } {
  const candidates = sheetValues(sheet, 1, Math.min(HEADER_SEARCH_ROWS, Math.max(sheet.rowCount, 1)));
  let first: string | undefined;
  for (const [index, header] of candidates.entries()) {
    const found = tableLayout(columns, header);
    if (found.ok) return { line: index + 1, layout: found.layout };
    first ??= found.message;
  }
  throw badRequest(`Auf dem Blatt „${sheet.name}“: ${first}`);
}

function readSlot(workbook: ExcelJS.Workbook, slot: number): UploadedSheet {
  const bindingSheet = workbook.getWorksheet(slotSheets(slot).binding);
  const decoded = bindingSheet
    ? decodeBindingSheet(sheetValues(bindingSheet, 1, bindingSheet.rowCount))
    : ({ ok: false, message: NOT_BOUND } as const);
  if (!decoded.ok) {
    throw badRequest(
      decoded.message === NOT_BOUND
        ? `${NOT_BOUND} Senden Sie nur Dateien, die OZG-Sync exportiert hat (GET /api/sheets/{kind}/export.xlsx oder npm run sheet -- export).`
        : decoded.message,
    );
  }
  const { binding, snapshot } = decoded;
  const sheet = findDataSheet(workbook, binding);
  const header = findHeader(sheet, binding.columns);
  const rows = sheetValues(sheet, header.line + 1, sheet.rowCount).flatMap((cells, index) => {
    const row = tableRowOf(header.layout, cells);
    return row ? [{ line: header.line + 1 + index, row }] : [];
  });
  const missingColumns = binding.columns.filter((column) => !header.layout.columns.has(column.key));
  return { binding, snapshot, rows, missingColumns, dataSheet: sheet.name };
}

/**
 * Reads the tables of the given slots of an uploaded workbook: each one's binding and base
 * snapshot from its very hidden sheet, and its table. Anything that is not a readable workbook of
 * ours is a 400 with a German message.
 */
export async function readSheetFiles(bytes: Uint8Array, slots: readonly number[]): Promise<UploadedSheet[]> {
  const workbook = await loadWorkbook(bytes);
  return slots.map((slot) => readSlot(workbook, slot));
}

/** Reads an uploaded workbook of one table. */
export async function readSheetFile(bytes: Uint8Array): Promise<UploadedSheet> {
  const workbook = await loadWorkbook(bytes);
  const bound = workbook.worksheets.filter((worksheet) => slotOfBindingSheet(worksheet.name) !== undefined);
  if (bound.length > 1) throw severalTables(bound.length);
  return readSlot(workbook, bound[0] ? slotOfBindingSheet(bound[0].name)! : 1);
}

/** A UUID (RFC 9562 version 8) from the SHA-256 of the file: the same file is the same push. */
export function fileIdempotencyKey(bytes: Uint8Array, slot = 1): string {
  // Slot 1 keeps the key a file of one table always had; every further table of a file is a push of its own.
  const hash = createHash('sha256').update(bytes);
  if (slot > 1) hash.update(`:${slot}`);
  const hex = hash.digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * What an upload asks for, found by the add-in's own diff against the base in the file: the
 * changes to push, the cells that hold no valid value, and notes on everything that is not
 * applied by design (added, deleted or duplicated rows, edits of read-only cells, missing columns).
 */
export function planImport(upload: UploadedSheet): ImportPlan {
  const { binding, snapshot, rows } = upload;
  const { columns } = binding;
  const diff = diffTable(columns, snapshot, rows.map(({ row }) => row));
  const lineOf = new Map<string, number>();
  for (const { line, row } of rows) if (row.id.trim() !== '' && !lineOf.has(row.id)) lineOf.set(row.id, line);
  const label = (id: string) => `„${rowLabel(columns, snapshot.get(id)?.values, id)}“`;
  const spalte = (key: string) => columns.find((column) => column.key === key)?.label ?? key;

  const hinweise = [
    ...upload.missingColumns.map(
      (column) => `Die Spalte „${column.label}“ fehlt in der Tabelle; ihre Werte bleiben auf dem Server unverändert.`,
    ),
    ...rowHints({ columns, snapshot, diff, rows: rows.map(({ row }) => row), line: (index) => rows[index]!.line }),
    ...[...snapshot.keys()]
      .filter((id) => !lineOf.has(id))
      .map((id) => `Die Zeile ${label(id)} fehlt in der Tabelle; gelöschte Zeilen werden nicht übernommen, auf dem Server bleibt sie bestehen.`),
    ...diff.readOnlyEdits.map(
      ({ id, key }) =>
        `Zeile ${lineOf.get(id)} (${label(id)}): die Spalte „${spalte(key)}“ ist schreibgeschützt; die Änderung wurde nicht übernommen.`,
    ),
  ];
  const ungueltig = diff.invalid.map(({ id, key, message }) => ({ id, key, zeile: lineOf.get(id)!, spalte: spalte(key), message }));
  return { changes: diff.changes, ungueltig, hinweise };
}
