import ExcelJS from 'exceljs';
import { addLineChart } from '../xlsx/chart.ts';
import { LINE_HEIGHT, headerWidth, printLandscape, titleFont, wrapHeader, wrappedLines } from '../xlsx/print.ts';
import type { ProgressResponse, ProgressTable } from './contract.ts';
import type { TrendResponse, Zeitpunkt } from './trend.ts';

const SHEETS = [
  ['themenfelder', 'Themenfelder'],
  ['leistungen', 'OZG-Leistungen'],
  ['kommunen', 'Kommunen'],
  ['kreise', 'Kreise'],
] as const;
export const VERLAUF_SHEET = 'Verlauf';
const HEADER_ROW = 3;
/** Names wrap beyond this width, so that a long Leistung does not push the figures off the page. */
const NAME_WIDTH = 42;

/**
 * An instant as the wall-clock time in Germany: Excel's dates carry no time zone and ExcelJS
 * writes a Date by its UTC fields, so the UTC fields are set to Berlin's local time.
 */
function berlinWallClock(iso: string): Date {
  const teile = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(new Date(iso))
      .map((teil) => [teil.type, Number(teil.value)]),
  );
  return new Date(Date.UTC(teile.year!, teile.month! - 1, teile.day!, teile.hour!, teile.minute!, teile.second!));
}
const ZEITPUNKT_FORMAT = 'dd.mm.yyyy hh:mm';

function titleRows(sheet: ExcelJS.Worksheet, titel: string, untertitel: string) {
  sheet.getCell('A1').value = titel;
  sheet.getCell('A1').font = titleFont;
  sheet.getCell('A2').value = untertitel;
}

function addTable(workbook: ExcelJS.Workbook, name: string, table: ProgressTable, untertitel: string) {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: HEADER_ROW }] });
  titleRows(sheet, table.titel, untertitel);
  table.spalten.forEach((spalte, i) => {
    const longest = Math.max(0, ...table.zeilen.map((zeile) => String(zeile[spalte.key] ?? '').length));
    sheet.getColumn(i + 1).width =
      spalte.type === 'text'
        ? Math.min(NAME_WIDTH, Math.max(headerWidth(spalte.label, 8), longest + 2))
        : headerWidth(spalte.label, spalte.type === 'zeitpunkt' ? ZEITPUNKT_FORMAT.length + 2 : 8);
  });
  const header = sheet.getRow(HEADER_ROW);
  table.spalten.forEach((spalte, i) => (header.getCell(i + 1).value = spalte.label));
  wrapHeader(sheet, HEADER_ROW, table.spalten.map((spalte) => spalte.label));
  for (const zeile of table.zeilen) {
    const row = sheet.addRow(
      table.spalten.map((s) => {
        const value = zeile[s.key] ?? null;
        return s.type === 'zeitpunkt' && typeof value === 'string' ? berlinWallClock(value) : value;
      }),
    );
    let lines = 1;
    // per cell: LibreOffice ignores a column's format for cells that carry their own style
    table.spalten.forEach((spalte, i) => {
      if (spalte.type === 'percent') row.getCell(i + 1).numFmt = '0.0%';
      if (spalte.type === 'zeitpunkt') row.getCell(i + 1).numFmt = ZEITPUNKT_FORMAT;
      if (spalte.type === 'text') {
        row.getCell(i + 1).alignment = { wrapText: true, vertical: 'top' };
        lines = Math.max(lines, wrappedLines(String(zeile[spalte.key] ?? ''), sheet.getColumn(i + 1).width! - 1));
      }
    });
    if (lines > 1) row.height = lines * LINE_HEIGHT;
  }
  sheet.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: HEADER_ROW, column: table.spalten.length } };
  printLandscape(sheet, HEADER_ROW);
}

const germanDate = (iso: string) => iso.slice(0, 10).split('-').reverse().join('.');
/** A Stichtag by its name, with its date unless the name already says it ("Erhebung 01.01.2026"). */
const zeitpunktLabel = (punkt: Zeitpunkt) =>
  punkt.stichtag
    ? punkt.stichtag.bezeichnung.includes(germanDate(punkt.stichtag.datum))
      ? punkt.stichtag.bezeichnung
      : `${punkt.stichtag.bezeichnung} (${germanDate(punkt.stichtag.datum)})`
    : `heute (${new Date(punkt.stand).toLocaleDateString('de-DE', { timeZone: 'Europe/Berlin', day: '2-digit', month: '2-digit', year: 'numeric' })})`;

const columnLetter = (index: number) => {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
};

/**
 * The trend as a table (a row per Themenfeld, a column per Stichtag and today) and, from the first
 * Stichtag on, a native line chart of the share at the OZG threshold drawn from that table.
 */
function addVerlauf(workbook: ExcelJS.Workbook, trend: TrendResponse, filter: ProgressResponse['filter']) {
  const sheet = workbook.addWorksheet(VERLAUF_SHEET);
  const bereich = [filter.themenfeld && `Themenfeld ${filter.themenfeld}`, filter.kreis && `Kreis ${filter.kreis}`].filter(Boolean).join(', ');
  titleRows(sheet, 'Verlauf: Anteil OZG-konform je Themenfeld, je Stichtag und heute', `${bereich || 'Ganz NRW'} · alle Stichtage und heute`);
  const labels = ['Themenfeld', ...trend.zeitpunkte.map(zeitpunktLabel)];
  labels.forEach((label, i) => (sheet.getColumn(i + 1).width = i === 0 ? NAME_WIDTH : Math.max(14, headerWidth(label, 14))));
  const header = sheet.getRow(HEADER_ROW);
  labels.forEach((label, i) => (header.getCell(i + 1).value = label));
  wrapHeader(sheet, HEADER_ROW, labels);
  for (const reihe of trend.themenfelder) {
    const row = sheet.addRow([reihe.name, ...reihe.werte.map((wert) => wert?.anteilOzgKonform ?? null)]);
    reihe.werte.forEach((_, i) => (row.getCell(i + 2).numFmt = '0.0%'));
  }
  const lastRow = HEADER_ROW + trend.themenfelder.length;
  const hasStichtag = trend.zeitpunkte.some((punkt) => punkt.stichtag !== null);
  sheet.getCell(lastRow + 2, 1).value = hasStichtag
    ? 'OZG-konform: ab der Schwelle des jeweiligen Reifegradmodells (Blatt Reifegrade der Statustabellen); leere Zellen: damals keine gezählte Zeile.'
    : 'Noch kein Stichtag gesetzt – der Verlauf beginnt mit dem ersten Stichtag.';
  printLandscape(sheet, null);
  if (!hasStichtag || trend.themenfelder.length === 0) return null;

  const lastCol = columnLetter(trend.zeitpunkte.length);
  return {
    sheet: VERLAUF_SHEET,
    title: 'Anteil OZG-konform je Themenfeld',
    valueAxisTitle: 'Anteil OZG-konform',
    categoryRange: `B${HEADER_ROW}:${lastCol}${HEADER_ROW}`,
    categories: labels.slice(1),
    valueFormat: '0%',
    series: trend.themenfelder.map((reihe, i) => ({
      nameCell: `A${HEADER_ROW + 1 + i}`,
      name: reihe.name,
      valueRange: `B${HEADER_ROW + 1 + i}:${lastCol}${HEADER_ROW + 1 + i}`,
      values: reihe.werte.map((wert) => wert?.anteilOzgKonform ?? null),
    })),
    // Below the table and its note, as wide as a landscape page: the sheet prints on one.
    anchor: { fromCol: 0, fromRow: lastRow + 3, toCol: Math.max(labels.length, 5), toRow: lastRow + 27 },
  };
}

/**
 * The progress report as a workbook: the trend with its chart first, then one sheet per table,
 * numbers as numbers, shares as percentages, every sheet set up to print on landscape pages as
 * wide as the table.
 */
export async function progressWorkbook(report: ProgressResponse, trend: TrendResponse): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'OZG-Sync';
  const chart = addVerlauf(workbook, trend, report.filter);
  for (const [key, name] of SHEETS) addTable(workbook, name, report[key], report.untertitel);
  const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
  return chart ? addLineChart(bytes, chart) : bytes;
}
