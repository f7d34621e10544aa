import type ExcelJS from 'exceljs';

/** ECMA-376 Part 1, 18.18.43 ST_PaperSize: 9 is A4. */
const A4 = 9;

/**
 * How a sheet prints: landscape A4, scaled so that every column fits the page width while the
 * rows run on over as many pages as they need (fitToHeight 0: "no limit"), the header row repeated
 * on every page, and a footer naming the sheet and the page. ExcelJS writes these as pageSetup,
 * sheetPr/pageSetUpPr fitToPage and the defined name _xlnm.Print_Titles (exceljs README, "Page
 * Setup": fitToPage, fitToWidth, fitToHeight, printTitlesRow; "Headers and Footers").
 */
export function printLandscape(sheet: ExcelJS.Worksheet, headerRow: number | null): void {
  sheet.pageSetup = {
    ...sheet.pageSetup,
    paperSize: A4,
    orientation: 'landscape',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    ...(headerRow === null ? {} : { printTitlesRow: `${headerRow}:${headerRow}` }),
    margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
  };
  sheet.headerFooter = { ...sheet.headerFooter, oddFooter: '&L&A&RSeite &P von &N' };
}

/** The lines a header cell takes when its text wraps at the column's width (in characters). */
export function wrappedLines(text: string, width: number): number {
  let lines = 1;
  let used = 0;
  for (const word of text.split(/\s+/)) {
    if (used > 0 && used + 1 + word.length > width) {
      lines++;
      used = word.length;
    } else {
      used += (used > 0 ? 1 : 0) + word.length;
    }
  }
  return lines;
}

/** Points per line of an 11-point header. Set explicitly: programs differ in how they size a row that stores no height. */
export const LINE_HEIGHT = 15;

/**
 * The workbook's own font named in full: a font without a name falls back to the reader's
 * default (a serif in LibreOffice), not to the workbook's Calibri.
 */
export const headerFont: Partial<ExcelJS.Font> = { name: 'Calibri', size: 11, bold: true };
export const titleFont: Partial<ExcelJS.Font> = { name: 'Calibri', size: 14, bold: true };

/**
 * A header row whose labels wrap within their columns instead of being cut off, bold, with the
 * height that the longest label needs.
 */
export function wrapHeader(sheet: ExcelJS.Worksheet, rowNumber: number, labels: readonly string[]): void {
  const row = sheet.getRow(rowNumber);
  let lines = 1;
  labels.forEach((label, index) => {
    const cell = row.getCell(index + 1);
    cell.alignment = { wrapText: true, vertical: 'bottom' };
    // Bold text is wider than the column's character width; keep one character in reserve.
    lines = Math.max(lines, wrappedLines(label, (sheet.getColumn(index + 1).width ?? 10) - 1));
  });
  row.font = headerFont;
  row.height = lines * LINE_HEIGHT;
}

/** A column wide enough for the label's longest word, so that a wrapped header never splits a word. */
export function headerWidth(label: string, minimum: number): number {
  return Math.max(minimum, ...label.split(/\s+/).map((word) => word.length + 2));
}
