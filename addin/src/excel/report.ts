import type { ProgressReport } from '../review/progress.ts';
import type { ExcelValue } from '../../../core/index.ts';
import { replaceTableSheet } from './sheets.ts';

export const REPORT_TABLE = 'OZG_Fortschritt';

const NUMBER_FORMATS = { text: '@', number: '0', percent: '0.0%' } as const;
/** Points per bar and for title and axis: the chart grows with its categories instead of squeezing them. */
const CHART_WIDTH = 520;
const BAR_HEIGHT = 22;
const CHART_FRAME = 70;
/** Excel's default row height in points, to place the table below the chart. */
const ROW_HEIGHT = 15;
const CHART_TOP_ROW = 3;

function columnOf(report: ProgressReport, key: string): number {
  const position = report.table.spalten.findIndex((spalte) => spalte.key === key);
  if (position < 0) throw new Error(`Der Bericht „${report.title}“ hat keine Spalte „${key}“ für das Diagramm.`);
  return position;
}

/**
 * Writes a progress report to its own worksheet, replacing the previous report: title, a native
 * bar chart of one column over another, and below it the whole table as an Excel table, each
 * column formatted as the server types it. The largest report (every OZG-Leistung, some twenty
 * columns) stays far below a batch's limit, so the sheet is written in one batch after the lookup.
 */
export async function writeReport(context: Excel.RequestContext, report: ProgressReport): Promise<string> {
  const category = columnOf(report, report.chart.category);
  const value = columnOf(report, report.chart.value);
  const { spalten, zeilen } = report.table;
  const { sheet, name } = await replaceTableSheet(context, REPORT_TABLE, report.sheet);

  const title = sheet.getRangeByIndexes(0, 0, 1, 1);
  title.values = [[report.title]];
  title.format.font.bold = true;
  title.format.font.size = 14;
  sheet.getRangeByIndexes(1, 0, 1, 1).values = [[report.subtitle]];

  const chartHeight = CHART_FRAME + BAR_HEIGHT * Math.max(zeilen.length, 1);
  const headerRow = CHART_TOP_ROW + Math.ceil(chartHeight / ROW_HEIGHT) + 1;
  // Excel gives a table at least one body row.
  const bodyRows = Math.max(zeilen.length, 1);
  const header = sheet.getRangeByIndexes(headerRow, 0, 1, spalten.length);
  header.numberFormat = [['@']];
  header.values = [spalten.map((spalte) => spalte.label)];
  spalten.forEach((spalte, position) => {
    sheet.getRangeByIndexes(headerRow + 1, position, bodyRows, 1).numberFormat = [[NUMBER_FORMATS[spalte.type]]];
  });
  if (zeilen.length) {
    sheet.getRangeByIndexes(headerRow + 1, 0, zeilen.length, spalten.length).values = zeilen.map((zeile) =>
      spalten.map((spalte): ExcelValue => zeile[spalte.key] ?? ''),
    );
  }
  sheet.tables.add(sheet.getRangeByIndexes(headerRow, 0, bodyRows + 1, spalten.length), true).name = REPORT_TABLE;
  sheet.getRangeByIndexes(headerRow, 0, bodyRows + 1, spalten.length).format.autofitColumns();

  const chart = sheet.charts.add('BarClustered', sheet.getRangeByIndexes(headerRow, value, bodyRows + 1, 1), 'Columns');
  chart.series.getItemAt(0).setXAxisValues(sheet.getRangeByIndexes(headerRow + 1, category, bodyRows, 1));
  chart.name = report.sheet;
  chart.title.text = report.chart.title;
  chart.legend.visible = false;
  // A bar chart draws its first category at the bottom; reversed, it reads top-down like the
  // table, and the value axis crossing at the last category keeps the percentages below.
  chart.axes.categoryAxis.reversePlotOrder = true;
  chart.axes.categoryAxis.position = 'Maximum';
  chart.axes.valueAxis.minimum = 0;
  chart.axes.valueAxis.maximum = 1;
  chart.axes.valueAxis.numberFormat = '0%';
  chart.dataLabels.showValue = true;
  chart.dataLabels.numberFormat = '0.0%';
  chart.setPosition(sheet.getRangeByIndexes(CHART_TOP_ROW, 0, 1, 1));
  chart.width = CHART_WIDTH;
  chart.height = chartHeight;
  sheet.activate();
  await context.sync();
  return name;
}
