import { SSRProvider } from '@fluentui/react-components';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Reifegradmodell, TrendResponse } from '../../../addin/src/review/types.ts';
import { ReifegradLegende, stufenHinweis } from '../../../addin/src/ui/Reifegrade.tsx';
import { geometrie, VerlaufDiagramm } from '../../../addin/src/ui/Verlauf.tsx';

const wert = (zeilen: number, online: number, ozgKonform: number) => ({ zeilen, online, ozgKonform, anteilOzgKonform: null });
const HEUTE = { stichtag: null, stand: '2026-11-29T09:15:00.000Z' };

/** 3 of 30, then 6 of 40, today 16 of 40 OZG-konform. */
const TREND: TrendResponse = {
  zeitpunkte: [
    { stichtag: { id: 1, datum: '2026-01-01', bezeichnung: 'Erhebung 01.01.2026' }, stand: '2026-01-01T08:00:00.000Z' },
    { stichtag: { id: 2, datum: '2026-07-01', bezeichnung: 'Erhebung 01.07.2026' }, stand: '2026-07-01T08:00:00.000Z' },
    HEUTE,
  ],
  themenfelder: [
    { schluessel: '9', name: 'Mobilität & Reisen', ozgId: null, werte: [wert(30, 4, 3), wert(30, 9, 6), wert(30, 15, 12)] },
    { schluessel: '3', name: 'Bildung', ozgId: null, werte: [null, wert(10, 2, 0), wert(10, 5, 4)] },
  ],
  leistungen: [],
};

const text = (html: string) => html.replace(/<[^>]+>/g, '|').replace(/\|+/g, '|').replaceAll('&amp;', '&');

describe('VerlaufDiagramm', () => {
  it('says that the trend begins with the first Stichtag while there is none', () => {
    const html = renderToStaticMarkup(<VerlaufDiagramm trend={{ zeitpunkte: [HEUTE], themenfelder: [], leistungen: [] }} />);
    expect(html).toContain('Noch kein Stichtag gesetzt – der Verlauf beginnt mit dem ersten Stichtag.');
    expect(html).not.toContain('<svg');
  });

  it('places the points evenly from left to right and scales the axis to the next round share above the largest', () => {
    // drawing area x 40…308, y 20…136; 0.4 rounds up to an axis of 50 %
    const { achseMax, punkte } = geometrie([0.1, 0.15, 0.4].map((anteil) => ({ heute: false, bezeichnung: '', datum: '', zeilen: 1, online: 0, ozgKonform: 0, anteil })));
    expect(achseMax).toBe(0.5);
    expect(punkte.map((p) => p.x)).toEqual([40, 174, 308]);
    expect(punkte[0]!.y).toBeCloseTo(20 + 116 * 0.8);
    expect(punkte[1]!.y).toBeCloseTo(20 + 116 * 0.7);
    expect(punkte[2]!.y).toBeCloseTo(20 + 116 * 0.2);
  });

  it('draws one line through the Stichtage and today, its figures in the image’s label and in a table', () => {
    const html = renderToStaticMarkup(<VerlaufDiagramm trend={TREND} />);
    expect(html).toContain('Verlauf: Anteil OZG-konform je Stichtag');
    expect(/aria-label="([^"]*)"/.exec(html)![1]).toBe(
      'Liniendiagramm Verlauf: Anteil OZG-konform je Stichtag: Erhebung 01.01.2026 10\u00a0%, Erhebung 01.07.2026 15\u00a0%, heute (29.11.2026) 40\u00a0%',
    );
    expect(html.match(/<polyline/g)).toHaveLength(1);
    expect(html.match(/<circle/g)).toHaveLength(3);
    const zeilen = [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => text(m[1]!));
    expect(zeilen).toEqual([
      '|Zeitpunkt|online|OZG-konform|Anteil|',
      '|Erhebung 01.01.2026|4|3 von 30|10\u00a0%|',
      '|Erhebung 01.07.2026|11|6 von 40|15\u00a0%|',
      '|heute (29.11.2026)|20|16 von 40|40\u00a0%|',
    ]);
    // the dates under the axis, today as „heute“
    expect([...html.matchAll(/<text[^>]*y="152"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(['01.01.2026', '01.07.2026', 'heute']);
  });

  it('breaks the line where the selection counted no row instead of drawing 0 %', () => {
    const luecke: TrendResponse = {
      ...TREND,
      zeitpunkte: [TREND.zeitpunkte[0]!, TREND.zeitpunkte[1]!, { stichtag: { id: 3, datum: '2026-09-01', bezeichnung: 'Sept.' }, stand: '2026-09-01T08:00:00.000Z' }, HEUTE],
      themenfelder: [{ schluessel: '3', name: 'Bildung', ozgId: null, werte: [wert(10, 1, 1), null, wert(10, 2, 2), wert(10, 3, 3)] }],
    };
    const html = renderToStaticMarkup(<VerlaufDiagramm trend={luecke} />);
    expect(html.match(/<polyline/g)).toHaveLength(1);
    expect(/<polyline[^>]*points="([^"]*)"/.exec(html)![1]!.split(' ')).toHaveLength(2);
    expect(html.match(/<circle/g)).toHaveLength(3);
    expect(text(html)).toContain('|Erhebung 01.07.2026|0|0 von 0|keine Einträge|');
  });
});

const MODELLE: Reifegradmodell[] = [
  {
    modell: '2.0',
    bezeichnung: 'OZG-Reifegradmodell 2.0',
    ozgKonformAb: 3,
    gueltigAb: '2025-07-01',
    erlaeuterung: '',
    quelle: '',
    stufen: [0, 1, 2, 3, 4, 5, 6, 7].map((stufe) => ({ stufe, name: null, erklaerung: `Erklärung ${stufe}.` })),
  },
  {
    modell: '1.1',
    bezeichnung: 'OZG-Reifegradmodell 1.1',
    ozgKonformAb: 3,
    gueltigAb: '2020-06-01',
    erlaeuterung: '',
    quelle: '',
    stufen: [
      { stufe: 2, name: 'Formular-Assistent', erklaerung: 'Eine Hilfe beim Ausfüllen des Formulars; online beantragen geht nicht.' },
      { stufe: 3, name: 'Online-Leistung', erklaerung: 'Die Leistung lässt sich einschließlich aller Nachweise online beantragen (OZG-erfüllt).' },
    ],
  },
];

describe('ReifegradLegende', () => {
  it('explains a level with its name and its explanation', () => {
    expect(stufenHinweis(MODELLE[1]!, 3)).toBe('Stufe 3 · Online-Leistung: Die Leistung lässt sich einschließlich aller Nachweise online beantragen (OZG-erfüllt).');
    expect(stufenHinweis(MODELLE[1]!, 2)).toBe('Stufe 2 · Formular-Assistent: Eine Hilfe beim Ausfüllen des Formulars; online beantragen geht nicht.');
    expect(stufenHinweis(MODELLE[0]!, 6)).toBe('Stufe 6: Erklärung 6.');
  });

  it('shows every level of both models as a focusable button described by its tooltip, those from the threshold set apart', () => {
    const html = renderToStaticMarkup(
      <SSRProvider>
        <ReifegradLegende modelle={MODELLE} />
      </SSRProvider>,
    );
    const knoepfe = [...html.matchAll(/<button([^>]*)>(\d)<\/button>/g)].map((m) => ({
      stufe: Number(m[2]),
      konform: /class="reifegrad-stufe konform"/.test(m[1]!),
      beschrieben: /aria-describedby="[^"]+"/.test(m[1]!),
      name: /aria-label="([^"]*)"/.exec(m[1]!)![1],
    }));
    expect(knoepfe.map((k) => k.stufe)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 2, 3]);
    expect(knoepfe.filter((k) => k.konform).map((k) => k.stufe)).toEqual([3, 4, 5, 6, 7, 3]);
    expect(knoepfe.every((k) => k.beschrieben)).toBe(true);
    expect(knoepfe.at(-1)!.name).toBe('Reifegrad 3 Online-Leistung (Modell 1.1, OZG-konform)');
    expect(knoepfe.at(-2)!.name).toBe('Reifegrad 2 Formular-Assistent (Modell 1.1)');
    expect(text(html)).toContain('OZG-Reifegradmodell 2.0, OZG-konform ab Stufe 3:');
  });

  it('leaves the legend out until the models are loaded', () => {
    expect(renderToStaticMarkup(<ReifegradLegende modelle={[]} />)).toBe('');
  });
});
