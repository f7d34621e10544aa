import { beforeEach, describe, vi } from 'vitest';
import { writeSheet } from '../../../addin/src/excel/index.ts';
import type { CellValue, Column, PullResponse, SheetRow } from '../../../core/index.ts';
import type { Binding } from '../../../core/workbook.ts';
import { FakeWorkbook, MINIMUM_API, NEWEST_API } from './fake-excel.ts';

export const STATUS = ['offen', 'in Planung', 'in Umsetzung', 'online', 'Ja, teilweise'];
export const ANBIETER = ['ITEBO', 'KDN', 'regio iT'];

/** Shaped like the kommune-status sheet: read-only catalogue columns, then what a Kommune edits. */
export const COLUMNS: Column[] = [
  { key: 'ozg_id', label: 'OZG-ID', type: 'text', editable: false },
  { key: 'leistung', label: 'Leistung', type: 'text', editable: false },
  { key: 'status', label: 'Status', type: 'enum', editable: true, values: STATUS },
  { key: 'reifegrad', label: 'Reifegrad', type: 'number', editable: true },
  { key: 'zieltermin', label: 'Zieltermin', type: 'date', editable: true },
  { key: 'anbieter', label: 'Anbieter', type: 'enum[]', editable: true, values: ANBIETER },
  { key: 'online', label: 'Online-Dienst', type: 'boolean', editable: true },
  { key: 'url', label: 'URL', type: 'url', editable: true },
  { key: 'bemerkung', label: 'Bemerkung', type: 'text', editable: true },
];

export function sheetRow(i: number, values: Partial<Record<string, CellValue>> = {}): SheetRow {
  return {
    id: `id-${String(i).padStart(5, '0')}`,
    version: 1 + (i % 7),
    values: {
      ozg_id: `OZG-${1000 + i}`,
      leistung: `Leistung ${i}`,
      status: STATUS[i % STATUS.length]!,
      reifegrad: i % 4,
      zieltermin: `2026-${String(1 + (i % 12)).padStart(2, '0')}-15`,
      anbieter: i % 3 === 0 ? [] : [ANBIETER[i % 3]!],
      online: i % 2 === 0,
      url: i % 5 === 0 ? null : `https://dienste.example.de/${i}`,
      bemerkung: i % 4 === 0 ? null : `Bemerkung zu ${i}`,
      ...values,
    },
  };
}

export function pullOf(rows: SheetRow[], columns: Column[] = COLUMNS): PullResponse {
  return { kind: 'kommune-status', scope: '05315000', columns, rows, deleted: [], cursor: 'cursor-1' };
}

export const rowsUpTo = (count: number, values?: (i: number) => Partial<Record<string, CellValue>>) =>
  Array.from({ length: count }, (_, i) => sheetRow(i, values?.(i)));

export const NEW_BINDING = {
  kind: 'kommune-status',
  scope: '05315000',
  server: 'https://ozg.example.de',
  cursor: 'cursor-1',
  title: 'Köln: Status der OZG-Leistungen',
  columns: COLUMNS,
};

/** The lowest host the manifest admits and the newest one: every Excel-layer test runs on both. */
export const API_LEVELS = [MINIMUM_API, NEWEST_API] as const;
let level: string = NEWEST_API;

export function atEveryApiLevel(suite: () => void): void {
  describe.each(API_LEVELS)('on a host with ExcelApi %s', (version) => {
    beforeEach(() => {
      level = version;
    });
    suite();
  });
}

/** A fresh workbook with the Office global answering for its API version (by default the level of the suite running). */
export function workbook(apiVersion: string = level): FakeWorkbook {
  const book = new FakeWorkbook(apiVersion);
  vi.stubGlobal('Office', book.office());
  return book;
}

export async function pulled(book: FakeWorkbook, rows: SheetRow[], columns: Column[] = COLUMNS): Promise<Binding> {
  return writeSheet(book.context(), pullOf(rows, columns), { ...NEW_BINDING, columns });
}
