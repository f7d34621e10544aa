import { beforeAll, expect, it } from 'vitest';
import type { ProgressResponse } from '../../../server/review/contract.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, KOELN, MOBILITAET } from '../../helpers/members.ts';
import { authenticateAs, inRollback } from '../../helpers/rls.ts';
import { pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';

const TESTFELD = 16;
const KOELN_AGS = '05315000';

/**
 * One municipal OZG-Leistung in a Themenfeld of its own; its rows are new, so they take the
 * database's default model. Of the seed's 12 Kommunen:
 *   Köln online/3 in model 1.1, Mettmann online/3 in 2.0, Kempen online/5 in 2.0,
 *   Münster in Umsetzung/2 in 2.0, Düsseldorf online without a Reifegrad, 7 offen.
 * OZG-konform (threshold 3 in both models): Köln, Mettmann, Kempen = 3 of 12.
 */
const SETUP = `
  insert into public.themenfeld (id, name) values (${TESTFELD}, 'Reifegradfeld');
  insert into public.ozg_leistung (ozg_id, name, themenfeld_id, kommunaler_vollzug) values (10011, 'Leistung R', ${TESTFELD}, true);
`;
const RATINGS = `
  update public.kommune_status s set status = v.status::public.umsetzungsstatus, reifegrad = v.reifegrad,
         reifegrad_modell = coalesce(v.modell::public.reifegrad_modell, s.reifegrad_modell)
  from (values ('05315000', 'online', 3, '1.1'), ('05158024', 'online', 3, null), ('05166012', 'online', 5, null),
               ('05515000', 'in Umsetzung', 2, null), ('05111000', 'online', null, null))
       as v (ags, status, reifegrad, modell)
  join public.ozg_leistung l on l.ozg_id = 10011
  where s.ags = v.ags and s.ozg_leistung_id = l.id;
`;

describeEachDatabase('Reifegradmodelle', ({ db }) => {
  beforeAll(async () => {
    await db().exec(SETUP);
  });

  const leistungR = async () => {
    const response = await apiAs(db(), MOBILITAET).request(`/api/reports/progress?themenfeld=${TESTFELD}`);
    expect(response.status).toBe(200);
    const { leistungen } = (await response.json()) as ProgressResponse;
    return leistungen.zeilen[0]!;
  };

  it('a new kommune_status row is in model 2.0, and a rating up to 7 needs no model from the client', async () => {
    const models = await db().query<{ modell: string; n: number }>(
      `select reifegrad_modell::text as modell, count(*)::int as n from public.kommune_status s
       join public.ozg_leistung l on l.id = s.ozg_leistung_id where l.ozg_id = 10011 group by 1`,
    );
    expect(models).toEqual([{ modell: '2.0', n: 12 }]);

    const koeln = apiAs(db(), KOELN);
    const row = rowOf(await pullRows(koeln, 'kommune-status', KOELN_AGS), 10011);
    const [result] = (await pushRows(koeln, 'kommune-status', { scope: KOELN_AGS, changes: [{ id: row.id, baseVersion: row.version, base: { reifegrad: null }, set: { reifegrad: 6 } }] })).results;
    expect(result).toMatchObject({ outcome: 'applied', values: { reifegrad: 6, reifegrad_modell: '2.0' } });
  });

  it('a push that leaves a row online without a Reifegrad is applied, with a hint (never an error)', async () => {
    const koeln = apiAs(db(), KOELN);
    const row = rowOf(await pullRows(koeln, 'kommune-status', KOELN_AGS), 10011);
    const response = await pushRows(koeln, 'kommune-status', {
      scope: KOELN_AGS,
      changes: [{ id: row.id, baseVersion: row.version, base: { status: row.values.status, reifegrad: 6 }, set: { status: 'online', reifegrad: null } }],
    });
    expect(response.results[0]).toMatchObject({ outcome: 'applied', values: { status: 'online', reifegrad: null } });
    expect(response.hinweise).toEqual([
      { id: row.id, key: 'reifegrad', message: '„Leistung R“ ist online, hat aber keinen Reifegrad: so zählt die Leistung nicht als OZG-konform (online, ohne Reifegrad).' },
    ]);
    const rated = await pushRows(koeln, 'kommune-status', {
      scope: KOELN_AGS,
      changes: [{ id: row.id, baseVersion: response.results[0]!.version!, base: { reifegrad: null }, set: { reifegrad: 3 } }],
    });
    expect(rated.hinweise).toBeUndefined();
  });

  it('explains both models, 2.0 first, with the level from which a rating is OZG-konform', async () => {
    const response = await apiAs(db(), KOELN).request('/api/reifegrade');
    expect(response.status).toBe(200);
    const modelle = (await response.json()) as { modell: string; ozgKonformAb: number; stufen: { stufe: number; name: string | null }[] }[];
    expect(modelle.map((m) => [m.modell, m.ozgKonformAb, m.stufen.map((s) => s.stufe)])).toEqual([
      ['2.0', 3, [0, 1, 2, 3, 4, 5, 6, 7]],
      ['1.1', 3, [0, 1, 2, 3, 4]],
    ]);
    // the level names of model 1.1 as the Länder publish them (README, "Reifegradmodelle")
    expect(modelle[1]!.stufen.map((s) => s.name)).toEqual(['Offline', 'Information', 'Formular-Assistent', 'Online-Leistung', 'Online-Transaktion']);
  });

  it('progress counts each rating against its own model’s threshold and hints at rows online without a Reifegrad', async () => {
    await db().exec(RATINGS);
    expect(await leistungR()).toMatchObject({ zeilen: 12, online: 4, ab_reifegrad_3: 3, anteil_ab_reifegrad_3: 0.25, online_ohne_reifegrad: 1 });
  });

  it('the threshold comes from the model: raising 2.0’s to 4 leaves Köln (1.1, level 3) and Kempen (2.0, level 5)', async () => {
    await db().exec(`update public.reifegradmodell set ozg_konform_ab = 4 where modell = '2.0'`);
    try {
      expect(await leistungR()).toMatchObject({ ab_reifegrad_3: 2, anteil_ab_reifegrad_3: 0.1667 });
    } finally {
      await db().exec(`update public.reifegradmodell set ozg_konform_ab = 3 where modell = '2.0'`);
    }
  });

  it('no member, not even an admin, changes a model or its levels: the thresholds are the migration’s', async () => {
    for (const email of [KOELN, ADMIN]) {
      for (const sql of [`update public.reifegradmodell set ozg_konform_ab = 0`, `delete from public.reifegrad_stufe`]) {
        await inRollback(db(), async (tx) => {
          await authenticateAs(tx, email);
          await expect(tx.query(sql), `${email}: ${sql}`).rejects.toThrow(/permission denied/);
        });
      }
    }
    const [row] = await db().query<{ n: number }>(`select count(*)::int as n from public.reifegradmodell where ozg_konform_ab = 3`);
    expect(row!.n).toBe(2);
  });
});
