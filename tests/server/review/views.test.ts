import { expect, it } from 'vitest';
import type { Sql } from '../../../server/db/database.ts';
import { SHEET_KINDS } from '../../../server/sync/sheets.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, FREMD, KOELN, MOBILITAET } from '../../helpers/members.ts';
import { asOwner, authenticateAs, inRollback } from '../../helpers/rls.ts';

/** A change as a municipality makes it (row-level security applies), to Köln's row of an OZG-Leistung. */
async function koelnAendert(tx: Sql, ozgId: number, bemerkung: string) {
  await authenticateAs(tx, KOELN);
  await tx.query(
    `update public.kommune_status set bemerkung = $2
     where ags = '05315000' and ozg_leistung_id = (select id from public.ozg_leistung where ozg_id = $1)`,
    [ozgId, bemerkung],
  );
  await asOwner(tx);
}

const offen = async (tx: Sql) =>
  tx.query<{ bereich_name: string; leistung: string; spalte_label: string; neu: unknown; akteur: string }>(
    `select bereich_name, leistung, spalte_label, neu, akteur from public.pruefung_offen where tabelle = 'kommune_status' order by id`,
  );

describeEachDatabase('Review in Supabase Studio: views and rules in the database', ({ db }) => {
  it('shows admins every unreviewed change in pruefung_offen with names and labels, coordinators their Themenfelder, municipalities nothing', async () => {
    await inRollback(db(), async (tx) => {
      await koelnAendert(tx, 10177, 'Reisepass, Themenfeld 9');
      await koelnAendert(tx, 10593, 'Vergabe, Themenfeld 14');

      await authenticateAs(tx, ADMIN);
      expect(await offen(tx)).toEqual([
        { bereich_name: 'Köln, Stadt', leistung: 'Reisepass', spalte_label: 'Bemerkung', neu: 'Reisepass, Themenfeld 9', akteur: KOELN },
        { bereich_name: 'Köln, Stadt', leistung: 'Öffentliche Vergabe', spalte_label: 'Bemerkung', neu: 'Vergabe, Themenfeld 14', akteur: KOELN },
      ]);
      await authenticateAs(tx, MOBILITAET);
      expect((await offen(tx)).map((e) => e.leistung)).toEqual(['Reisepass']);
      for (const email of [KOELN, FREMD]) {
        await authenticateAs(tx, email);
        expect(await offen(tx)).toEqual([]);
      }
    });
  });

  it('stamps who reviewed and when, whoever sets the mark, and keeps the first review', async () => {
    await inRollback(db(), async (tx) => {
      await koelnAendert(tx, 10177, 'zu prüfen');
      await authenticateAs(tx, MOBILITAET);
      const [marked] = await tx.query<{ geprueft_von: string; frisch: boolean }>(
        `update public.aenderung set geprueft_von = 'jemand.anders@example.org', geprueft_am = '2000-01-01'
         where id = (select max(id) from public.aenderung) returning geprueft_von, geprueft_am > now() - interval '1 minute' as frisch`,
      );
      expect(marked).toEqual({ geprueft_von: MOBILITAET, frisch: true });
      await authenticateAs(tx, ADMIN);
      await expect(tx.query('update public.aenderung set geprueft_am = now() where id = (select max(id) from public.aenderung)')).rejects.toThrow(
        /wurde schon am .* von mobilitaet@ozg-sync.example geprüft/,
      );
    });
  });

  it('does not let a review be taken back', async () => {
    await inRollback(db(), async (tx) => {
      await koelnAendert(tx, 10177, 'geprüft');
      await tx.query('update public.aenderung set geprueft_am = now() where id = (select max(id) from public.aenderung)');
      await expect(tx.query('update public.aenderung set geprueft_am = null where id = (select max(id) from public.aenderung)')).rejects.toThrow(
        /Prüfung kann nicht zurückgenommen werden/,
      );
    });
  });

  it('lets neither municipalities nor coordinators of another Themenfeld mark a change reviewed', async () => {
    await inRollback(db(), async (tx) => {
      await koelnAendert(tx, 10593, 'Themenfeld 14');
      const [{ id }] = (await tx.query<{ id: number }>('select max(id) as id from public.aenderung')) as [{ id: number }];
      for (const email of [KOELN, MOBILITAET]) {
        await authenticateAs(tx, email);
        const touched = await tx.query('update public.aenderung set geprueft_am = now() where id = $1 returning 1', [id]);
        expect(touched).toEqual([]);
      }
    });
  });

  it('labels every editable column in the database as the sheets label it', async () => {
    for (const sheet of Object.values(SHEET_KINDS)) {
      const comments = await db().query<{ spalte: string; label: string }>(
        `select a.attname as spalte, col_description(a.attrelid, a.attnum) as label from pg_attribute a
         where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped`,
        [`public.${sheet.table}`],
      );
      const labels = Object.fromEntries(comments.map((c) => [c.spalte, c.label]));
      for (const column of sheet.columns.filter((c) => c.editable)) expect(labels[column.key], column.key).toBe(column.label);
    }
  });

  it('lets every member read the progress views, counting only municipal OZG-Leistungen', async () => {
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, KOELN);
      const rows = await tx.query<{ name: string; zeilen: number }>('select name, zeilen from public.fortschritt_themenfeld order by name');
      const [{ n }] = (await tx.query<{ n: number }>(
        `select count(*)::int as n from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id where l.kommunaler_vollzug`,
      )) as [{ n: number }];
      expect(rows.reduce((sum, r) => sum + r.zeilen, 0)).toBe(n);
      expect(rows.map((r) => r.name)).toEqual(['Mobilität & Reisen', 'Unternehmensführung & -entwicklung']);
      await authenticateAs(tx, FREMD);
      expect(await tx.query('select * from public.fortschritt_kommune')).toEqual([]);
    });
  });
});
