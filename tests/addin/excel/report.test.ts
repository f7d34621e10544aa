import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPORT_TABLE, TREND_TABLE, writeReport } from '../../../addin/src/excel/index.ts';
import type { ProgressReport } from '../../../addin/src/review/progress.ts';
import type { ProgressTable } from '../../../addin/src/review/types.ts';
import { pulled, rowsUpTo, workbook, atEveryApiLevel } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

/** Shaped like the server's table per Kommune: an AGS that must stay text, counts, a share. */
const KOMMUNEN: ProgressTable = {
  titel: 'Fortschritt je Kommune',
  spalten: [
    { key: 'schluessel', label: 'AGS', type: 'text' },
    { key: 'name', label: 'Kommune', type: 'text' },
    { key: 'zeilen', label: 'OZG-Leistungen', type: 'number' },
    { key: 'ab_reifegrad_3', label: 'ab Reifegrad 3', type: 'number' },
    { key: 'anteil_ab_reifegrad_3', label: 'Anteil ab Reifegrad 3', type: 'percent' },
  ],
  zeilen: [
    { schluessel: '05315000', name: 'Köln, Stadt', zeilen: 46, ab_reifegrad_3: 23, anteil_ab_reifegrad_3: 0.5 },
    { schluessel: '05158024', name: 'Mettmann, Stadt', zeilen: 46, ab_reifegrad_3: 0, anteil_ab_reifegrad_3: 0 },
    { schluessel: '05166012', name: 'Kempen, Stadt', zeilen: 46, ab_reifegrad_3: null, anteil_ab_reifegrad_3: null },
  ],
};

const report = (table: ProgressTable = KOMMUNEN): ProgressReport => ({
  sheet: 'Fortschritt',
  title: table.titel,
  subtitle: 'Ganz NRW · Stand 29.11.2026, 10:15 · OZG-erfüllt ab Reifegrad 3',
  table,
  chart: { title: 'Anteil ab Reifegrad 3 (OZG-erfüllt)', category: 'name', value: 'anteil_ab_reifegrad_3' },
});

/** Two Stichtage and today, as the add-in's trendTable shapes them: 12 then 23 of 92 rows, today 46 with one row no longer counted. */
const VERLAUF: ProgressTable = {
  titel: 'Verlauf: Anteil OZG-konform je Stichtag',
  spalten: [
    { key: 'zeitpunkt', label: 'Zeitpunkt', type: 'text' },
    { key: 'datum', label: 'Datum', type: 'text' },
    { key: 'zeilen', label: 'Einträge', type: 'number' },
    { key: 'ozg_konform', label: 'OZG-konform', type: 'number' },
    { key: 'anteil', label: 'Anteil OZG-konform', type: 'percent' },
  ],
  zeilen: [
    { zeitpunkt: 'Erhebung 01.01.2026', datum: '01.01.2026', zeilen: 92, ozg_konform: 12, anteil: 0.13 },
    { zeitpunkt: 'Erhebung 01.07.2026', datum: '01.07.2026', zeilen: 92, ozg_konform: 23, anteil: 0.25 },
    { zeitpunkt: 'heute', datum: '29.11.2026', zeilen: 91, ozg_konform: 46, anteil: 0.5 },
  ],
};

const withTrend = (table: ProgressTable = VERLAUF): ProgressReport => ({
  ...report(),
  trend: { table, chart: { title: 'Verlauf: Anteil OZG-konform je Stichtag', category: 'zeitpunkt', value: 'anteil' } },
});

atEveryApiLevel(() => {
  describe('writeReport', () => {
    it('writes the table as the server describes it: labels, values, a format per column type', async () => {
      const book = workbook();
      expect(await writeReport(book.context(), report())).toBe('Fortschritt');

      const sheet = book.sheet('Fortschritt');
      expect(book.active).toBe(sheet);
      expect(sheet.value(0, 0)).toBe('Fortschritt je Kommune');
      expect(sheet.peek(0, 0)!.format).toMatchObject({ 'font.bold': true, 'font.size': 14 });
      expect(sheet.value(1, 0)).toMatch(/^Ganz NRW · Stand/);
      expect(book.rows(REPORT_TABLE)).toEqual([
        ['AGS', 'Kommune', 'OZG-Leistungen', 'ab Reifegrad 3', 'Anteil ab Reifegrad 3'],
        ['05315000', 'Köln, Stadt', 46, 23, 0.5],
        ['05158024', 'Mettmann, Stadt', 46, 0, 0],
        ['05166012', 'Kempen, Stadt', 46, '', ''],
      ]);
      const { top } = book.table(REPORT_TABLE);
      expect([0, 1, 2, 3, 4].map((column) => sheet.peek(top + 1, column)!.numberFormat)).toEqual(['@', '@', '0', '0', '0.0%']);
      expect(sheet.peek(top, 0)!.numberFormat).toBe('@');
    });

    it('draws a native bar chart of the share per name, above the table, the first row on top', async () => {
      const book = workbook();
      await writeReport(book.context(), report());

      expect(book.charts).toHaveLength(1);
      const [chart] = book.charts;
      expect(chart!.type).toBe('BarClustered');
      expect(chart!.seriesBy).toBe('Columns');
      expect(book.chartData(chart!)).toEqual({
        series: 'Anteil ab Reifegrad 3',
        values: [0.5, 0, ''],
        categories: ['Köln, Stadt', 'Mettmann, Stadt', 'Kempen, Stadt'],
      });
      expect(chart!.settings).toMatchObject({
        'title.text': 'Anteil ab Reifegrad 3 (OZG-erfüllt)',
        'legend.visible': false,
        'axes.categoryAxis.reversePlotOrder': true,
        'axes.valueAxis.minimum': 0,
        'axes.valueAxis.maximum': 1,
        'axes.valueAxis.numberFormat': '0%',
        'dataLabels.numberFormat': '0.0%',
      });
      const height = chart!.settings.height as number;
      expect(chart!.anchor).toEqual({ row: 3, column: 0 });
      // the table starts below the chart at Excel's default row height of 15 points
      expect(book.table(REPORT_TABLE).top * 15).toBeGreaterThan(3 * 15 + height);
    });

    it('gives a report with more rows a taller chart', async () => {
      const book = workbook();
      await writeReport(book.context(), report({ ...KOMMUNEN, zeilen: KOMMUNEN.zeilen.slice(0, 1) }));
      const small = book.charts[0]!.settings.height as number;
      await writeReport(book.context(), report());
      expect(book.charts[0]!.settings.height).toBeGreaterThan(small);
    });

    it('replaces the previous report in its place, keeping the data sheet and the user’s sheets', async () => {
      const book = workbook();
      await pulled(book, rowsUpTo(2));
      await writeReport(book.context(), report());
      book.addSheet('Notizen');
      await writeReport(book.context(), report({ ...KOMMUNEN, zeilen: KOMMUNEN.zeilen.slice(0, 2) }));

      expect(book.sheets.map((sheet) => sheet.name)).toEqual(['Tabelle1', 'Köln- Status der OZG-Leistungen', 'OZG-Sync-Listen', 'Fortschritt', 'Notizen']);
      expect(book.rows(REPORT_TABLE)).toHaveLength(3);
      expect(book.charts).toHaveLength(1);
      expect(book.rows()).toHaveLength(3);
    });

    it('leaves a sheet of the user’s named „Fortschritt“ alone', async () => {
      const book = workbook();
      book.addSheet('Fortschritt').cell(0, 0).value = 'meine Auswertung';
      expect(await writeReport(book.context(), report())).toBe('Fortschritt (2)');
      expect(book.sheet('Fortschritt').value(0, 0)).toBe('meine Auswertung');
      expect(book.table(REPORT_TABLE).sheet.name).toBe('Fortschritt (2)');
    });

    it('takes two syncs for a new report and three for a replacement, however many rows', async () => {
      const book = workbook();
      const many = { ...KOMMUNEN, zeilen: Array.from({ length: 400 }, (_, i) => ({ ...KOMMUNEN.zeilen[0]!, schluessel: `05${String(i).padStart(6, '0')}` })) };
      expect((await book.measure((context) => writeReport(context, report(many)))).syncs).toHaveLength(2);
      expect((await book.measure((context) => writeReport(context, report(many)))).syncs).toHaveLength(3);
      expect(book.table(REPORT_TABLE).rowCount).toBe(400);
    });

    it('writes an empty table with its one empty row and still a chart', async () => {
      const book = workbook();
      await writeReport(book.context(), report({ ...KOMMUNEN, zeilen: [] }));
      expect(book.rows(REPORT_TABLE)).toEqual([KOMMUNEN.spalten.map((s) => s.label), ['', '', '', '', '']]);
      expect(book.charts).toHaveLength(1);
    });

    it('adds no line chart before the first Stichtag', async () => {
      const book = workbook();
      await writeReport(book.context(), report());
      expect(book.findTable(TREND_TABLE)).toBeUndefined();
      expect(book.charts.map((chart) => chart.type)).toEqual(['BarClustered']);
    });

    it('adds the trend below the report: its table and a native line chart of the share per Zeitpunkt, between the two tables', async () => {
      const book = workbook();
      await writeReport(book.context(), withTrend());

      expect(book.rows(TREND_TABLE)).toEqual([
        ['Zeitpunkt', 'Datum', 'Einträge', 'OZG-konform', 'Anteil OZG-konform'],
        ['Erhebung 01.01.2026', '01.01.2026', 92, 12, 0.13],
        ['Erhebung 01.07.2026', '01.07.2026', 92, 23, 0.25],
        ['heute', '29.11.2026', 91, 46, 0.5],
      ]);
      const trend = book.table(TREND_TABLE);
      const sheet = book.sheet('Fortschritt');
      // a German date typed into a General cell would turn into a number; the column is text
      expect([0, 1, 2, 3, 4].map((column) => sheet.peek(trend.top + 1, column)!.numberFormat)).toEqual(['@', '@', '0', '0', '0.0%']);
      expect(trend.sheet).toBe(sheet);

      const [, line] = book.charts;
      expect(line!.type).toBe('LineMarkers');
      expect(line!.seriesBy).toBe('Columns');
      expect(book.chartData(line!)).toEqual({
        series: 'Anteil OZG-konform',
        values: [0.13, 0.25, 0.5],
        categories: ['Erhebung 01.01.2026', 'Erhebung 01.07.2026', 'heute'],
      });
      expect(line!.settings).toMatchObject({
        'title.text': 'Verlauf: Anteil OZG-konform je Stichtag',
        'legend.visible': false,
        'axes.valueAxis.minimum': 0,
        'axes.valueAxis.maximum': 1,
        'axes.valueAxis.numberFormat': '0%',
        'dataLabels.showValue': true,
      });
      const report = book.table(REPORT_TABLE);
      const height = line!.settings.height as number;
      // below the report's last row, and the trend's table below the chart at 15 points a row
      expect(line!.anchor!.row).toBeGreaterThan(report.bodyTop + report.rowCount);
      expect(line!.anchor!.column).toBe(0);
      expect(trend.top * 15).toBeGreaterThan(line!.anchor!.row * 15 + height);
      expect(sheet.value(line!.anchor!.row - 2, 0)).toBe('Verlauf: Anteil OZG-konform je Stichtag');
    });

    it('keeps the syncs of a report with its trend at two, and a replacement drops the old trend with its sheet', async () => {
      const book = workbook();
      expect((await book.measure((context) => writeReport(context, withTrend()))).syncs).toHaveLength(2);
      await writeReport(book.context(), report());
      expect(book.findTable(TREND_TABLE)).toBeUndefined();
      expect(book.charts).toHaveLength(1);
    });

    it('refuses a trend without the line chart’s columns before touching the workbook', async () => {
      const book = workbook();
      await expect(writeReport(book.context(), withTrend({ ...VERLAUF, spalten: VERLAUF.spalten.slice(1) }))).rejects.toThrow(
        'Der Bericht „Verlauf: Anteil OZG-konform je Stichtag“ hat keine Spalte „zeitpunkt“ für das Diagramm.',
      );
      expect(book.syncs).toEqual([]);
    });

    it('refuses a report without the chart’s columns before touching the workbook', async () => {
      const book = workbook();
      const withoutShare = { ...KOMMUNEN, spalten: KOMMUNEN.spalten.filter((s) => s.key !== 'anteil_ab_reifegrad_3') };
      await expect(writeReport(book.context(), report(withoutShare))).rejects.toThrow(
        'Der Bericht „Fortschritt je Kommune“ hat keine Spalte „anteil_ab_reifegrad_3“ für das Diagramm.',
      );
      expect(book.syncs).toEqual([]);
    });
  });
});
