import { SSRProvider } from '@fluentui/react-components';
import { renderToStaticMarkup } from 'react-dom/server';
import { expect, it } from 'vitest';
import { bereicheDerForm, BereichFeld, bereichTitel, formDesBereichs, passendeBereiche, type Katalog } from '../../../addin/src/ui/Katalog.tsx';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { METTMANN } from '../../helpers/members.ts';
import { pullRows } from '../../helpers/sheets.ts';

/** The sheet choice over the real API's answers, as a Kommune's member (not an admin) gets them. */
describeEachDatabase('The sheet choice offers the scope forms the server names', ({ db }) => {
  const katalog = async (): Promise<Katalog> => {
    const api = apiAs(db(), METTMANN);
    const get = async (path: string) => {
      const response = await api.request(path);
      expect(response.status, path).toBe(200);
      return response.json();
    };
    const [kinds, kommunen, themenfelder, leistungen, dienstleister] = await Promise.all(
      ['/api/sheets', '/api/kommunen', '/api/themenfelder', '/api/leistungen', '/api/dienstleister'].map(get),
    );
    return { kinds, kommunen, themenfelder, leistungen, dienstleister };
  };
  const markup = (element: React.ReactElement) => renderToStaticMarkup(<SSRProvider>{element}</SSRProvider>);
  const html = (element: React.ReactElement) => markup(element).replace(/<[^>]+>/g, '|').replace(/\|+/g, '|');

  it('finds a Kreis by its name or its five-digit key, and opening it gives the rows of its Kommunen', async () => {
    const k = await katalog();
    const kreise = bereicheDerForm(k, 'kreis');
    expect(passendeBereiche(kreise, 'mettm').map((b) => b.value)).toEqual(['05158']);
    expect(passendeBereiche(kreise, '05158').map((b) => b.text)).toEqual(['Mettmann (05158)']);
    // Köln is a kreisfreie Stadt: its sheet is the Kommune sheet, not offered a second time as a Kreis.
    expect(kreise.map((b) => b.value)).not.toContain('05315');
    expect(formDesBereichs(k, 'kommune-status', '05158')?.title).toBe('Umsetzungsstand der Kommunen eines Kreises');

    const pull = await pullRows(apiAs(db(), METTMANN), 'kommune-status', '05158');
    expect(new Set(pull.rows.map((r) => r.values.kommune))).toEqual(new Set(['Mettmann, Stadt', 'Ratingen, Stadt', 'Velbert, Stadt']));
  });

  it('lists the IT-Dienstleister by name with the scope the server reads', async () => {
    const k = await katalog();
    const [{ id }] = (await db().query<{ id: number }>(`select id from public.it_dienstleister where name = 'Kreis Mettmann'`)) as [{ id: number }];
    const anbieter = passendeBereiche(bereicheDerForm(k, 'dienstleister'), 'kreis mettmann');
    expect(anbieter.map((b) => b.value)).toEqual([`dl:${id}`]);
    expect(bereichTitel(k, 'kommune-status', `dl:${id}`)).toBe(anbieter[0]!.text);
    expect((await pullRows(apiAs(db(), METTMANN), 'kommune-status', `dl:${id}`)).rows.length).toBeGreaterThan(0);
  });

  it('finds an OZG-Leistung with kommunalem Vollzug by OZG-ID or name, and its sheet has one row per Kommune', async () => {
    const k = await katalog();
    const leistungen = bereicheDerForm(k, 'leistung');
    const [reisepass] = passendeBereiche(leistungen, '10177');
    expect(reisepass?.value).toBe('10177');
    expect(passendeBereiche(leistungen, 'reisepass').map((b) => b.value)).toContain('10177');

    const pull = await pullRows(apiAs(db(), METTMANN), 'leistung-kommunen', '10177');
    expect(pull.rows).toHaveLength(k.kommunen.length);
    expect(k.kommunen).toHaveLength(12);
  });

  it('offers the picker a choice between Kommune, Kreis and IT-Dienstleister for the Kommune sheet, and shows the chosen Kreis', async () => {
    const k = await katalog();
    const element = <BereichFeld kind="kommune-status" katalog={k} scope="05158" onScope={() => {}} alleFormen />;
    const picker = html(element);
    expect(picker).toContain('|Bereich|');
    expect(picker).toContain('Kreis (Kreisschlüssel)');
    expect(picker).toContain('|Kreis|');
    expect(markup(element)).toContain('value="Mettmann (05158)"');
  });

  it('keeps a filter that takes one form (Prüfen, Mitglieder) to Kommunen, and a Themenfeld kind to Themenfelder', async () => {
    const k = await katalog();
    const filter = html(<BereichFeld kind="kommune-status" katalog={k} scope="" onScope={() => {}} />);
    expect(filter).not.toContain('|Bereich|');
    expect(filter).toContain('|Kommune|');
    const themenfeld = html(<BereichFeld kind="leistung-status" katalog={k} scope="9" onScope={() => {}} alleFormen />);
    expect(themenfeld).toContain('|Themenfeld|');
    expect(themenfeld).not.toContain('|Bereich|');
  });

  it('gives a membership for an IT-Dienstleister a field of providers alone, without the choice of a Kommune or Kreis', async () => {
    const k = await katalog();
    const feld = html(<BereichFeld kind="kommune-status" form="dienstleister" katalog={k} scope="" onScope={() => {}} />);
    expect(feld).toContain('|IT-Dienstleister|');
    expect(feld).not.toContain('|Bereich|');
    expect(feld).not.toContain('|Kommune|');
  });
});
