import { beforeAll, expect, it } from 'vitest';
import type { ProgressResponse, ProgressTable } from '../../../server/review/contract.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, MOBILITAET } from '../../helpers/members.ts';

const FELD = 16;

/**
 * A Themenfeld of its own, every figure below counted by hand. Kreis Mettmann has the seed's three
 * Kommunen (Mettmann, Ratingen, Velbert); Soest is ausgeblendet and counts nowhere. That leaves 11.
 *   X (10011): online in all 11 (Köln with Reifegrad 3, model 1.1) — flächendeckend
 *   Y (10012): online in Mettmann only (Reifegrad 5, model 2.0) — in mindestens einer Kommune
 *   Z (10013): online nowhere (Köln in Umsetzung)
 *   W (10014): no kommunaler Vollzug, not counted
 */
const SETUP = `
  insert into public.themenfeld (id, name) values (${FELD}, 'Bundfeld');
  insert into public.ozg_leistung (ozg_id, name, themenfeld_id, kommunaler_vollzug) values
    (10011, 'Leistung X', ${FELD}, true), (10012, 'Leistung Y', ${FELD}, true),
    (10013, 'Leistung Z', ${FELD}, true), (10014, 'Leistung W', ${FELD}, false);
  update public.kommune set ausgeblendet = true where ags = '05974040';
  update public.kommune_status s set status = 'online'
  from public.ozg_leistung l where l.id = s.ozg_leistung_id and l.ozg_id = 10011 and s.ags <> '05974040';
  update public.kommune_status s set status = v.status::public.umsetzungsstatus, reifegrad = v.reifegrad,
         reifegrad_modell = v.modell::public.reifegrad_modell
  from (values ('05315000', 10011, 'online', 3, '1.1'), ('05158024', 10012, 'online', 5, '2.0'),
               ('05315000', 10013, 'in Umsetzung', 2, '1.1'), ('05974040', 10012, 'online', 4, '1.1'))
       as v (ags, ozg_id, status, reifegrad, modell)
  join public.ozg_leistung l on l.ozg_id = v.ozg_id
  where s.ags = v.ags and s.ozg_leistung_id = l.id;
`;

const row = (table: ProgressTable, key: string, value: unknown) => {
  const found = table.zeilen.find((z) => z[key] === value);
  if (!found) throw new Error(`${key}=${String(value)} not in ${table.titel}`);
  return found;
};

describeEachDatabase('Federal figures (Bundeskennzahlen)', ({ db }) => {
  beforeAll(async () => {
    await db().exec(SETUP);
  });

  const report = async (query: string): Promise<ProgressResponse> => {
    const response = await apiAs(db(), MOBILITAET).request(`/api/reports/progress${query}`);
    expect(response.status).toBe(200);
    return response.json();
  };

  it('marks a Leistung flächendeckend only where every Kommune offers it online, and separately online in at least one', async () => {
    const { leistungen } = await report(`?themenfeld=${FELD}`);
    expect(leistungen.zeilen.map((z) => [z.ozg_id, z.zeilen, z.mindestens_eine_kommune, z.flaechendeckend])).toEqual([
      [10011, 11, 'ja', 'ja'],
      [10012, 11, 'ja', 'nein'],
      [10013, 11, 'nein', 'nein'],
    ]);
  });

  it('counts per Themenfeld the Leistungen with kommunalem Vollzug, those online somewhere and those online everywhere', async () => {
    const { themenfelder } = await report(`?themenfeld=${FELD}`);
    expect(themenfelder.zeilen).toEqual([
      expect.objectContaining({ name: 'Bundfeld', leistungen: 3, mindestens_eine_kommune: 2, flaechendeckend: 1 }),
    ]);
  });

  it('counts per Kreis, flächendeckend meaning every Kommune of that Kreis, with the share at the OZG threshold', async () => {
    const { kreise } = await report(`?themenfeld=${FELD}`);
    expect(kreise.zeilen).toHaveLength(9);
    expect(row(kreise, 'schluessel', '05158')).toEqual({
      schluessel: '05158',
      name: 'Mettmann',
      kommunen: 3,
      leistungen: 3,
      mindestens_eine_kommune: 2,
      flaechendeckend: 1,
      zeilen: 9,
      ozg_konform: 1,
      anteil_ozg_konform: 0.1111,
    });
    expect(row(kreise, 'schluessel', '05315')).toMatchObject({ kommunen: 1, leistungen: 3, mindestens_eine_kommune: 1, flaechendeckend: 1, ozg_konform: 1, anteil_ozg_konform: 0.3333 });
    expect(row(kreise, 'schluessel', '05111')).toMatchObject({ kommunen: 1, mindestens_eine_kommune: 1, flaechendeckend: 1, ozg_konform: 0, anteil_ozg_konform: 0 });
    expect(kreise.zeilen.map((z) => z.schluessel)).not.toContain('05974');
  });

  it('judges flächendeckend within the chosen Kreis', async () => {
    const { leistungen } = await report(`?themenfeld=${FELD}&kreis=05158`);
    expect(leistungen.zeilen.map((z) => [z.ozg_id, z.zeilen, z.mindestens_eine_kommune, z.flaechendeckend])).toEqual([
      [10011, 3, 'ja', 'ja'],
      [10012, 3, 'ja', 'nein'],
      [10013, 3, 'nein', 'nein'],
    ]);
  });

  it('adds the Kreise as a sheet of the Excel report', async () => {
    const response = await apiAs(db()).request(`/api/reports/progress.xlsx?themenfeld=${FELD}`);
    expect(response.status).toBe(200);
    const ExcelJS = (await import('exceljs')).default;
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.getWorksheet('Kreise')!;
    const header = (sheet.getRow(3).values as unknown[]).slice(1);
    const mettmann = sheet.getColumn(1).values.indexOf('05158');
    const cell = (label: string) => sheet.getRow(mettmann).getCell(header.indexOf(label) + 1).value;
    expect([cell('Kreis'), cell('online in mind. einer Kommune'), cell('flächendeckend online')]).toEqual(['Mettmann', 2, 1]);
  });
  it('gives the figures as of a Stichtag, unchanged when Z goes online everywhere afterwards', async () => {
    const response = await apiAs(db(), ADMIN).request('/api/stichtage', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ datum: '2026-06-30', bezeichnung: 'Erhebung Bundeskennzahlen' }),
    });
    expect(response.status).toBe(201);
    const { id } = await response.json();
    await db().exec(`update public.kommune_status s set status = 'online' from public.ozg_leistung l
                     where l.id = s.ozg_leistung_id and l.ozg_id = 10013`);
    const damals = await report(`?themenfeld=${FELD}&stichtag=${id}`);
    expect(damals.themenfelder.zeilen[0]).toMatchObject({ leistungen: 3, mindestens_eine_kommune: 2, flaechendeckend: 1 });
    const heute = await report(`?themenfeld=${FELD}`);
    expect(heute.themenfelder.zeilen[0]).toMatchObject({ leistungen: 3, mindestens_eine_kommune: 3, flaechendeckend: 2 });
  });

});
