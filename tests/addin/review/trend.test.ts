import { describe, expect, it } from 'vitest';
import { progressReport } from '../../../addin/src/review/progress.ts';
import { hatStichtag, trendTable, verlauf } from '../../../addin/src/review/trend.ts';
import type { ProgressResponse, TrendResponse } from '../../../addin/src/review/types.ts';

const wert = (zeilen: number, online: number, ozgKonform: number) => ({ zeilen, online, ozgKonform, anteilOzgKonform: zeilen ? ozgKonform / zeilen : null });

/** Two Stichtage and today over two Themenfelder; Bildung had no counted row at the first Stichtag. */
const TREND: TrendResponse = {
  zeitpunkte: [
    { stichtag: { id: 1, datum: '2026-01-01', bezeichnung: 'Erhebung 01.01.2026' }, stand: '2026-01-01T08:00:00.000Z' },
    { stichtag: { id: 2, datum: '2026-07-01', bezeichnung: 'Erhebung 01.07.2026' }, stand: '2026-07-01T08:00:00.000Z' },
    { stichtag: null, stand: '2026-11-29T09:15:00.000Z' },
  ],
  themenfelder: [
    { schluessel: '9', name: 'Mobilität & Reisen', ozgId: null, werte: [wert(30, 4, 3), wert(30, 9, 6), wert(30, 15, 12)] },
    { schluessel: '3', name: 'Bildung', ozgId: null, werte: [null, wert(10, 2, 0), wert(10, 5, 4)] },
  ],
  leistungen: [],
};

describe('the trend for the line chart', () => {
  it('sums the Themenfelder per Zeitpunkt into the selection’s share, the Stichtage first and today last', () => {
    expect(verlauf(TREND)).toEqual([
      { heute: false, bezeichnung: 'Erhebung 01.01.2026', datum: '01.01.2026', zeilen: 30, online: 4, ozgKonform: 3, anteil: 0.1 },
      // 6 + 0 of 30 + 10
      { heute: false, bezeichnung: 'Erhebung 01.07.2026', datum: '01.07.2026', zeilen: 40, online: 11, ozgKonform: 6, anteil: 0.15 },
      // 12 + 4 of 40
      { heute: true, bezeichnung: 'heute', datum: '29.11.2026', zeilen: 40, online: 20, ozgKonform: 16, anteil: 0.4 },
    ]);
  });

  it('has no share where the selection counted no row, rather than 0 %', () => {
    const leer: TrendResponse = { ...TREND, themenfelder: [{ ...TREND.themenfelder[1]!, werte: [null, null, wert(10, 5, 4)] }] };
    expect(verlauf(leer).map((punkt) => punkt.anteil)).toEqual([null, null, 0.4]);
  });

  it('knows there is no trend while today is the only Zeitpunkt', () => {
    expect(hatStichtag(TREND)).toBe(true);
    expect(hatStichtag({ ...TREND, zeitpunkte: TREND.zeitpunkte.slice(2), themenfelder: [] })).toBe(false);
  });

  it('puts the trend into the workbook report only once there is a Stichtag', () => {
    const progress = { untertitel: 'Ganz NRW', filter: { themenfeld: null, kreis: null }, themenfelder: { titel: 'Fortschritt je Themenfeld', spalten: [], zeilen: [] } } as unknown as ProgressResponse;
    expect(progressReport(progress, TREND).trend).toEqual({
      table: trendTable(verlauf(TREND)),
      chart: { title: 'Verlauf: Anteil OZG-konform je Stichtag', category: 'zeitpunkt', value: 'anteil' },
    });
    expect(trendTable(verlauf(TREND)).zeilen[1]).toEqual({ zeitpunkt: 'Erhebung 01.07.2026', datum: '01.07.2026', zeilen: 40, online: 11, ozg_konform: 6, anteil: 0.15 });
    expect(progressReport(progress, { ...TREND, zeitpunkte: TREND.zeitpunkte.slice(2), themenfelder: [] }).trend).toBeUndefined();
    expect(progressReport(progress).trend).toBeUndefined();
  });
});
