import { expect, it } from 'vitest';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, KOELN, METTMANN, MOBILITAET } from '../../helpers/members.ts';
import { postChanges, pullRows, pushRows } from '../../helpers/sheets.ts';
import { READ_ONLY_FILL } from '../../../core/workbook.ts';
import { argbOf, cellAt, dataSheet, editFile, exportFile, importFile, loadWorkbook } from '../xlsx/workbooks.ts';

const KREIS_METTMANN = '05158';
const REISEPASS = '10177';

/** The seed's 46 OZG-Leistungen, all with kommunaler Vollzug (tests/server/db/seed.test.ts). */
const LEISTUNGEN = 46;

// The seed's three Kommunen of Kreis Mettmann: Mettmann, Ratingen and Velbert (tests/server/db/seed.test.ts).
describeEachDatabase('Sheets across Kommunen: a Kreis, one Leistung in every Kommune', ({ db }) => {

  it('a Kreis sheet of Kreis Mettmann has the rows of every Kommune of the Kreis, with read-only AGS and Kommune columns', async () => {
    const pull = await pullRows(apiAs(db(), ADMIN), 'kommune-status', KREIS_METTMANN);
    expect(pull.kind).toBe('kommune-status');
    expect(pull.columns.slice(0, 3).map((c) => [c.key, c.label, c.editable])).toEqual([
      ['ags', 'AGS', false],
      ['kommune', 'Kommune', false],
      ['ozg_id', 'OZG-ID', false],
    ]);
    const perKommune = new Map<unknown, number>();
    for (const row of pull.rows) perKommune.set(row.values.kommune, (perKommune.get(row.values.kommune) ?? 0) + 1);
    expect([...perKommune]).toEqual([
      ['Mettmann, Stadt', LEISTUNGEN],
      ['Ratingen, Stadt', LEISTUNGEN],
      ['Velbert, Stadt', LEISTUNGEN],
    ]);
    expect(new Set(pull.rows.map((row) => row.values.ags))).toEqual(new Set(['05158024', '05158028', '05158032']));
    // An admin may write every row.
    expect(pull.rows.filter((row) => row.readOnly)).toEqual([]);
  });

  it('a leistung-kommunen sheet for 10177 (Reisepass) has one row per Kommune, with the Kommune and its Kreis read-only', async () => {
    const pull = await pullRows(apiAs(db(), KOELN), 'leistung-kommunen', REISEPASS);
    expect(pull.rows.map((row) => [row.values.ags, row.values.kreis])).toEqual([
      ['05334002', 'Städteregion Aachen'],
      ['05562004', 'Recklinghausen'],
      ['05913000', 'Dortmund, Stadt'],
      ['05111000', 'Düsseldorf, Stadt'],
      ['05166012', 'Viersen'],
      ['05315000', 'Köln, Stadt'],
      ['05158024', 'Mettmann'],
      ['05515000', 'Münster, Stadt'],
      ['05774032', 'Paderborn'],
      ['05158028', 'Mettmann'],
      ['05974040', 'Soest'],
      ['05158032', 'Mettmann'],
    ]);
    expect(pull.columns.filter((c) => !c.editable).map((c) => c.key)).toEqual(['ags', 'kommune', 'kreis']);
    expect(pull.columns.find((c) => c.key === 'status')).toMatchObject({ editable: true, required: true });
  });

  it('marks in the pull exactly the rows of other Kommunen as read-only for a Kommune’s member', async () => {
    const kreis = await pullRows(apiAs(db(), METTMANN), 'kommune-status', KREIS_METTMANN);
    expect(kreis.rows.filter((row) => !row.readOnly).map((row) => row.values.ags)).toEqual(Array(LEISTUNGEN).fill('05158024'));
    const leistung = await pullRows(apiAs(db(), METTMANN), 'leistung-kommunen', REISEPASS);
    expect(leistung.rows.filter((row) => !row.readOnly).map((row) => row.values.ags)).toEqual(['05158024']);
    expect(leistung.rows.filter((row) => row.readOnly)).toHaveLength(11);
  });

  it('Mettmann’s member pushing into a Kreis sheet gets its own rows applied and every other Kommune’s row rejected with a German reason', async () => {
    const app = apiAs(db(), METTMANN);
    const pull = await pullRows(app, 'kommune-status', KREIS_METTMANN);
    const ofReisepass = pull.rows.filter((row) => row.values.ozg_id === Number(REISEPASS));
    expect(ofReisepass.map((row) => row.values.ags)).toEqual(['05158024', '05158028', '05158032']);

    const response = await pushRows(app, 'kommune-status', {
      scope: KREIS_METTMANN,
      changes: ofReisepass.map((row) => ({ id: row.id, baseVersion: row.version, set: { bemerkung: `Kreis-Blatt ${row.values.ags}` } })),
    });
    expect(response.results.map((r) => r.outcome)).toEqual(['applied', 'rejected', 'rejected']);
    expect(response.results[1]!.errors).toEqual([
      {
        key: 'id',
        message: 'Diese Zeile gehört zu Ratingen, Stadt; Sie dürfen sie nur ansehen, nicht ändern. Schreibrechte vergibt die OZG-Koordinierungsstelle.',
      },
    ]);
    expect(response.results[2]!.errors?.[0]?.message).toContain('Velbert, Stadt');

    const stored = await db().query<{ ags: string; bemerkung: string | null }>(
      `select s.ags, s.bemerkung from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id
       where l.ozg_id = 10177 and s.ags like '05158%' order by s.ags`,
    );
    expect(stored).toEqual([
      { ags: '05158024', bemerkung: 'Kreis-Blatt 05158024' },
      { ags: '05158028', bemerkung: null },
      { ags: '05158032', bemerkung: null },
    ]);
  });

  it('Mettmann’s member pushing into a leistung-kommunen sheet gets its own row applied, logged like any push, and Köln’s rejected', async () => {
    const app = apiAs(db(), METTMANN);
    const pull = await pullRows(app, 'leistung-kommunen', REISEPASS);
    const mettmann = pull.rows.find((row) => row.values.ags === '05158024')!;
    const koeln = pull.rows.find((row) => row.values.ags === '05315000')!;
    const response = await pushRows(app, 'leistung-kommunen', {
      scope: REISEPASS,
      changes: [
        { id: koeln.id, baseVersion: koeln.version, set: { status: 'online' } },
        { id: mettmann.id, baseVersion: mettmann.version, set: { status: 'online', reifegrad: 3 } },
      ],
    });
    expect(response.results.map((r) => [r.outcome, r.errors?.[0]?.message])).toEqual([
      ['rejected', 'Diese Zeile gehört zu Köln, Stadt; Sie dürfen sie nur ansehen, nicht ändern. Schreibrechte vergibt die OZG-Koordinierungsstelle.'],
      ['applied', undefined],
    ]);

    // The same rows as the Kommune's own sheet, under the same log.
    const own = await pullRows(app, 'kommune-status', '05158024');
    const row = own.rows.find((r) => r.id === mettmann.id)!;
    expect([row.values.status, row.values.reifegrad]).toEqual(['online', 3]);
    const logged = await db().query<{ tabelle: string; bereich: string; spalte: string; neu: unknown; akteur: string }>(
      `select tabelle, bereich, spalte, neu, akteur from public.aenderung where zeile_id = $1 and spalte in ('status', 'reifegrad') order by spalte`,
      [mettmann.id],
    );
    expect(logged).toEqual([
      { tabelle: 'kommune_status', bereich: '05158024', spalte: 'reifegrad', neu: 3, akteur: METTMANN },
      { tabelle: 'kommune_status', bereich: '05158024', spalte: 'status', neu: 'online', akteur: METTMANN },
    ]);
  });

  it('a member of no Kommune (a Themenfeld coordinator) has every row of a Kreis sheet rejected, row by row, and nothing written', async () => {
    const app = apiAs(db(), MOBILITAET);
    const pull = await pullRows(app, 'kommune-status', KREIS_METTMANN);
    expect(pull.rows.every((row) => row.readOnly)).toBe(true);
    const [first, second] = pull.rows;
    const response = await pushRows(app, 'kommune-status', {
      scope: KREIS_METTMANN,
      changes: [first!, second!].map((row) => ({ id: row.id, baseVersion: row.version, set: { anbieter: 'unbefugt' } })),
    });
    expect(response.results.map((r) => r.outcome)).toEqual(['rejected', 'rejected']);
    const [{ n }] = (await db().query<{ n: number }>(`select count(*)::int as n from public.kommune_status where anbieter = 'unbefugt'`)) as [
      { n: number },
    ];
    expect(n).toBe(0);
  });

  it('a row of another Kreis sent to a Kreis sheet is rejected as outside the scope, as in a Kommune’s sheet', async () => {
    const koeln = (await pullRows(apiAs(db(), ADMIN), 'kommune-status', '05315000')).rows[0]!;
    const response = await pushRows(apiAs(db(), ADMIN), 'kommune-status', {
      scope: KREIS_METTMANN,
      changes: [{ id: koeln.id, baseVersion: koeln.version, set: { bemerkung: 'falscher Kreis' } }],
    });
    expect(response.results[0]).toMatchObject({
      outcome: 'rejected',
      errors: [{ key: 'id', message: 'Diese Zeile gehört nicht zum Bereich 05158 (Kreis (Kreisschlüssel)).' }],
    });
  });

  it('the delta of a Kreis sheet after one change holds that one row', async () => {
    const app = apiAs(db(), METTMANN);
    const full = await pullRows(app, 'kommune-status', KREIS_METTMANN);
    const row = full.rows.find((r) => r.values.ags === '05158024' && r.values.ozg_id === 10294)!;
    await pushRows(app, 'kommune-status', {
      scope: KREIS_METTMANN,
      changes: [{ id: row.id, baseVersion: row.version, set: { anbieter: 'Kreis-Delta' } }],
    });
    const delta = await pullRows(app, 'kommune-status', KREIS_METTMANN, full.cursor);
    expect(delta.rows.map((r) => [r.id, r.values.anbieter])).toEqual([[row.id, 'Kreis-Delta']]);
    expect(delta.deleted).toEqual([]);
    expect((await pullRows(app, 'kommune-status', KREIS_METTMANN, delta.cursor)).rows).toEqual([]);
    // A change in another Kreis is not in this Kreis's delta.
    const koeln = (await pullRows(apiAs(db(), KOELN), 'kommune-status', '05315000')).rows[0]!;
    await pushRows(apiAs(db(), KOELN), 'kommune-status', {
      scope: '05315000',
      changes: [{ id: koeln.id, baseVersion: koeln.version, set: { anbieter: 'anderswo' } }],
    });
    expect((await pullRows(app, 'kommune-status', KREIS_METTMANN, delta.cursor)).rows).toEqual([]);
  });

  it('answers a malformed or unknown scope in German', async () => {
    const app = apiAs(db(), ADMIN);
    const kaputt = await app.request('/api/sheets/kommune-status/rows?scope=0515');
    expect(kaputt.status).toBe(400);
    expect((await kaputt.json()).error.message).toBe(
      'Ungültiger Bereich „0515“. Der Bereich ist der AGS einer Kommune, z. B. 05315000, der Kreisschlüssel eines Kreises, z. B. 05158, oder dl: und die Nummer eines IT-Dienstleisters, z. B. dl:1.',
    );
    const unbekannt = await app.request('/api/sheets/kommune-status/rows?scope=05999');
    expect(unbekannt.status).toBe(404);
    expect((await unbekannt.json()).error.message).toBe('Den Bereich 05999 (Kreis (Kreisschlüssel)) gibt es nicht.');
    const keineLeistung = await app.request('/api/sheets/leistung-kommunen/rows?scope=1017');
    expect(keineLeistung.status).toBe(400);
    expect((await postChanges(app, 'leistung-kommunen', { scope: '10999', changes: [] })).status).toBe(404);
  });
  it('exports a Kreis sheet with the other Kommunen’s rows grey and locked, and its import applies only Mettmann’s row', async () => {
    const app = apiAs(db(), METTMANN);
    const pull = await pullRows(app, 'kommune-status', KREIS_METTMANN);
    const own = pull.rows.find((row) => row.values.ags === '05158024' && row.values.ozg_id === 10350)!;
    const other = pull.rows.find((row) => row.values.ags === '05158032' && row.values.ozg_id === 10350)!;
    const file = await exportFile(app, 'kommune-status', KREIS_METTMANN);
    const sheet = dataSheet(await loadWorkbook(file));
    const grey = `FF${READ_ONLY_FILL.slice(1)}`;
    // Locked is a cell's default in the file format, so a locked cell carries no protection of its own.
    expect([argbOf(cellAt(sheet, own.id, 'Bemerkung')), cellAt(sheet, own.id, 'Bemerkung').protection?.locked]).toEqual([undefined, false]);
    expect([argbOf(cellAt(sheet, other.id, 'Bemerkung')), cellAt(sheet, other.id, 'Bemerkung').protection?.locked ?? true]).toEqual([grey, true]);

    const edited = await editFile(file, (data) => {
      cellAt(data, own.id, 'Bemerkung').value = 'aus der Datei';
      cellAt(data, other.id, 'Bemerkung').value = 'fremd aus der Datei';
    });
    const response = await importFile(app, 'kommune-status', edited);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: { id: string; outcome: string; errors?: { message: string }[] }[] };
    expect(body.results.map((r) => [r.id, r.outcome, r.errors?.[0]?.message])).toEqual([
      [own.id, 'applied', undefined],
      [other.id, 'rejected', 'Diese Zeile gehört zu Velbert, Stadt; Sie dürfen sie nur ansehen, nicht ändern. Schreibrechte vergibt die OZG-Koordinierungsstelle.'],
    ]);
  });

  it('when a Leistung loses kommunaler Vollzug, the Kreis delta lists its rows as gone and its leistung-kommunen sheet is no scope any more', async () => {
    const app = apiAs(db(), ADMIN);
    const full = await pullRows(app, 'kommune-status', KREIS_METTMANN);
    const gone = full.rows.filter((row) => row.values.ozg_id === 10433).map((row) => row.id);
    expect(gone).toHaveLength(3);
    await db().exec(`update public.ozg_leistung set kommunaler_vollzug_manuell = false where ozg_id = 10433`);
    const delta = await pullRows(app, 'kommune-status', KREIS_METTMANN, full.cursor);
    expect(delta.rows).toEqual([]);
    expect([...delta.deleted].sort()).toEqual([...gone].sort());
    const again = await pullRows(app, 'kommune-status', KREIS_METTMANN);
    expect(again.rows.filter((row) => row.values.ozg_id === 10433)).toEqual([]);
    expect(again.rows).toHaveLength(full.rows.length - gone.length);
    const response = await app.request('/api/sheets/leistung-kommunen/rows?scope=10433');
    expect(response.status).toBe(404);
    expect((await response.json()).error.message).toBe('Den Bereich 10433 (OZG-Leistung (OZG-ID)) gibt es nicht.');
  });

});
