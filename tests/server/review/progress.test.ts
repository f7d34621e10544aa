import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { beforeAll, expect, it } from 'vitest';
import type { ProgressResponse, ProgressTable } from '../../../server/review/contract.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { KOELN, METTMANN, MOBILITAET } from '../../helpers/members.ts';
import { SOFFICE, convert } from '../xlsx/libreoffice.ts';

const TESTFELD = 15;

/**
 * A Themenfeld of its own with three OZG-Leistungen, so that every figure below can be counted by
 * hand: the seed's 12 Kommunen each get a status row per Leistung with kommunaler Vollzug.
 *   A (10001): Köln online/3, Mettmann online/5 (model 2.0), Düsseldorf in Planung/1, 9 offen
 *   B (10002): Köln in Umsetzung/2, Mettmann online/4, Soest online/4, 9 offen
 *   C (10003): no kommunaler Vollzug, not counted
 * Soest is ausgeblendet (left the municipality list): not counted either.
 */
const SETUP = `
  insert into public.themenfeld (id, name) values (${TESTFELD}, 'Testfeld');
  insert into public.ozg_leistung (ozg_id, name, themenfeld_id, kommunaler_vollzug) values
    (10001, 'Leistung A', ${TESTFELD}, true), (10002, 'Leistung B', ${TESTFELD}, true), (10003, 'Leistung C', ${TESTFELD}, false);
  update public.kommune set ausgeblendet = true where ags = '05974040';
  update public.kommune_status s set status = v.status::public.umsetzungsstatus, reifegrad = v.reifegrad,
         reifegrad_modell = v.modell::public.reifegrad_modell
  from (values ('05315000', 10001, 'online', 3, '1.1'), ('05158024', 10001, 'online', 5, '2.0'),
               ('05111000', 10001, 'in Planung', 1, '1.1'), ('05315000', 10002, 'in Umsetzung', 2, '1.1'),
               ('05158024', 10002, 'online', 4, '1.1'), ('05974040', 10002, 'online', 4, '1.1'))
       as v (ags, ozg_id, status, reifegrad, modell)
  join public.ozg_leistung l on l.ozg_id = v.ozg_id
  where s.ags = v.ags and s.ozg_leistung_id = l.id;
`;

const row = (table: ProgressTable, key: string, value: unknown) => {
  const found = table.zeilen.find((z) => z[key] === value);
  if (!found) throw new Error(`${key}=${String(value)} not in ${table.titel}`);
  return found;
};

describeEachDatabase('Progress report', ({ db }) => {
  beforeAll(async () => {
    await db().exec(SETUP);
  });

  const report = async (query: string, email = MOBILITAET): Promise<ProgressResponse> => {
    const response = await apiAs(db(), email).request(`/api/reports/progress${query}`);
    expect(response.status).toBe(200);
    return response.json();
  };

  it('counts, per OZG-Leistung, the Kommunen in each status and Reifegrad and the share at Reifegrad 3 or more', async () => {
    const { leistungen, filter } = await report(`?themenfeld=${TESTFELD}`);
    expect(filter).toEqual({ themenfeld: 'Testfeld', kreis: null });
    expect(leistungen.zeilen.map((z) => z.ozg_id)).toEqual([10001, 10002]);
    expect(row(leistungen, 'ozg_id', 10001)).toMatchObject({
      name: 'Leistung A',
      zeilen: 11,
      offen: 8,
      in_planung: 1,
      in_umsetzung: 0,
      online: 2,
      reifegrad_ohne: 8,
      reifegrad_1: 1,
      reifegrad_3: 1,
      reifegrad_5: 1,
      ab_reifegrad_3: 2,
      anteil_ab_reifegrad_3: 0.1818,
    });
    expect(row(leistungen, 'ozg_id', 10002)).toMatchObject({ zeilen: 11, offen: 9, in_umsetzung: 1, online: 1, reifegrad_2: 1, reifegrad_4: 1, ab_reifegrad_3: 1, anteil_ab_reifegrad_3: 0.0909 });
  });

  it('sums per Kommune over the Leistungen and per Themenfeld over everything', async () => {
    const { kommunen, themenfelder } = await report(`?themenfeld=${TESTFELD}`);
    expect(kommunen.zeilen).toHaveLength(11);
    expect(row(kommunen, 'schluessel', '05315000')).toMatchObject({ name: 'Köln, Stadt', kreis: 'Köln, Stadt', zeilen: 2, online: 1, in_umsetzung: 1, ab_reifegrad_3: 1, anteil_ab_reifegrad_3: 0.5 });
    expect(row(kommunen, 'schluessel', '05158024')).toMatchObject({ zeilen: 2, online: 2, ab_reifegrad_3: 2, anteil_ab_reifegrad_3: 1 });
    expect(themenfelder.zeilen).toEqual([
      expect.objectContaining({ schluessel: TESTFELD, name: 'Testfeld', zeilen: 22, offen: 17, in_planung: 1, in_umsetzung: 1, online: 3, ab_reifegrad_3: 3, anteil_ab_reifegrad_3: 0.1364 }),
    ]);
  });

  it('narrows every table to one Kreis', async () => {
    const { leistungen, kommunen, filter } = await report(`?themenfeld=${TESTFELD}&kreis=05158`);
    expect(filter).toEqual({ themenfeld: 'Testfeld', kreis: 'Mettmann' });
    expect((await report(`?themenfeld=${TESTFELD}&kreis=05158`)).untertitel).toMatch(
      /^Themenfeld Testfeld, Kreis Mettmann · Stand \d\d\.\d\d\.\d{4}, \d\d:\d\d · OZG-erfüllt ab Reifegrad 3$/,
    );
    expect(kommunen.zeilen.map((z) => z.name)).toEqual(['Mettmann, Stadt', 'Ratingen, Stadt', 'Velbert, Stadt']);
    expect(leistungen.zeilen.map((z) => [z.ozg_id, z.zeilen, z.online, z.anteil_ab_reifegrad_3])).toEqual([
      [10001, 3, 1, 0.3333],
      [10002, 3, 1, 0.3333],
    ]);
  });

  it('covers all of NRW without a filter, and every member may read it', async () => {
    const { themenfelder } = await report('', KOELN);
    expect(themenfelder.zeilen.map((z) => z.name)).toEqual(expect.arrayContaining(['Mobilität & Reisen', 'Unternehmensführung & -entwicklung', 'Testfeld']));
    expect(themenfelder.spalten.find((s) => s.key === 'anteil_ab_reifegrad_3')).toEqual({ key: 'anteil_ab_reifegrad_3', label: 'Anteil ab Reifegrad 3', type: 'percent' });
  });

  it('answers an unknown Themenfeld or Kreis and a malformed filter with a German error', async () => {
    const api = apiAs(db(), METTMANN);
    const unknownFeld = await api.request('/api/reports/progress?themenfeld=99');
    expect(unknownFeld.status).toBe(404);
    expect((await unknownFeld.json()).error.message).toBe('Das Themenfeld 99 gibt es nicht.');
    const unknownKreis = await api.request('/api/reports/progress?kreis=05999');
    expect(unknownKreis.status).toBe(404);
    const malformed = await api.request('/api/reports/progress?kreis=Mettmann');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.message).toMatch(/Kreisschlüssel/);
  });

  it('gives the same figures as an Excel file, shares formatted as percentages', async () => {
    const response = await apiAs(db()).request(`/api/reports/progress.xlsx?themenfeld=${TESTFELD}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain(`fortschritt-themenfeld-${TESTFELD}.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Verlauf', 'Themenfelder', 'OZG-Leistungen', 'Kommunen', 'Kreise']);
    const sheet = workbook.getWorksheet('OZG-Leistungen')!;
    expect(sheet.getCell('A2').value).toMatch(/^Themenfeld Testfeld · Stand/);
    const header = (sheet.getRow(3).values as unknown[]).slice(1);
    expect(header.slice(0, 5)).toEqual(['OZG-ID', 'OZG-Leistung', 'Themenfeld', 'Kommunen', 'offen']);
    const share = header.indexOf('Anteil ab Reifegrad 3') + 1;
    expect(sheet.getRow(4).getCell(1).value).toBe(10001);
    expect(sheet.getRow(4).getCell(share).value).toBe(0.1818);
    expect(sheet.getRow(4).getCell(share).numFmt).toBe('0.0%');
  });

  it.skipIf(!SOFFICE)('opens in LibreOffice with the same figures, shares shown as percentages', async () => {
    const response = await apiAs(db()).request(`/api/reports/progress.xlsx?themenfeld=${TESTFELD}`);
    // CSV filter options: the 9th saves cells as shown, the 12th picks the sheet (the second, Themenfelder, after the Verlauf)
    const filter = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,2';
    const csv = new TextDecoder().decode(await convert(new Uint8Array(await response.arrayBuffer()), 'xlsx', filter));
    const [titel, untertitel, header, ...zeilen] = parse(csv, { relax_column_count: true }) as string[][];
    expect(titel![0]).toBe('Fortschritt je Themenfeld');
    expect(untertitel![0]).toMatch(/^Themenfeld Testfeld · Stand/);
    const at = (label: string) => header!.indexOf(label);
    expect([zeilen[0]![at('Themenfeld')], zeilen[0]![at('online')], zeilen[0]![at('Anteil ab Reifegrad 3')]]).toEqual(['Testfeld', '3', '13.6%']);
  });
});
