import { beforeAll, expect, it } from 'vitest';
import type { ProgressResponse } from '../../../server/review/contract.ts';
import type { TrendResponse } from '../../../server/review/trend.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, KOELN, METTMANN, MOBILITAET } from '../../helpers/members.ts';
import { apiInRollback, authenticateAs, inRollback } from '../../helpers/rls.ts';
import { pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';

const TESTFELD = 17;
const AGS = { koeln: '05315000', mettmann: '05158024' };

/**
 * Two municipal OZG-Leistungen in a Themenfeld of their own, over the seed's 12 Kommunen.
 *   before Stichtag 1: S1 Köln online/3, Mettmann online/4; S2 all offen     → S1 2 of 12 konform, S2 0
 *   before Stichtag 2: Mettmann S1 down to Reifegrad 2; Köln S2 online/3     → S1 1, S2 1
 *   today:             Mettmann S1 back up to 5, Köln S2 down to 2           → S1 2, S2 0
 * Themenfeld: 24 rows; konform 2, 2, 2 → 8.3 %, 8.3 %, 8.3 %.
 */
const SETUP = `
  insert into public.themenfeld (id, name) values (${TESTFELD}, 'Stichtagsfeld');
  insert into public.ozg_leistung (ozg_id, name, themenfeld_id, kommunaler_vollzug) values
    (10021, 'Leistung S1', ${TESTFELD}, true), (10022, 'Leistung S2', ${TESTFELD}, true);
`;

describeEachDatabase('Stichtage', ({ db }) => {
  beforeAll(async () => {
    await db().exec(SETUP);
  });

  const setCells = async (email: string, ags: string, ozgId: number, set: Record<string, unknown>) => {
    const api = apiAs(db(), email);
    const row = rowOf(await pullRows(api, 'kommune-status', ags), ozgId);
    const base = Object.fromEntries(Object.keys(set).map((key) => [key, row.values[key]]));
    const [result] = (await pushRows(api, 'kommune-status', { scope: ags, changes: [{ id: row.id, baseVersion: row.version, base, set }] })).results;
    expect(result!.outcome).toBe('applied');
  };
  const setzen = (body: unknown, email = ADMIN) =>
    apiAs(db(), email).request('/api/stichtage', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const progress = async (query: string): Promise<ProgressResponse> => {
    const response = await apiAs(db(), MOBILITAET).request(`/api/reports/progress?themenfeld=${TESTFELD}${query}`);
    expect(response.status).toBe(200);
    return response.json();
  };
  const konform = (report: ProgressResponse) => report.leistungen.zeilen.map((z) => [z.ozg_id, z.online, z.ab_reifegrad_3, z.anteil_ab_reifegrad_3]);

  let erster: number;
  let zweiter: number;

  it('only admins set a Stichtag; a bad one gets a German 400', async () => {
    await inRollback(db(), async (tx) => {
      const setzenAls = (body: unknown, email: string) =>
        apiInRollback(db(), tx, email).request('/api/stichtage', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await setzenAls({ datum: '2026-01-01', bezeichnung: 'Erhebung' }, KOELN)).status).toBe(403);
      expect((await setzenAls({ datum: '2026-01-01', bezeichnung: 'Erhebung' }, MOBILITAET)).status).toBe(403);
      const bad = await setzenAls({ datum: '01.01.2026', bezeichnung: '' }, ADMIN);
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.message).toMatch(/datum ist ein Datum nach ISO 8601/);
    });
  });

  it('a Stichtag freezes every counted row as it stands, and its figures stay as they were after later pushes', async () => {
    await setCells(KOELN, AGS.koeln, 10021, { status: 'online', reifegrad: 3 });
    await setCells(METTMANN, AGS.mettmann, 10021, { status: 'online', reifegrad: 4 });
    const response = await setzen({ datum: '2026-01-01', bezeichnung: 'Erhebung 01.01.2026' });
    expect(response.status).toBe(201);
    const stichtag = await response.json();
    expect(stichtag).toMatchObject({ datum: '2026-01-01', bezeichnung: 'Erhebung 01.01.2026', erstelltVon: ADMIN });
    erster = stichtag.id;
    const frozen = konform(await progress(`&stichtag=${erster}`));
    expect(frozen).toEqual([
      [10021, 2, 2, 0.1667],
      [10022, 0, 0, 0],
    ]);

    await setCells(METTMANN, AGS.mettmann, 10021, { reifegrad: 2 });
    await setCells(KOELN, AGS.koeln, 10022, { status: 'online', reifegrad: 3 });
    const after = await progress(`&stichtag=${erster}`);
    expect(konform(after)).toEqual(frozen);
    expect(after.stichtag).toEqual({ id: erster, datum: '2026-01-01', bezeichnung: 'Erhebung 01.01.2026' });
    expect(after.untertitel).toMatch(/Stichtag Erhebung 01\.01\.2026/);
    expect(konform(await progress(''))).toEqual([
      [10021, 2, 1, 0.0833],
      [10022, 1, 1, 0.0833],
    ]);
  });

  it('nobody changes or deletes a Stichtag or its rows, not even an admin or the database owner', async () => {
    for (const sql of [`update public.stichtag_status set reifegrad = 7`, `delete from public.stichtag`, `update public.stichtag set bezeichnung = 'anders'`]) {
      await inRollback(db(), async (tx) => {
        await authenticateAs(tx, ADMIN);
        await expect(tx.query(sql), sql).rejects.toThrow(/permission denied/);
      });
    }
    await expect(db().query(`update public.stichtag_status set reifegrad = 7 where stichtag_id = $1`, [erster])).rejects.toThrow(/eingefroren/);
    await expect(db().query(`delete from public.stichtag where id = $1`, [erster])).rejects.toThrow(/eingefroren/);
    await expect(db().query(`update public.stichtag set bezeichnung = 'anders' where id = $1`, [erster])).rejects.toThrow(/eingefroren/);
  });

  it('the trend gives the figures per Stichtag, oldest first, and today, per Themenfeld and per Leistung', async () => {
    zweiter = (await (await setzen({ datum: '2026-06-30', bezeichnung: 'Zwischenstand Juni' })).json()).id;
    await setCells(METTMANN, AGS.mettmann, 10021, { reifegrad: 5 });
    await setCells(KOELN, AGS.koeln, 10022, { reifegrad: 2 });

    const response = await apiAs(db(), KOELN).request(`/api/reports/trend?themenfeld=${TESTFELD}`);
    expect(response.status).toBe(200);
    const trend = (await response.json()) as TrendResponse;
    expect(trend.zeitpunkte.map((z) => z.stichtag?.id ?? 'heute')).toEqual([erster, zweiter, 'heute']);
    const reihe = (ozgId: number) => trend.leistungen.find((r) => r.ozgId === ozgId)!.werte.map((w) => w && [w.online, w.ozgKonform, w.anteilOzgKonform]);
    expect(reihe(10021)).toEqual([
      [2, 2, 0.1667],
      [2, 1, 0.0833],
      [2, 2, 0.1667],
    ]);
    expect(reihe(10022)).toEqual([
      [0, 0, 0],
      [1, 1, 0.0833],
      [1, 0, 0],
    ]);
    expect(trend.themenfelder.map((r) => [r.name, r.werte.map((w) => w && [w.zeilen, w.ozgKonform, w.anteilOzgKonform])])).toEqual([
      ['Stichtagsfeld', [[24, 2, 0.0833], [24, 2, 0.0833], [24, 2, 0.0833]]],
    ]);
  });

  it('lists the Stichtage, newest first, with the number of frozen rows', async () => {
    const list = await (await apiAs(db(), KOELN).request('/api/stichtage')).json();
    expect(list.map((s: { id: number }) => s.id)).toEqual([zweiter, erster]);
    const [row] = await db().query<{ n: number }>(`select count(*)::int as n from public.stichtag_status where stichtag_id = $1`, [erster]);
    expect(list[1].zeilen).toBe(row!.n);
    expect(row!.n).toBeGreaterThanOrEqual(24);
  });

  it('tells a Kommune what changed since a Stichtag: Köln changed S2 only, Mettmann S1 (4 then, 5 now)', async () => {
    const since = async (ags: string) => {
      const response = await apiAs(db(), KOELN).request(`/api/stichtage/${erster}/aenderungen?kommune=${ags}`);
      expect(response.status).toBe(200);
      return response.json();
    };
    expect(await since(AGS.koeln)).toEqual([
      {
        ozgId: 10022,
        leistung: 'Leistung S2',
        damals: { status: 'offen', reifegrad: null, reifegradModell: '2.0' },
        heute: { status: 'online', reifegrad: 2, reifegradModell: '2.0' },
      },
    ]);
    expect(await since(AGS.mettmann)).toEqual([
      {
        ozgId: 10021,
        leistung: 'Leistung S1',
        damals: { status: 'online', reifegrad: 4, reifegradModell: '2.0' },
        heute: { status: 'online', reifegrad: 5, reifegradModell: '2.0' },
      },
    ]);
    expect(await since('05111000')).toEqual([]);
  });

  it('answers an unknown Stichtag with 404', async () => {
    const response = await apiAs(db(), MOBILITAET).request('/api/reports/progress?stichtag=999999');
    expect(response.status).toBe(404);
    expect((await response.json()).error.message).toBe('Den Stichtag 999999 gibt es nicht.');
  });
});
