import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { asOwner, authenticateAs, inRollback } from '../../helpers/rls.ts';

const countStatus = (where: string) => `select count(*)::int as n from public.kommune_status ${where}`;

describeEachDatabase('Schema rules', ({ db }) => {
  it('creates the kommune_status rows of a municipality added later, one per municipal OZG-Leistung', async () => {
    await db().query(`insert into public.kreis (kreisschluessel, name, typ) values ('05162', 'Rhein-Kreis Neuss', 'Kreis')`);
    await db().query(`insert into public.kommune (ags, name, typ) values ('05162024', 'Neuss, Stadt', 'kreisangehörige Gemeinde')`);
    const [municipal] = await db().query<{ n: number }>('select count(*)::int as n from public.ozg_leistung where kommunaler_vollzug');
    const [rows] = await db().query<{ n: number }>(countStatus(`where ags = '05162024'`));
    expect(rows!.n).toBe(municipal!.n);
    expect(rows!.n).toBeGreaterThan(0);
  });

  it('creates the status rows of a municipal OZG-Leistung added later, for every municipality', async () => {
    const [{ n: kommunen }] = (await db().query<{ n: number }>('select count(*)::int as n from public.kommune')) as [{ n: number }];
    const [leistung] = await db().query<{ id: string }>(
      `insert into public.ozg_leistung (ozg_id, name, themenfeld_id, kommunaler_vollzug)
       values (10100, 'Wohngeld', 2, true) returning id`,
    );
    const [rows] = await db().query<{ n: number }>(countStatus('where ozg_leistung_id = $1'), [leistung!.id]);
    expect(rows!.n).toBe(kommunen);
    const [coordinator] = await db().query<{ n: number }>(
      'select count(*)::int as n from public.leistung_status where ozg_leistung_id = $1',
      [leistung!.id],
    );
    expect(coordinator!.n).toBe(1);
  });

  it('gives an OZG-Leistung without kommunaler Vollzug a coordinator row but no municipal rows, until it gets one', async () => {
    const [leistung] = await db().query<{ id: string }>(
      `insert into public.ozg_leistung (ozg_id, name, themenfeld_id, kommunaler_vollzug)
       values (10101, 'Bundesleistung', 12, false) returning id`,
    );
    expect((await db().query<{ n: number }>(countStatus('where ozg_leistung_id = $1'), [leistung!.id]))[0]!.n).toBe(0);

    await db().query('update public.ozg_leistung set kommunaler_vollzug = true where id = $1', [leistung!.id]);
    const [{ n: kommunen }] = (await db().query<{ n: number }>('select count(*)::int as n from public.kommune')) as [{ n: number }];
    expect((await db().query<{ n: number }>(countStatus('where ozg_leistung_id = $1'), [leistung!.id]))[0]!.n).toBe(kommunen);
  });

  it('creates all status rows of a bulk import in one statement', async () => {
    const values = Array.from({ length: 40 }, (_, i) => `('05162${String(100 + i).padStart(3, '0')}', 'Testgemeinde ${i}', 'kreisangehörige Gemeinde')`);
    await db().query(`insert into public.kommune (ags, name, typ) values ${values.join(', ')}`);
    const [expected] = await db().query<{ n: number }>(
      `select (select count(*) from public.kommune where ags like '05162___' and ags <> '05162024')
            * (select count(*) from public.ozg_leistung where kommunaler_vollzug) as n`,
    );
    const [actual] = await db().query<{ n: number }>(countStatus(`where ags like '05162___' and ags <> '05162024'`));
    expect(actual!.n).toBe(Number(expected!.n));
  });

  it('bumps version and stamps updated_at / updated_by on every real change, but not on a no-op update', async () => {
    const [before] = await db().query<{ id: string; version: number; updated_at: string }>(
      `select id, version, updated_at from public.kommune_status where ags = '05315000' order by id limit 1`,
    );
    await db().query(`update public.kommune_status set bemerkung = 'Pilot' where id = $1`, [before!.id]);
    const [changed] = await db().query<{ version: number; updated_by: string }>(
      'select version, updated_by from public.kommune_status where id = $1',
      [before!.id],
    );
    expect(changed!.version).toBe(before!.version + 1);
    expect(changed!.updated_by).toBe('postgres');

    await db().query(`update public.kommune_status set bemerkung = 'Pilot' where id = $1`, [before!.id]);
    const [same] = await db().query<{ version: number }>('select version from public.kommune_status where id = $1', [before!.id]);
    expect(same!.version).toBe(changed!.version);

    await db().query(`update public.kommune_status set version = 999 where id = $1`, [before!.id]);
    const [forced] = await db().query<{ version: number }>('select version from public.kommune_status where id = $1', [before!.id]);
    expect(forced!.version).toBe(changed!.version);
  });

  it('takes the editor from the JWT claims when a signed-in user writes', async () => {
    await inRollback(db(), async (tx) => {
      const [row] = await tx.query<{ id: string }>(`select id from public.kommune_status where ags = '05158024' limit 1`);
      await authenticateAs(tx, 'OZG@Mettmann.example');
      await tx.query(`update public.kommune_status set status = 'in Planung' where id = $1`, [row!.id]);
      await asOwner(tx);
      const [after] = await tx.query<{ updated_by: string }>('select updated_by from public.kommune_status where id = $1', [row!.id]);
      expect(after!.updated_by).toBe('ozg@mettmann.example');
    });
  });

  const rejected: [string, string, RegExp][] = [
    [
      'a Reifegrad above model 1.1',
      `update public.kommune_status set reifegrad_modell = '1.1', reifegrad = 5 where ags = '05315000'`,
      /reifegrad_im_modell/,
    ],
    ['a Reifegrad above model 2.0', `update public.kommune_status set reifegrad = 8 where ags = '05315000'`, /reifegrad_im_modell/],
    ['a status outside the vocabulary', `update public.kommune_status set status = 'fertig' where ags = '05315000'`, /umsetzungsstatus/],
    ['a malformed URL', `update public.kommune_status set url = 'koeln.de ist online' where ags = '05315000'`, /url/],
    ['an implausible Zieltermin', `update public.kommune_status set zieltermin = '0202-01-01' where ags = '05315000'`, /zieltermin/],
    ['an AGS outside NRW', `insert into public.kommune (ags, name, typ) values ('09162000', 'München', 'kreisfreie Stadt')`, /ags/],
    ['an OZG-ID outside 10000-10601', `insert into public.ozg_leistung (ozg_id, name, themenfeld_id) values (99999, 'X', 1)`, /ozg_id/],
    [
      'an unknown further activity',
      `update public.leistung_status set weitere_aktivitaeten = array['Irgendwas']`,
      /Unbekannte weitere Aktivität „Irgendwas“/,
    ],
    [
      'a coordinator without a Themenfeld',
      `insert into public.mitglied (email, rolle) values ('neu@ozg-sync.example', 'koordination')`,
      /mitglied_bereich_passt_zur_rolle/,
    ],
    ['an email in capitals', `insert into public.mitglied (email, rolle) values ('Neu@ozg-sync.example', 'admin')`, /email/],
  ];
  it.each(rejected)('rejects %s', async (_name, sql, message) => {
    await expect(db().query(sql)).rejects.toThrow(message);
  });

  it('accepts Reifegrad 7 under maturity model 2.0', async () => {
    await db().query(
      `update public.kommune_status set reifegrad_modell = '2.0', reifegrad = 7 where ags = '05315000' and ozg_leistung_id =
         (select id from public.ozg_leistung where ozg_id = 10294)`,
    );
    const [row] = await db().query(
      `select reifegrad, reifegrad_modell from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id
       where s.ags = '05315000' and l.ozg_id = 10294`,
    );
    expect(row).toEqual({ reifegrad: 7, reifegrad_modell: '2.0' });
  });
});
