import { describe, expect, it } from 'vitest';
import { bars, chartTable, progressReport } from '../../../addin/src/review/progress.ts';
import type { ProgressResponse, ProgressTable } from '../../../addin/src/review/types.ts';

const table = (titel: string, zeilen: ProgressTable['zeilen']): ProgressTable => ({
  titel,
  spalten: [
    { key: 'name', label: 'Name', type: 'text' },
    { key: 'anteil_ab_reifegrad_3', label: 'Anteil ab Reifegrad 3', type: 'percent' },
  ],
  zeilen,
});

const response = (filter: ProgressResponse['filter']): ProgressResponse => ({
  stand: '2026-11-29T09:15:00.000Z',
  stichtag: null,
  filter,
  untertitel: 'Ganz NRW · Stand 29.11.2026, 10:15 · OZG-erfüllt ab Reifegrad 3',
  themenfelder: table('Fortschritt je Themenfeld', [{ name: 'Mobilität & Reisen', anteil_ab_reifegrad_3: 0.25 }]),
  leistungen: table('Fortschritt je OZG-Leistung', [
    { name: 'Führerschein', anteil_ab_reifegrad_3: 0.1 },
    { name: 'Reisepass', anteil_ab_reifegrad_3: null },
  ]),
  kommunen: table('Fortschritt je Kommune', []),
  meldungen: null,
  kreise: table('Bundeskennzahlen je Kreis', []),
});

describe('progress for the chart and the workbook', () => {
  it('charts the Themenfelder, or the Leistungen of the one chosen', () => {
    expect(chartTable(response({ themenfeld: null, kreis: 'Mettmann' })).titel).toBe('Fortschritt je Themenfeld');
    expect(chartTable(response({ themenfeld: 'Mobilität & Reisen', kreis: null })).titel).toBe('Fortschritt je OZG-Leistung');
  });

  it('takes name and share from each row, a share the server leaves empty as none', () => {
    expect(bars(response({ themenfeld: 'Mobilität & Reisen', kreis: null }).leistungen)).toEqual([
      { name: 'Führerschein', share: 0.1 },
      { name: 'Reisepass', share: 0 },
    ]);
  });

  it('hands the workbook the charted table whole, with the columns the chart needs', () => {
    const report = progressReport(response({ themenfeld: null, kreis: null }));
    expect(report).toEqual({
      sheet: 'Fortschritt',
      title: 'Fortschritt je Themenfeld',
      subtitle: 'Ganz NRW · Stand 29.11.2026, 10:15 · OZG-erfüllt ab Reifegrad 3',
      table: response({ themenfeld: null, kreis: null }).themenfelder,
      chart: { title: 'Anteil ab Reifegrad 3 (OZG-erfüllt)', category: 'name', value: 'anteil_ab_reifegrad_3' },
    });
  });
});
