import { beforeAll, expect, it } from 'vitest';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, KOELN, KREIS_METTMANN_IT, METTMANN, MOBILITAET } from '../../helpers/members.ts';
import { postChanges, pullRows, pushRows } from '../../helpers/sheets.ts';

const KREIS_METTMANN = '05158';
const REISEPASS = 10177;
/** The seed's 46 OZG-Leistungen, all with kommunaler Vollzug (tests/server/db/seed.test.ts). */
const LEISTUNGEN = 46;
const NUR_ANSEHEN = 'Sie dürfen sie nur ansehen, nicht ändern. Schreibrechte vergibt die OZG-Koordinierungsstelle.';

/**
 * The seed's IT-Dienstleister Kreis Mettmann reports for Mettmann and Velbert; Ratingen, the third
 * Kommune of the Kreis, has no provider in the seed.
 */
describeEachDatabase('An IT-Dienstleister’s sheet: the Kommunen assigned to it', ({ db }) => {
  let scope: string;
  beforeAll(async () => {
    const [row] = await db().query<{ id: number }>(`select id from public.it_dienstleister where name = 'Kreis Mettmann' and ort = 'Mettmann'`);
    scope = `dl:${row!.id}`;
  });

  it('the provider’s sheet has one row per assigned Kommune and Leistung, with read-only AGS and Kommune, all writable for its member', async () => {
    const pull = await pullRows(apiAs(db(), KREIS_METTMANN_IT), 'kommune-status', scope);
    expect(pull.columns.slice(0, 3).map((c) => [c.key, c.editable])).toEqual([
      ['ags', false],
      ['kommune', false],
      ['ozg_id', false],
    ]);
    const perKommune = new Map<unknown, number>();
    for (const row of pull.rows) perKommune.set(row.values.kommune, (perKommune.get(row.values.kommune) ?? 0) + 1);
    expect([...perKommune]).toEqual([
      ['Mettmann, Stadt', LEISTUNGEN],
      ['Velbert, Stadt', LEISTUNGEN],
    ]);
    expect(pull.rows.filter((row) => row.readOnly)).toEqual([]);
    // Mettmann's own member reads Velbert's rows there, but may not write them.
    const mettmann = await pullRows(apiAs(db(), METTMANN), 'kommune-status', scope);
    expect(new Set(mettmann.rows.filter((row) => !row.readOnly).map((row) => row.values.ags))).toEqual(new Set(['05158024']));
  });

  it('the provider’s member pushing into a Kreis sheet gets Mettmann’s and Velbert’s rows applied and Ratingen’s rejected', async () => {
    const app = apiAs(db(), KREIS_METTMANN_IT);
    const pull = await pullRows(app, 'kommune-status', KREIS_METTMANN);
    const reisepass = pull.rows.filter((row) => row.values.ozg_id === REISEPASS);
    expect(reisepass.map((row) => [row.values.ags, Boolean(row.readOnly)])).toEqual([
      ['05158024', false],
      ['05158028', true],
      ['05158032', false],
    ]);
    const response = await pushRows(app, 'kommune-status', {
      scope: KREIS_METTMANN,
      changes: reisepass.map((row) => ({ id: row.id, baseVersion: row.version, set: { anbieter: `DL ${row.values.ags}` } })),
    });
    expect(response.results.map((r) => [r.outcome, r.errors?.[0]?.message])).toEqual([
      ['applied', undefined],
      ['rejected', `Diese Zeile gehört zu Ratingen, Stadt; ${NUR_ANSEHEN}`],
      ['applied', undefined],
    ]);
    const stored = await db().query<{ ags: string; anbieter: string | null; updated_by: string }>(
      `select s.ags, s.anbieter, s.updated_by from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id
       where l.ozg_id = ${REISEPASS} and s.ags like '05158%' order by s.ags`,
    );
    expect(stored.map((s) => [s.ags, s.anbieter, s.updated_by === KREIS_METTMANN_IT])).toEqual([
      ['05158024', 'DL 05158024', true],
      ['05158028', null, false],
      ['05158032', 'DL 05158032', true],
    ]);
  });

  it('a push into the provider’s sheet applies its rows, and a row of a Kommune outside it is rejected as outside the scope', async () => {
    const app = apiAs(db(), KREIS_METTMANN_IT);
    const own = (await pullRows(app, 'kommune-status', scope)).rows.find((row) => row.values.ags === '05158032' && row.values.ozg_id === 10294)!;
    const ratingen = (await pullRows(app, 'kommune-status', '05158028')).rows[0]!;
    const response = await pushRows(app, 'kommune-status', {
      scope,
      changes: [
        { id: own.id, baseVersion: own.version, set: { status: 'in Planung' } },
        { id: ratingen.id, baseVersion: ratingen.version, set: { status: 'in Planung' } },
      ],
    });
    expect(response.results.map((r) => [r.outcome, r.errors?.[0]?.message])).toEqual([
      ['applied', undefined],
      ['rejected', `Diese Zeile gehört nicht zum Bereich ${scope} (IT-Dienstleister).`],
    ]);
  });

  it('a Kommune removed from the provider leaves its sheet: the delta lists its rows as gone, and its member may no longer write them', async () => {
    const app = apiAs(db(), KREIS_METTMANN_IT);
    const full = await pullRows(app, 'kommune-status', scope);
    const velbert = full.rows.filter((row) => row.values.ags === '05158032').map((row) => row.id);
    expect(velbert).toHaveLength(LEISTUNGEN);

    const removed = await apiAs(db(), ADMIN).request('/api/dienstleister/zuordnungen/05158032', { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ ags: '05158032', kommune: 'Velbert, Stadt', dienstleister: 'Kreis Mettmann' });

    const delta = await pullRows(app, 'kommune-status', scope, full.cursor);
    expect(delta.rows).toEqual([]);
    expect([...delta.deleted].sort()).toEqual([...velbert].sort());
    const row = (await pullRows(app, 'kommune-status', '05158032')).rows[0]!;
    const refused = await postChanges(app, 'kommune-status', { scope: '05158032', changes: [{ id: row.id, baseVersion: row.version, set: { bemerkung: 'weg' } }] });
    expect(refused.status).toBe(403);

    // assigned again, the Kommune's rows are writable for the provider's member once more
    const added = await apiAs(db(), ADMIN).request('/api/dienstleister/zuordnungen', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ags: '05158032', dienstleisterId: Number(scope.slice(3)) }),
    });
    expect(added.status).toBe(201);
    const again = await postChanges(app, 'kommune-status', { scope: '05158032', changes: [{ id: row.id, baseVersion: row.version, set: { bemerkung: 'wieder da' } }] });
    expect(again.status).toBe(200);
  });

  it('answers a malformed or unknown provider scope in German', async () => {
    const app = apiAs(db(), KOELN);
    const kaputt = await app.request('/api/sheets/kommune-status/rows?scope=dl:x');
    expect(kaputt.status).toBe(400);
    expect((await kaputt.json()).error.message).toMatch(/^Ungültiger Bereich „dl:x“\. .*dl: und die Nummer eines IT-Dienstleisters/);
    const unbekannt = await app.request('/api/sheets/kommune-status/rows?scope=dl:999999');
    expect(unbekannt.status).toBe(404);
    expect((await unbekannt.json()).error.message).toBe('Den Bereich dl:999999 (IT-Dienstleister) gibt es nicht.');
  });
});

describeEachDatabase('IT-Dienstleister and their Kommunen, kept by admins through the API', ({ db }) => {
  const post = (email: string, body: unknown) =>
    apiAs(db(), email).request('/api/dienstleister/zuordnungen', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('every member reads the providers with their Kommunen and sheet scope', async () => {
    const response = await apiAs(db(), KOELN).request('/api/dienstleister');
    expect(response.status).toBe(200);
    const [kreis] = await response.json();
    expect(kreis).toEqual({
      id: expect.any(Number),
      name: 'Kreis Mettmann',
      ort: 'Mettmann',
      url: 'https://jkreis-mettmann.de',
      scope: `dl:${kreis.id}`,
      kommunen: [
        { ags: '05158024', name: 'Mettmann, Stadt' },
        { ags: '05158032', name: 'Velbert, Stadt' },
      ],
    });
  });

  it('only admins add or remove an assignment; a member gets a German 403 and nothing changes', async () => {
    const [{ id }] = (await db().query<{ id: number }>(`select id from public.it_dienstleister where name = 'Kreis Mettmann'`)) as [{ id: number }];
    for (const email of [KOELN, METTMANN, KREIS_METTMANN_IT]) {
      const response = await post(email, { ags: '05158028', dienstleisterId: id });
      expect(response.status).toBe(403);
      expect((await response.json()).error.message).toBe(
        'IT-Dienstleister und ihre Kommunen pflegen nur Administratorinnen und Administratoren der OZG-Koordinierungsstelle.',
      );
      expect((await apiAs(db(), email).request('/api/dienstleister/zuordnungen/05158024', { method: 'DELETE' })).status).toBe(403);
    }
    const list = async () => (await (await apiAs(db(), ADMIN).request('/api/dienstleister/zuordnungen')).json()).map((z: { ags: string }) => z.ags);
    expect(await list()).toEqual(['05158024', '05158032']);

    const added = await post(ADMIN, { ags: '05158028', dienstleisterId: id });
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({ ags: '05158028', kommune: 'Ratingen, Stadt', dienstleisterId: id, dienstleister: 'Kreis Mettmann' });
    expect(await list()).toEqual(['05158024', '05158028', '05158032']);
    expect((await apiAs(db(), ADMIN).request('/api/dienstleister/zuordnungen/05158028', { method: 'DELETE' })).status).toBe(200);
    expect(await list()).toEqual(['05158024', '05158032']);
  });

  it('logs every assignment as a change of rights that admins review, with who made it and how, and never reverts it', async () => {
    const [{ id }] = (await db().query<{ id: number }>(`select id from public.it_dienstleister where name = 'Kreis Mettmann'`)) as [{ id: number }];
    const zuordnungen = async (email: string) => {
      const response = await apiAs(db(), email).request('/api/changes?kind=zuordnungen');
      expect(response.status).toBe(200);
      return (await response.json()).pushes as { akteur: string; quelle: string; scope: string; darfZuruecksetzen: boolean; entries: { id: number; spalteLabel: string; alt: unknown; neu: unknown }[] }[];
    };
    const before = (await zuordnungen(ADMIN)).length;
    expect((await post(ADMIN, { ags: '05158028', dienstleisterId: id })).status).toBe(201);
    expect((await apiAs(db(), ADMIN).request('/api/dienstleister/zuordnungen/05158028', { method: 'DELETE' })).status).toBe(200);
    // the same right given in Studio or by SQL, as the table's owner, is logged too
    await db().query(`insert into public.kommune_dienstleister (ags, dienstleister_id) values ('05158028', $1)`, [id]);
    await db().query(`delete from public.kommune_dienstleister where ags = '05158028'`);

    const pushes = await zuordnungen(ADMIN);
    expect(pushes).toHaveLength(before + 4);
    const [sqlDelete, sqlInsert, apiDelete, apiInsert] = pushes;
    expect([apiInsert, apiDelete, sqlInsert, sqlDelete].map((push) => [push!.akteur, push!.quelle, push!.scope, push!.darfZuruecksetzen])).toEqual([
      [ADMIN, 'api', '05158028', false],
      [ADMIN, 'api', '05158028', false],
      [expect.any(String), 'sql', '05158028', false],
      [expect.any(String), 'sql', '05158028', false],
    ]);
    const [added] = apiInsert!.entries;
    expect([added!.spalteLabel, added!.alt, added!.neu]).toEqual(['Zuordnung zum IT-Dienstleister', null, expect.objectContaining({ ags: '05158028', dienstleister_id: id })]);
    expect(apiDelete!.entries[0]!.neu).toBeNull();

    // a coordinator reviews the changes of a Themenfeld, not who may write which Kommune
    expect(await zuordnungen(MOBILITAET)).toEqual([]);
    const revert = await apiAs(db(), ADMIN).request('/api/changes/revert', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [added!.id] }),
    });
    expect(revert.status).toBe(200);
    expect((await revert.json()).entries).toEqual([
      { id: added!.id, outcome: 'rejected', message: 'Zuordnungen zu IT-Dienstleistern werden nicht zurückgesetzt, sondern über /api/dienstleister/zuordnungen geändert.' },
    ]);
    const list = await (await apiAs(db(), ADMIN).request('/api/dienstleister/zuordnungen')).json();
    expect(list.map((z: { ags: string }) => z.ags)).toEqual(['05158024', '05158032']);
  });

  it('answers a second provider, an unknown Kommune or provider and a malformed request in German', async () => {
    const [{ id }] = (await db().query<{ id: number }>(`select id from public.it_dienstleister where name = 'Kreis Mettmann'`)) as [{ id: number }];
    const cases: [unknown, number, string | RegExp][] = [
      [{ ags: '05158024', dienstleisterId: id }, 409, 'Die Kommune 05158024 hat schon einen IT-Dienstleister. Entfernen Sie die Zuordnung zuerst.'],
      [{ ags: '05999999', dienstleisterId: id }, 400, 'Eine Kommune mit dem AGS 05999999 gibt es nicht.'],
      [{ ags: '05158028', dienstleisterId: 999999 }, 400, 'Den IT-Dienstleister 999999 gibt es nicht.'],
      [{ ags: '5158028', dienstleisterId: id }, 400, /Der AGS ist eine achtstellige Zahl aus NRW/],
      [{ ags: '05158028', dienstleisterId: 'eins' }, 400, /Der IT-Dienstleister ist eine Nummer/],
    ];
    for (const [body, status, message] of cases) {
      const response = await post(ADMIN, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect((await response.json()).error.message).toMatch(message);
    }
    const missing = await apiAs(db(), ADMIN).request('/api/dienstleister/zuordnungen/05158028', { method: 'DELETE' });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.message).toBe('Die Kommune 05158028 ist keinem IT-Dienstleister zugeordnet.');
  });
});
