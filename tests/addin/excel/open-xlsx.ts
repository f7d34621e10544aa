import ExcelJS from 'exceljs';
import type { FakeWorkbook, Value } from './fake-excel.ts';

const VISIBILITY = { visible: 'Visible', hidden: 'Hidden', veryHidden: 'VeryHidden' } as const;

/** A cell's value as Range.values gives it: rich text joined, dates as Excel's serial numbers, formulas by their result. */
function valueOf(value: ExcelJS.CellValue): Value {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.getTime() / 86_400_000 + 25_569;
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('result' in value) return valueOf(value.result as ExcelJS.CellValue);
  return String(value);
}

/**
 * What Excel does when a user opens an .xlsx: the stand-in gets its sheets (names, visibility,
 * cells with their number formats) and its tables, in place of the blank workbook it starts with.
 */
export async function openXlsx(book: FakeWorkbook, bytes: Uint8Array): Promise<void> {
  const file = new ExcelJS.Workbook();
  await file.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  const blank = book.sheets[0]!;
  for (const worksheet of file.worksheets) {
    const sheet = book.addSheet(worksheet.name);
    worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) =>
      row.eachCell({ includeEmpty: false }, (cell, columnNumber) => {
        const target = sheet.cell(rowNumber - 1, columnNumber - 1);
        target.value = valueOf(cell.value);
        target.numberFormat = cell.numFmt ?? 'General';
      }),
    );
    for (const { table } of Object.values((worksheet as unknown as { tables: Record<string, { table: { name: string; tableRef: string } }> }).tables)) {
      const [from, to] = table.tableRef.split(':').map((address) => worksheet.getCell(address!));
      const top = Number(from!.row) - 1;
      const left = Number(from!.col) - 1;
      const created = book.createTable({ sheet, row: top, column: left, rows: Number(to!.row) - top, columns: Number(to!.col) - left }, true);
      created.name = table.name;
    }
  }
  book.deleteSheet(blank);
  book.sheets.forEach((sheet, index) => (sheet.visibility = VISIBILITY[file.worksheets[index]!.state as keyof typeof VISIBILITY] ?? 'Visible'));
  book.active = book.sheets[0]!;
}
