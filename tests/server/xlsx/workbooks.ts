import ExcelJS from 'exceljs';
import { BINDING_SHEET, DATA_TABLE, decodeBindingSheet } from '../../../core/workbook.ts';
import type { Api } from '../../helpers/api.ts';
import { XLSX_TYPE } from '../../../server/xlsx/export.ts';

export { XLSX_TYPE };

export async function exportFile(app: Api, kind: string, scope: string): Promise<Uint8Array> {
  const response = await app.request(`/api/sheets/${kind}/export.xlsx?scope=${scope}`);
  if (response.status !== 200) throw new Error(`export ${response.status}: ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

export function importFile(app: Api, kind: string, bytes: Uint8Array, accept = 'application/json') {
  return app.request(`/api/sheets/${kind}/import`, {
    method: 'POST',
    headers: { 'content-type': XLSX_TYPE, accept },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

export async function loadWorkbook(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  return workbook;
}

export async function saveWorkbook(workbook: ExcelJS.Workbook): Promise<Uint8Array> {
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

export function dataSheet(workbook: ExcelJS.Workbook): ExcelJS.Worksheet {
  const sheet = workbook.worksheets.find((ws) => (ws.getTable(DATA_TABLE) as ExcelJS.Table | undefined) !== undefined);
  if (!sheet) throw new Error('no data table');
  return sheet;
}

/** The data table's range, e.g. A1:O47; ExcelJS keeps it in the table model, which its types leave out. */
export function tableRange(sheet: ExcelJS.Worksheet): string {
  return (sheet.getTable(DATA_TABLE) as unknown as { table: { tableRef: string } }).table.tableRef;
}

/** The binding sheet's cells from A1, as the add-in's Excel layer hands them to decodeBindingSheet. */
export function bindingValues(workbook: ExcelJS.Workbook): unknown[][] {
  const sheet = workbook.getWorksheet(BINDING_SHEET)!;
  const rows: unknown[][] = [];
  for (let r = 1; r <= sheet.rowCount; r++) {
    rows.push(Array.from({ length: sheet.columnCount }, (_, c) => sheet.getRow(r).getCell(c + 1).value ?? ''));
  }
  return rows;
}

export function decodedBinding(workbook: ExcelJS.Workbook) {
  const decoded = decodeBindingSheet(bindingValues(workbook));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded;
}

export function headerLabels(sheet: ExcelJS.Worksheet): string[] {
  return Array.from({ length: sheet.columnCount }, (_, c) => String(sheet.getRow(1).getCell(c + 1).value ?? ''));
}

/** The cell of a row (found by id) and column (found by header label) of the data table. */
export function cellAt(sheet: ExcelJS.Worksheet, id: string, label: string): ExcelJS.Cell {
  const column = headerLabels(sheet).indexOf(label) + 1;
  if (column === 0) throw new Error(`no column ${label}`);
  for (let r = 2; r <= sheet.rowCount; r++) {
    if (sheet.getRow(r).getCell(1).value === id) return sheet.getRow(r).getCell(column);
  }
  throw new Error(`no row ${id}`);
}

/** Edits a file the way a person would: by row and column header, then saved again. */
export async function editFile(
  bytes: Uint8Array,
  edit: (sheet: ExcelJS.Worksheet, workbook: ExcelJS.Workbook) => void,
): Promise<Uint8Array> {
  const workbook = await loadWorkbook(bytes);
  edit(dataSheet(workbook), workbook);
  return saveWorkbook(workbook);
}

export const argbOf = (cell: ExcelJS.Cell) => (cell.fill?.type === 'pattern' ? cell.fill.fgColor?.argb : undefined);

export const noteOf = (cell: ExcelJS.Cell): string => {
  const note = cell.note;
  if (note === undefined) return '';
  return typeof note === 'string' ? note : (note.texts ?? []).map((t) => t.text).join('');
};
