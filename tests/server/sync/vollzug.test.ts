import { beforeAll, expect, it } from 'vitest';
import type { ProgressResponse, ProgressTable } from '../../../server/review/contract.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, KOELN, MOBILITAET } from '../../helpers/members.ts';
import { asOwner, authenticateAs, inRollback } from '../../helpers/rls.ts';
import { postChanges, pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';
import { cellAt, editFile, exportFile, importFile } from '../xlsx/workbooks.ts';

const FELD = '17';
const KOELN_AGS = '05315000';

/**
 * A Themenfeld of its own, every figure counted by hand over the seed's 12 Kommunen:
 *   A (10021): LeiKa type 2/3, kommunal; Köln online with Reifegrad 3 (model 2.0)
 *   B (10022): LeiKa type 4, kommunal; online in all 12 Kommunen (flächendeckend)
 *   C (10023): LeiKa type 1 only, not kommunal
 * So Köln has 2 rows in the Themenfeld, both online, both OZG-konform (B with Reifegrad 4).
 */
const SETUP = `
  insert into public.themenfeld (id, name) values (${FELD}, 'Vollzugsfeld');
  insert into public.ozg_leistung (ozg_id, name, themenfeld_id, leika_typen, kommunaler_vollzug) values
    (10021, 'Leistung A', ${FELD}, '{2/3}', true), (10022, 'Leistung B', ${FELD}, '{4}', true),
    (10023, 'Leistung C', ${FELD}, '{1}', false);
  update public.kommune_status s set status = 'online', reifegrad = 4
  from public.ozg_leistung l where l.id = s.ozg_leistung_id and l.ozg_id = 10022;
  update public.kommune_status s set status = 'online', reifegrad = 3, bemerkung = 'seit 2024'
  from public.ozg_leistung l where l.id = s.ozg_leistung_id and l.ozg_id = 10021 and s.ags = '${KOELN_AGS}';
`;

const row = (table: ProgressTable, key: string, value: unknown) => table.zeilen.find((z) => z[key] === value);

describeEachDatabase('Kommunaler Vollzug per Leistung', ({ db }) => {
  beforeAll(async () => {
    await db().exec(SETUP);
  });

  const admin = () => apiAs(db(), ADMIN);
  const progress = async (): Promise<ProgressResponse> => {
    const response = await apiAs(db(), MOBILITAET).request(`/api/reports/progress?themenfeld=${FELD}`);
    expect(response.status).toBe(200);
    return response.json();
  };
  const statusRowsOf = (ozgId: number) =>
    db().query<{ ags: string; status: string; reifegrad: number | null; bemerkung: string | null; version: number }>(
      `select s.ags, s.status::text, s.reifegrad, s.bemerkung, s.version from public.kommune_status s
       join public.ozg_leistung l on l.id = s.ozg_leistung_id where l.ozg_id = $1 order by s.ags`,
      [ozgId],
    );
  const setVollzug = async (ozgId: number, value: boolean) => {
    const sheet = await pullRows(admin(), 'kommunaler-vollzug', FELD);
    const target = rowOf(sheet, ozgId);
    return pushRows(admin(), 'kommunaler-vollzug', {
      scope: FELD,
      changes: [
        {
          id: target.id,
          baseVersion: target.version,
          base: { kommunaler_vollzug: target.values.kommunaler_vollzug },
          set: { kommunaler_vollzug: value },
        },
      ],
    });
  };

  it('pulls the Leistungen of a Themenfeld with their Vollzug, the LeiKa types and whether it was set by hand', async () => {
    const sheet = await pullRows(admin(), 'kommunaler-vollzug', FELD);
    expect(sheet.columns.map((c) => [c.key, c.label, c.type, c.editable])).toEqual([
      ['ozg_id', 'OZG-ID', 'number', false],
      ['leistung', 'Leistung', 'text', false],
      ['leika_typen', 'LeiKa-Typen', 'text', false],
      ['vollzug_abgeleitet', 'Aus LeiKa-Typen abgeleitet', 'boolean', false],
      ['von_hand', 'Von Hand festgelegt', 'boolean', false],
      ['kommunaler_vollzug', 'Kommunaler Vollzug', 'boolean', true],
    ]);
    expect(sheet.rows.map((r) => Object.values(r.values))).toEqual([
      [10021, 'Leistung A', '2/3', true, false, true],
      [10022, 'Leistung B', '4', true, false, true],
      [10023, 'Leistung C', '1', false, false, false],
    ]);
  });

  it('a Leistung losing Vollzug leaves the Kommune pull and the progress figures, its status rows survive and come back unchanged', async () => {
    const before = await statusRowsOf(10021);
    expect(before).toHaveLength(12);
    const pullBefore = await pullRows(apiAs(db(), KOELN), 'kommune-status', KOELN_AGS);
    expect(pullBefore.rows).toHaveLength(46 + 2);
    const rowA = rowOf(pullBefore, 10021);
    const first = await progress();
    expect(first.themenfelder.zeilen).toEqual([
      expect.objectContaining({ zeilen: 24, online: 13, ab_reifegrad_3: 13, leistungen: 2, mindestens_eine_kommune: 2, flaechendeckend: 1 }),
    ]);

    const lost = await setVollzug(10021, false);
    expect(lost.results).toEqual([expect.objectContaining({ outcome: 'applied', values: expect.objectContaining({ kommunaler_vollzug: false, von_hand: true }) })]);

    const pullAfter = await pullRows(apiAs(db(), KOELN), 'kommune-status', KOELN_AGS);
    expect(pullAfter.rows).toHaveLength(46 + 1);
    expect(pullAfter.rows.some((r) => r.id === rowA.id)).toBe(false);
    const delta = await pullRows(apiAs(db(), KOELN), 'kommune-status', KOELN_AGS, pullBefore.cursor);
    expect(delta.deleted).toEqual([rowA.id]);
    const second = await progress();
    expect(second.themenfelder.zeilen).toEqual([
      expect.objectContaining({ zeilen: 12, online: 12, ab_reifegrad_3: 12, leistungen: 1, mindestens_eine_kommune: 1, flaechendeckend: 1 }),
    ]);
    expect(row(second.leistungen, 'ozg_id', 10021)).toBeUndefined();
    const koeln = row(second.kommunen, 'schluessel', KOELN_AGS);
    expect(koeln).toMatchObject({ zeilen: 1, online: 1 });
    // still in the database, untouched
    expect(await statusRowsOf(10021)).toEqual(before);

    await setVollzug(10021, true);
    const back = await pullRows(apiAs(db(), KOELN), 'kommune-status', KOELN_AGS);
    expect(back.rows).toHaveLength(46 + 2);
    expect(rowOf(back, 10021)).toEqual(rowA);
    expect(await statusRowsOf(10021)).toEqual(before);
    expect((await progress()).themenfelder.zeilen).toEqual(first.themenfelder.zeilen);
  });

  it('logs each change of Vollzug like a pushed cell, with the Leistung named', async () => {
    const log = await db().query<Record<string, unknown>>(
      `select akteur, quelle, bereich, bereich_name, ozg_id, spalte, spalte_label, alt, neu
       from public.aenderung_lesbar where tabelle = 'ozg_leistung' order by id`,
    );
    const entry = { akteur: ADMIN, quelle: 'api', bereich: FELD, bereich_name: 'Vollzugsfeld', ozg_id: 10021, spalte: 'kommunaler_vollzug', spalte_label: 'Kommunaler Vollzug' };
    expect(log).toEqual([
      { ...entry, alt: true, neu: false },
      { ...entry, alt: false, neu: true },
    ]);
    const response = await admin().request(`/api/changes?kind=kommunaler-vollzug`);
    expect(response.status).toBe(200);
    const { pushes } = await response.json();
    expect(pushes).toHaveLength(2);
    expect(pushes[0]).toMatchObject({ kind: 'kommunaler-vollzug', scope: FELD, scopeName: 'Vollzugsfeld', darfZuruecksetzen: true });
  });

  it('an admin flips Vollzug in the exported .xlsx file and sends it back; reverting the push restores it', async () => {
    const sheet = await pullRows(admin(), 'kommunaler-vollzug', FELD);
    const c = rowOf(sheet, 10023);
    const edited = await editFile(await exportFile(admin(), 'kommunaler-vollzug', FELD), (data) => {
      cellAt(data, c.id, 'Kommunaler Vollzug').value = 'ja';
    });
    const response = await importFile(admin(), 'kommunaler-vollzug', edited);
    expect(response.status).toBe(200);
    const { results } = await response.json();
    expect(results).toEqual([expect.objectContaining({ id: c.id, outcome: 'applied', values: expect.objectContaining({ kommunaler_vollzug: true }) })]);
    // C gains Vollzug: every Kommune gets its row
    expect(await statusRowsOf(10023)).toHaveLength(12);
    expect(rowOf(await pullRows(apiAs(db(), KOELN), 'kommune-status', KOELN_AGS), 10023).values.status).toBe('offen');

    const [{ push_schluessel: push }] = (await db().query<{ push_schluessel: string }>(
      `select push_schluessel from public.aenderung where tabelle = 'ozg_leistung' and quelle = 'xlsx'`,
    )) as [{ push_schluessel: string }];
    const revert = await admin().request('/api/changes/revert', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ push }),
    });
    expect(revert.status).toBe(200);
    expect(rowOf(await pullRows(admin(), 'kommunaler-vollzug', FELD), 10023).values.kommunaler_vollzug).toBe(false);
    expect((await pullRows(apiAs(db(), KOELN), 'kommune-status', KOELN_AGS)).rows.map((r) => r.values.ozg_id)).not.toContain(10023);
    expect(await statusRowsOf(10023)).toHaveLength(12);
  });

  it('hides the status rows of a Leistung without Vollzug in the database itself, for every member', async () => {
    await inRollback(db(), async (tx) => {
      await tx.query(`update public.ozg_leistung set kommunaler_vollzug_manuell = false where ozg_id = 10022`);
      for (const who of [ADMIN, KOELN]) {
        await authenticateAs(tx, who);
        const [{ n }] = (await tx.query<{ n: number }>(
          `select count(*)::int as n from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id where l.ozg_id = 10022`,
        )) as [{ n: number }];
        expect(n).toBe(0);
        const changed = await tx.query(
          `update public.kommune_status s set bemerkung = 'versteckt' from public.ozg_leistung l
           where l.id = s.ozg_leistung_id and l.ozg_id = 10022 returning s.id`,
        );
        expect(changed).toHaveLength(0);
      }
      await asOwner(tx);
      const [{ n }] = (await tx.query<{ n: number }>(
        `select count(*)::int as n from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id
         where l.ozg_id = 10022 and s.bemerkung is null`,
      )) as [{ n: number }];
      expect(n).toBe(12);
    });
  });

  it('a Kommune or a Themenfeld coordinator cannot change Vollzug, in the database', async () => {
    for (const who of [KOELN, MOBILITAET]) {
      await inRollback(db(), async (tx) => {
        await authenticateAs(tx, who);
        const changed = await tx.query(
          `update public.ozg_leistung set kommunaler_vollzug_manuell = false where ozg_id = 10022 returning id`,
        );
        expect(changed).toHaveLength(0);
        await asOwner(tx);
        const [leistung] = await tx.query<{ kommunaler_vollzug: boolean; kommunaler_vollzug_manuell: boolean | null }>(
          'select kommunaler_vollzug, kommunaler_vollzug_manuell from public.ozg_leistung where ozg_id = 10022',
        );
        expect(leistung).toEqual({ kommunaler_vollzug: true, kommunaler_vollzug_manuell: null });
      });
    }
  });

  it('a Kommune or a Themenfeld coordinator gets a German 403 from the API before anything is written', async () => {
    const sheet = await pullRows(apiAs(db(), KOELN), 'kommunaler-vollzug', FELD);
    const target = rowOf(sheet, 10022);
    for (const who of [KOELN, MOBILITAET]) {
      const response = await postChanges(apiAs(db(), who), 'kommunaler-vollzug', {
        scope: FELD,
        changes: [{ id: target.id, baseVersion: target.version, base: { kommunaler_vollzug: true }, set: { kommunaler_vollzug: false } }],
      });
      expect(response.status).toBe(403);
      expect((await response.json()).error.message).toBe(
        `Sie dürfen die Tabelle „Kommunaler Vollzug“ für den Bereich ${FELD} nicht ändern, nur ansehen. Schreibrechte vergibt die OZG-Koordinierungsstelle.`,
      );
    }
    expect((await statusRowsOf(10022)).length).toBe(12);
    const [{ kommunaler_vollzug }] = (await db().query<{ kommunaler_vollzug: boolean }>(
      'select kommunaler_vollzug from public.ozg_leistung where ozg_id = 10022',
    )) as [{ kommunaler_vollzug: boolean }];
    expect(kommunaler_vollzug).toBe(true);
  });
});
