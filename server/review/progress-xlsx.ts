import ExcelJS from 'exceljs';
import type { ProgressResponse, ProgressTable } from './contract.ts';

const SHEETS = [
  ['themenfelder', 'Themenfelder'],
  ['leistungen', 'OZG-Leistungen'],
  ['kommunen', 'Kommunen'],
  ['kreise', 'Kreise'],
] as const;

function addTable(workbook: ExcelJS.Workbook, name: string, table: ProgressTable, untertitel: string) {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 3 }] });
  sheet.getCell('A1').value = table.titel;
  sheet.getCell('A1').font = { bold: true, size: 14 };
  sheet.getCell('A2').value = untertitel;
  const header = sheet.getRow(3);
  table.spalten.forEach((spalte, i) => {
    header.getCell(i + 1).value = spalte.label;
    sheet.getColumn(i + 1).width = spalte.type === 'text' ? 36 : Math.max(10, spalte.label.length + 2);
  });
  header.font = { bold: true };
  for (const zeile of table.zeilen) {
    const row = sheet.addRow(table.spalten.map((s) => zeile[s.key] ?? null));
    // per cell: LibreOffice ignores a column's format for cells that carry their own style
    table.spalten.forEach((spalte, i) => {
      if (spalte.type === 'percent') row.getCell(i + 1).numFmt = '0.0%';
    });
  }
  sheet.autoFilter = { from: { row: 3, column: 1 }, to: { row: 3, column: table.spalten.length } };
}

/** The progress report as a workbook: one sheet per table, numbers as numbers, shares as percentages. */
export async function progressWorkbook(report: ProgressResponse): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'OZG-Sync';
  for (const [key, name] of SHEETS) addTable(workbook, name, report[key], report.untertitel);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
