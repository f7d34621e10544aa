import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/databases.ts';

describeEachDatabase('Seed', ({ db }) => {
  it('has the 14 Themenfelder', async () => {
    const rows = await db().query<{ name: string }>('select name from public.themenfeld order by id');
    expect(rows).toHaveLength(14);
    expect(rows[8]!.name).toBe('Mobilität & Reisen');
    expect(rows[13]!.name).toBe('Unternehmensführung & -entwicklung');
  });

  it('has the 46 OZG-Leistungen of the 2019 Themenfeld tables, all with kommunaler Vollzug', async () => {
    const rows = await db().query<{ themenfeld: string; n: number; vollzug: number }>(
      `select t.name as themenfeld, count(*)::int as n, count(*) filter (where l.kommunaler_vollzug)::int as vollzug
       from public.ozg_leistung l join public.themenfeld t on t.id = l.themenfeld_id group by t.name order by t.name`,
    );
    expect(rows).toEqual([
      { themenfeld: 'Mobilität & Reisen', n: 21, vollzug: 21 },
      { themenfeld: 'Unternehmensführung & -entwicklung', n: 25, vollzug: 25 },
    ]);
  });

  it('keeps the slide values: online service in NRW, further activities and LeiKa counts', async () => {
    const rows = await db().query(
      `select l.ozg_id, l.name, l.leika_anzahl, s.online_dienst_nrw, s.weitere_aktivitaeten
       from public.leistung_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id
       where l.ozg_id in (10294, 10173, 10350, 10433) or l.ozg_id is null order by l.ozg_id nulls first`,
    );
    expect(rows).toEqual([
      { ozg_id: null, name: 'Sachkundenachweis', leika_anzahl: 46, online_dienst_nrw: null, weitere_aktivitaeten: [] },
      {
        ozg_id: 10173,
        name: 'Parkausweise und Zufahrtsberechtigungen',
        leika_anzahl: 15,
        online_dienst_nrw: true,
        weitere_aktivitaeten: ['DMR-Projekte in OWL', 'Digitalisierungslabor (Kandidat)'],
      },
      {
        ozg_id: 10294,
        name: 'Unternehmensanmeldung und -genehmigung',
        leika_anzahl: 198,
        online_dienst_nrw: true,
        weitere_aktivitaeten: ['GSP', 'Digitalisierungslabor'],
      },
      { ozg_id: 10350, name: 'Wochen- und Spezialmärkte', leika_anzahl: 6, online_dienst_nrw: null, weitere_aktivitaeten: ['DMR Soest'] },
      { ozg_id: 10433, name: 'Gefahrguttransporterlaubnis', leika_anzahl: 3, online_dienst_nrw: null, weitere_aktivitaeten: [] },
    ]);
  });

  it('has real NRW municipalities with their official AGS and a status row per municipal Leistung', async () => {
    const rows = await db().query<{ ags: string; name: string; status: number }>(
      `select k.ags, k.name, count(s.id)::int as status
       from public.kommune k left join public.kommune_status s on s.ags = k.ags group by k.ags order by k.ags`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows).toEqual(
      expect.arrayContaining([
        { ags: '05315000', name: 'Köln, Stadt', status: 46 },
        { ags: '05111000', name: 'Düsseldorf, Stadt', status: 46 },
        { ags: '05515000', name: 'Münster, Stadt', status: 46 },
        { ags: '05166012', name: 'Kempen, Stadt', status: 46 },
        { ags: '05158024', name: 'Mettmann, Stadt', status: 46 },
        { ags: '05158028', name: 'Ratingen, Stadt', status: 46 },
        { ags: '05158032', name: 'Velbert, Stadt', status: 46 },
      ]),
    );
  });

  it('has the demo members with their roles and areas', async () => {
    const rows = await db().query(
      `select m.email, m.rolle, m.themenfeld_id, m.ags, d.name as dienstleister
       from public.mitglied m left join public.it_dienstleister d on d.id = m.dienstleister_id order by m.email`,
    );
    expect(rows).toEqual([
      { email: 'admin@ozg-sync.example', rolle: 'admin', themenfeld_id: null, ags: null, dienstleister: null },
      { email: 'mobilitaet@ozg-sync.example', rolle: 'koordination', themenfeld_id: 9, ags: null, dienstleister: null },
      { email: 'ozg@koeln.example', rolle: 'kommune', themenfeld_id: null, ags: '05315000', dienstleister: null },
      { email: 'ozg@kreis-mettmann.example', rolle: 'dienstleister', themenfeld_id: null, ags: null, dienstleister: 'Kreis Mettmann' },
      { email: 'ozg@mettmann.example', rolle: 'kommune', themenfeld_id: null, ags: '05158024', dienstleister: null },
      { email: 'unternehmen@ozg-sync.example', rolle: 'koordination', themenfeld_id: 14, ags: null, dienstleister: null },
    ]);
  });

  it('has three Kommunen of Kreis Mettmann, two of them served by the IT-Dienstleister Kreis Mettmann', async () => {
    const rows = await db().query(
      `select k.ags, k.name, d.name as dienstleister, d.ort
       from public.kommune k
       left join public.kommune_dienstleister z on z.ags = k.ags
       left join public.it_dienstleister d on d.id = z.dienstleister_id
       where k.kreisschluessel = '05158' order by k.ags`,
    );
    expect(rows).toEqual([
      { ags: '05158024', name: 'Mettmann, Stadt', dienstleister: 'Kreis Mettmann', ort: 'Mettmann' },
      { ags: '05158028', name: 'Ratingen, Stadt', dienstleister: null, ort: null },
      { ags: '05158032', name: 'Velbert, Stadt', dienstleister: 'Kreis Mettmann', ort: 'Mettmann' },
    ]);
  });
});
