import { TREND_CATEGORY, TREND_TITLE, TREND_VALUE, hatStichtag, trendTable, verlauf } from './trend.ts';
import type { ProgressResponse, ProgressTable, TrendResponse } from './types.ts';

/** The two columns of the server's progress tables the chart needs; every other column is shown as it comes. */
export const CATEGORY_KEY = 'name';
export const SHARE_KEY = 'anteil_ab_reifegrad_3';
export const REPORT_SHEET = 'Fortschritt';
export const SHARE_TITLE = 'Anteil ab Reifegrad 3 (OZG-erfüllt)';

/**
 * The progress table the chart shows: per Themenfeld, or, once one Themenfeld is chosen, per
 * OZG-Leistung of it (a single bar would say little).
 */
export function chartTable(report: ProgressResponse): ProgressTable {
  return report.filter.themenfeld ? report.leistungen : report.themenfelder;
}

export interface Bar {
  name: string;
  /** 0 to 1. */
  share: number;
}

export function bars(table: ProgressTable): Bar[] {
  return table.zeilen.map((zeile) => ({ name: String(zeile[CATEGORY_KEY] ?? ''), share: Number(zeile[SHARE_KEY] ?? 0) }));
}

/** What "In Excel ausgeben" writes: a table as the server describes it, and a bar chart over two of its columns. */
export interface ProgressReport {
  /** The worksheet's name; a sheet of the user's with that name is left alone. */
  sheet: string;
  title: string;
  subtitle: string;
  table: ProgressTable;
  chart: { title: string; category: string; value: string };
  /** The same selection per Stichtag and today, for a line chart; absent before the first Stichtag. */
  trend?: { table: ProgressTable; chart: { title: string; category: string; value: string } };
}

export function progressReport(report: ProgressResponse, trend?: TrendResponse | null): ProgressReport {
  const table = chartTable(report);
  return {
    sheet: REPORT_SHEET,
    title: table.titel,
    subtitle: report.untertitel,
    table,
    chart: { title: SHARE_TITLE, category: CATEGORY_KEY, value: SHARE_KEY },
    ...(trend && hatStichtag(trend)
      ? { trend: { table: trendTable(verlauf(trend)), chart: { title: TREND_TITLE, category: TREND_CATEGORY, value: TREND_VALUE } } }
      : {}),
  };
}
