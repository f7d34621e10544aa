import type { ProgressReport } from '../review/progress.ts';
import type { ExcelValue } from '../../../core/index.ts';
import type { ProgressTable } from '../review/types.ts';
import { zeit } from '../ui/format.ts';
import { replaceTableSheet } from './sheets.ts';

export const REPORT_TABLE = 'OZG_Fortschritt';
export const TREND_TABLE = 'OZG_Verlauf';

// An instant is written as German text: a date serial would need Excel's time zone, which it has none of.
const NUMBER_FORMATS = { text: '@', number: '0', percent: '0.0%', zeitpunkt: '@' } as const;
/** Points per bar and for title and axis: the chart grows with its categories instead of squeezing them. */
const CHART_WIDTH = 520;
const BAR_HEIGHT = 22;
const CHART_FRAME = 70;
/** Excel's default row height in points, to place the table below the chart. */
const ROW_HEIGHT = 15;
const CHART_TOP_ROW = 3;
/** A few Stichtage side by side need no more height than this. */
const LINE_CHART_HEIGHT = 240;

function columnOf(table: ProgressTable, key: string): number {
  const position = table.spalten.findIndex((spalte) => spalte.key === key);
  if (position < 0) throw new Error(`Der Bericht „${table.titel}“ hat keine Spalte „${key}“ für das Diagramm.`);
  return position;
}

/** A table as the server describes it, header at headerRow, each column formatted as typed; gives its body's row count. */
function writeTable(sheet: Excel.Worksheet, headerRow: number, table: ProgressTable, name: string): number {
  const { spalten, zeilen } = table;
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
      spalten.map((spalte): ExcelValue => {
        const value = zeile[spalte.key] ?? '';
        return spalte.type === 'zeitpunkt' && typeof value === 'string' && value ? zeit(value) : value;
      }),
    );
  }
  sheet.tables.add(sheet.getRangeByIndexes(headerRow, 0, bodyRows + 1, spalten.length), true).name = name;
  sheet.getRangeByIndexes(headerRow, 0, bodyRows + 1, spalten.length).format.autofitColumns();
  return bodyRows;
}

function writeHeading(sheet: Excel.Worksheet, row: number, text: string): void {
  const heading = sheet.getRangeByIndexes(row, 0, 1, 1);
  heading.values = [[text]];
  heading.format.font.bold = true;
  heading.format.font.size = 14;
}

/**
 * Writes a progress report to its own worksheet, replacing the previous report: title, a native
 * bar chart of one column over another, and below it the whole table as an Excel table, each
 * column formatted as the server types it; then, once there is a Stichtag, the trend the same
 * way as a native line chart over its own table. The largest report (every OZG-Leistung, some twenty
 * columns) stays far below a batch's limit, so the sheet is written in one batch after the lookup.
 */
export async function writeReport(context: Excel.RequestContext, report: ProgressReport): Promise<string> {
  const category = columnOf(report.table, report.chart.category);
  const value = columnOf(report.table, report.chart.value);
  const trend = report.trend && {
    ...report.trend,
    category: columnOf(report.trend.table, report.trend.chart.category),
    value: columnOf(report.trend.table, report.trend.chart.value),
  };
  const { sheet, name } = await replaceTableSheet(context, REPORT_TABLE, report.sheet);

  writeHeading(sheet, 0, report.title);
  sheet.getRangeByIndexes(1, 0, 1, 1).values = [[report.subtitle]];

  const chartHeight = CHART_FRAME + BAR_HEIGHT * Math.max(report.table.zeilen.length, 1);
  const headerRow = CHART_TOP_ROW + Math.ceil(chartHeight / ROW_HEIGHT) + 1;
  const bodyRows = writeTable(sheet, headerRow, report.table, REPORT_TABLE);

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

  if (trend) {
    const headingRow = headerRow + bodyRows + 3;
    writeHeading(sheet, headingRow, trend.table.titel);
    const lineTop = headingRow + 2;
    const trendHeader = lineTop + Math.ceil(LINE_CHART_HEIGHT / ROW_HEIGHT) + 1;
    const trendRows = writeTable(sheet, trendHeader, trend.table, TREND_TABLE);
    // LineMarkers, a chart type of ExcelApi 1.1 (Excel.ChartType; ChartCollection.add, OfficeDev/office-js-docs-pr
    // excel/resources/chartcollection.md): a marker on every Stichtag, so that each survey stands out on the line.
    const line = sheet.charts.add('LineMarkers', sheet.getRangeByIndexes(trendHeader, trend.value, trendRows + 1, 1), 'Columns');
    line.series.getItemAt(0).setXAxisValues(sheet.getRangeByIndexes(trendHeader + 1, trend.category, trendRows, 1));
    line.name = TREND_TABLE;
    line.title.text = trend.chart.title;
    line.legend.visible = false;
    line.axes.valueAxis.minimum = 0;
    line.axes.valueAxis.maximum = 1;
    line.axes.valueAxis.numberFormat = '0%';
    line.dataLabels.showValue = true;
    line.dataLabels.numberFormat = '0.0%';
    line.setPosition(sheet.getRangeByIndexes(lineTop, 0, 1, 1));
    line.width = CHART_WIDTH;
    line.height = LINE_CHART_HEIGHT;
  }
  sheet.activate();
  await context.sync();
  return name;
}
