import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AnteilDiagramm } from '../../../addin/src/ui/Fortschritt.tsx';

describe('AnteilDiagramm', () => {
  it('draws one labelled bar per row, as wide as its share', () => {
    const html = renderToStaticMarkup(
      <AnteilDiagramm
        titel="Anteil ab Reifegrad 3 (OZG-erfüllt)"
        balken={[
          { name: 'Mobilität & Reisen', share: 0.25 },
          { name: 'Unternehmensführung & -entwicklung', share: 0 },
        ]}
      />,
    );
    const rows = [...html.matchAll(/<li[^>]*aria-label="([^"]*)".*?style="width:([^"]*)"/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([
      ['Mobilität &amp; Reisen: 25\u00a0%', '25%'],
      ['Unternehmensführung &amp; -entwicklung: 0\u00a0%', '0%'],
    ]);
  });

  it('keeps a bar inside its track whatever the share', () => {
    const html = renderToStaticMarkup(<AnteilDiagramm titel="Anteil" balken={[{ name: 'zu viel', share: 1.2 }, { name: 'negativ', share: -0.1 }]} />);
    expect([...html.matchAll(/style="width:([^"]*)"/g)].map((m) => m[1])).toEqual(['100%', '0%']);
  });

  it('says so when the choice has no rows', () => {
    expect(renderToStaticMarkup(<AnteilDiagramm titel="Anteil" balken={[]} />)).toContain('Für diese Auswahl gibt es keine Zeilen.');
  });
});
