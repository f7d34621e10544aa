import { SSRProvider } from '@fluentui/react-components';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ProgressResponse, ProgressTable } from '../../../addin/src/review/types.ts';
import { NochNichtGemeldet, isoTag, tagAusText } from '../../../addin/src/ui/Meldungen.tsx';

const leer: ProgressTable = { titel: '', spalten: [], zeilen: [] };
const kommune = (name: string, letzte_meldung: string | null, gemeldet_von: string | null, zeilen_seit: number) => ({
  schluessel: name,
  name,
  kreis: 'Mettmann',
  letzte_meldung,
  gemeldet_von,
  zeilen_seit,
});
const bericht = (zeilen: ProgressTable['zeilen'], meldungen: ProgressResponse['meldungen'] = { seit: '2026-10-31T23:00:00.000Z' }): ProgressResponse => ({
  stand: '2026-12-02T09:00:00.000Z',
  stichtag: null,
  filter: { themenfeld: null, kreis: 'Mettmann' },
  untertitel: '',
  themenfelder: leer,
  leistungen: leer,
  kommunen: { ...leer, titel: 'Fortschritt je Kommune', zeilen },
  meldungen,
  kreise: leer,
});

const rows = (html: string) =>
  [...html.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '|').replace(/\|+/g, '|'));
const render = (report: ProgressResponse) =>
  renderToStaticMarkup(
    <SSRProvider>
      <NochNichtGemeldet bericht={report} seit="2026-11-01" />
    </SSRProvider>,
  );

describe('Noch nicht gemeldet', () => {
  it('lists only the Kommunen without a changed row since the day: never reported first, then the longest silent', () => {
    const html = render(
      bericht([
        kommune('Velbert', '2026-10-20T08:00:00.000Z', 'ozg@velbert.example', 0),
        kommune('Mettmann, Stadt', '2026-11-20T08:00:00.000Z', 'ozg@mettmann.example', 3),
        kommune('Ratingen', null, null, 0),
        kommune('Hilden', '2026-09-01T08:00:00.000Z', 'ozg@hilden.example', 0),
      ]),
    );
    expect(html).toContain('Noch nicht gemeldet seit 01.11.2026: 3 von 4 Kommunen');
    const [kopf, ...zeilen] = rows(html);
    expect(kopf).toBe('|Kommune|Kreis|Letzte Meldung|gemeldet von|');
    expect(zeilen.map((zeile) => zeile.split('|')[1])).toEqual(['Ratingen', 'Hilden', 'Velbert']);
    expect(zeilen[0]).toBe('|Ratingen|Mettmann|noch nie|–|');
    expect(zeilen[1]).toContain('|ozg@hilden.example|');
    expect(html).not.toContain('Mettmann, Stadt');
  });

  it('shows no table once every Kommune has reported, and nothing for a Stichtag', () => {
    const html = render(bericht([kommune('Mettmann, Stadt', '2026-11-20T08:00:00.000Z', 'ozg@mettmann.example', 3)]));
    expect(html).toContain('Noch nicht gemeldet seit 01.11.2026: 0 von 1 Kommunen');
    expect(html).not.toContain('<table');
    expect(render(bericht([], null))).toBe('');
  });
});

describe('the day typed into the date field', () => {
  it('reads TT.MM.JJJJ with or without leading zeros and refuses days that do not exist', () => {
    expect(isoTag(tagAusText('1.11.2026')!)).toBe('2026-11-01');
    expect(isoTag(tagAusText(' 29.02.2028 ')!)).toBe('2028-02-29');
    for (const falsch of ['31.02.2026', '29.02.2027', '2026-11-01', '11/01/2026', '', '1.13.2026']) expect(tagAusText(falsch), falsch).toBeNull();
  });
});
