import type { ProgressTable, TrendResponse } from './types.ts';

export const TREND_TITLE = 'Verlauf: Anteil OZG-konform je Stichtag';
export const NO_STICHTAG = 'Noch kein Stichtag gesetzt – der Verlauf beginnt mit dem ersten Stichtag.';
export const HEUTE = 'heute';

/** „01.01.2026“ from „2026-01-01“, without a time zone to shift the day. */
export const datumDeutsch = (datum: string) => datum.split('-').reverse().join('.');
const HEUTIGES_DATUM = new Intl.DateTimeFormat('de-DE', { day: '2-digit', month: '2-digit', year: 'numeric' });

/** One point of the line: a Stichtag, or today last. */
export interface Verlaufspunkt {
  /** the last point, not a Stichtag */
  heute: boolean;
  bezeichnung: string;
  /** TT.MM.JJJJ: the Stichtag's date, or today's where the user is */
  datum: string;
  zeilen: number;
  online: number;
  ozgKonform: number;
  /** 0 to 1; null where the selection had no counted row then */
  anteil: number | null;
}

/**
 * The selection's whole figures per Zeitpunkt: the sum over its Themenfelder, which split the
 * counted rows between them (every OZG-Leistung belongs to one), so the share is the selection's
 * own and not an average of averages.
 */
export function verlauf(trend: TrendResponse): Verlaufspunkt[] {
  return trend.zeitpunkte.map((punkt, index) => {
    let [zeilen, online, ozgKonform] = [0, 0, 0];
    for (const reihe of trend.themenfelder) {
      const wert = reihe.werte[index];
      if (!wert) continue;
      zeilen += wert.zeilen;
      online += wert.online;
      ozgKonform += wert.ozgKonform;
    }
    return {
      heute: punkt.stichtag === null,
      bezeichnung: punkt.stichtag?.bezeichnung ?? HEUTE,
      datum: punkt.stichtag ? datumDeutsch(punkt.stichtag.datum) : HEUTIGES_DATUM.format(new Date(punkt.stand)),
      zeilen,
      online,
      ozgKonform,
      anteil: zeilen ? ozgKonform / zeilen : null,
    };
  });
}

/** Whether there is a line to draw: today alone is a point, not a trend. */
export const hatStichtag = (trend: TrendResponse) => trend.zeitpunkte.some((punkt) => punkt.stichtag !== null);


export const TREND_CATEGORY = 'zeitpunkt';
export const TREND_VALUE = 'anteil';

/** The trend as the workbook's table below the progress report, for its native line chart. */
export function trendTable(punkte: Verlaufspunkt[]): ProgressTable {
  return {
    titel: TREND_TITLE,
    spalten: [
      { key: TREND_CATEGORY, label: 'Zeitpunkt', type: 'text' },
      { key: 'datum', label: 'Datum', type: 'text' },
      { key: 'zeilen', label: 'Einträge', type: 'number' },
      { key: 'online', label: 'online', type: 'number' },
      { key: 'ozg_konform', label: 'OZG-konform', type: 'number' },
      { key: TREND_VALUE, label: 'Anteil OZG-konform', type: 'percent' },
    ],
    zeilen: punkte.map((punkt) => ({
      [TREND_CATEGORY]: punkt.bezeichnung,
      datum: punkt.datum,
      zeilen: punkt.zeilen,
      online: punkt.online,
      ozg_konform: punkt.ozgKonform,
      [TREND_VALUE]: punkt.anteil,
    })),
  };
}
