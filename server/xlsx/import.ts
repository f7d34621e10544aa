import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { diffTable } from '../../addin/src/sync/diff.ts';
import { rowHints, rowLabel } from '../../addin/src/sync/hinweise.ts';
import type { Column, ExcelValue, PushChange, Snapshot, TableRow } from '../../addin/src/sync/types.ts';
import {
  BINDING_SHEET,
  NOT_BOUND,
  decodeBindingSheet,
  tableLayout,
  tableRowOf,
  type Binding,
  type TableLayout,
} from '../../addin/src/sync/workbook.ts';
import { badRequest } from '../errors.ts';

const DAY_MS = 86_400_000;
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
/** How far down a moved table's header row is looked for. */
const HEADER_SEARCH_ROWS = 20;
/**
 * What the parts of an upload may unpack to: generous for the largest scope (20.000 rows with
 * their snapshot), and far below what would exhaust the server's memory (a "zip bomb").
 */
const MAX_UNPACKED_BYTES = 300 * 1024 * 1024;

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
 * The sum of the sizes the zip's central directory declares for its entries; undefined when the
 * bytes are no zip archive. Checked before ExcelJS unpacks anything into memory.
 */
function declaredUnpackedSize(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const END_OF_DIRECTORY = 0x06054b50;
  const ENTRY = 0x02014b50;
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) return undefined;
  const entries = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== ENTRY) return undefined;
    const size = view.getUint32(at + 24, true);
    // 0xFFFFFFFF defers to a zip64 field: more than an upload of ours can hold anyway.
    total += size === 0xffffffff ? Infinity : size;
    at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return total;
}

async function loadWorkbook(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const unpacked = declaredUnpackedSize(bytes);
  if (unpacked === undefined) throw badRequest(NOT_XLSX);
  if (unpacked > MAX_UNPACKED_BYTES) {
    throw badRequest(`Die Datei entpackt sich auf mehr als ${MAX_UNPACKED_BYTES / 1024 / 1024} MB; so große Arbeitsmappen nimmt OZG-Sync nicht an.`);
  }
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

/**
 * Reads an uploaded workbook: its binding and base snapshot from the very hidden sheet, and the
 * table. Anything that is not a readable workbook of ours is a 400 with a German message.
 */
export async function readSheetFile(bytes: Uint8Array): Promise<UploadedSheet> {
  const workbook = await loadWorkbook(bytes);
  const bindingSheet = workbook.getWorksheet(BINDING_SHEET);
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
  return { binding, snapshot, rows, missingColumns };
}

/** A UUID (RFC 9562 version 8) from the SHA-256 of the file: the same file is the same push. */
export function fileIdempotencyKey(bytes: Uint8Array): string {
  const hex = createHash('sha256').update(bytes).digest('hex');
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
