import { expect, it } from 'vitest';
import type { Sql } from '../../../server/db/database.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { asOwner, authenticateAs, inRollback } from '../../helpers/rls.ts';
import { ADMIN, FREMD, KOELN, KREIS_METTMANN_IT, METTMANN, MOBILITAET, UNTERNEHMEN } from '../../helpers/members.ts';

const count = async (tx: Sql, sql: string, params: unknown[] = []) =>
  ((await tx.query<{ n: number }>(`select count(*)::int as n from (${sql}) x`, params))[0]!).n;

/** Rows an UPDATE touched, as the caller, and whether the rows changed for the owner afterwards. */
async function updateAs(tx: Sql, email: string, sql: string, changedSql: string) {
  await authenticateAs(tx, email);
  const touched = (await tx.query(`${sql} returning 1`)).length;
  await asOwner(tx);
  return { touched, changed: await count(tx, changedSql) };
}

describeEachDatabase('Row-level security, directly in SQL', ({ db }) => {
  it('has row-level security and at least one policy on every table in public', async () => {
    const tables = await db().query<{ tablename: string; rowsecurity: boolean; policies: number }>(
      `select t.tablename, t.rowsecurity, (select count(*)::int from pg_policies p where p.schemaname = 'public' and p.tablename = t.tablename) as policies
       from pg_tables t where t.schemaname = 'public' order by 1`,
    );
    expect(tables.length).toBeGreaterThanOrEqual(12);
    expect(tables.filter((t) => !t.rowsecurity || t.policies === 0)).toEqual([]);
  });

  it.each([ADMIN, MOBILITAET, KOELN, KREIS_METTMANN_IT])('lets the member %s read the catalogue and every municipality’s status', async (email) => {
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, email);
      expect(await count(tx, 'select * from public.themenfeld')).toBe(14);
      // 12 Kommunen × 46 Leistungen with kommunaler Vollzug
      expect(await count(tx, 'select * from public.kommune_status')).toBe(552);
      expect(await count(tx, 'select * from public.leistung_status')).toBe(46);
    });
  });

  it('shows nothing to a signed-in person without membership, and nothing to anon', async () => {
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, FREMD);
      expect(await count(tx, 'select * from public.themenfeld')).toBe(0);
      expect(await count(tx, 'select * from public.kommune_status')).toBe(0);
      expect(await count(tx, 'select * from public.mitglied')).toBe(0);
      await tx.query(`select set_config('role', 'anon', true)`);
      await expect(count(tx, 'select * from public.kommune')).rejects.toThrow(/permission denied/);
    });
  });

  const kommuneUpdate = `update public.kommune_status set bemerkung = 'RLS' where ags = '05315000'`;
  const kommuneChanged = `select 1 from public.kommune_status where ags = '05315000' and bemerkung = 'RLS'`;
  it.each([
    [ADMIN, 46],
    [KOELN, 46],
    [METTMANN, 0],
    [KREIS_METTMANN_IT, 0],
    [MOBILITAET, 0],
    [FREMD, 0],
  ])('lets %s change Köln’s status rows: %i rows, and a denied write changes nothing', async (email, expected) => {
    await inRollback(db(), async (tx) => {
      expect(await updateAs(tx, email, kommuneUpdate, kommuneChanged)).toEqual({ touched: expected, changed: expected });
    });
  });

  const leistungUpdate = `update public.leistung_status s set prioritaet = 'hoch' from public.ozg_leistung l
                          where l.id = s.ozg_leistung_id and l.themenfeld_id = 9`;
  const leistungChanged = `select 1 from public.leistung_status where prioritaet = 'hoch'`;
  it.each([
    [ADMIN, 21],
    [MOBILITAET, 21],
    [UNTERNEHMEN, 0],
    [KOELN, 0],
    [FREMD, 0],
  ])('lets %s change the Themenfeld-Übersicht of Mobilität & Reisen: %i rows', async (email, expected) => {
    await inRollback(db(), async (tx) => {
      expect(await updateAs(tx, email, leistungUpdate, leistungChanged)).toEqual({ touched: expected, changed: expected });
    });
  });

  it('does not let a municipality move its status row to another municipality', async () => {
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, KOELN);
      await expect(
        tx.query(`update public.kommune_status set ags = '05158024' where ags = '05315000' and bemerkung is null`),
      ).rejects.toThrow(/row-level security/);
    });
  });

  it.each([MOBILITAET, KOELN, FREMD])('lets only admins manage memberships and the catalogue, not %s', async (email) => {
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, email);
      await expect(tx.query(`insert into public.mitglied (email, rolle) values ('neu@example.org', 'admin')`)).rejects.toThrow(
        /row-level security/,
      );
    });
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, email);
      await expect(
        tx.query(`insert into public.kommune (ags, name, typ) values ('05315999', 'Neu', 'kreisangehörige Gemeinde')`),
      ).rejects.toThrow(/row-level security/);
    });
  });

  it('lets an admin add a member and logs it with the admin as the one who did it', async () => {
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, ADMIN);
      await tx.query(`insert into public.mitglied (email, rolle, ags) values ('neu@koeln.example', 'kommune', '05315000')`);
      await asOwner(tx);
      const entries = await tx.query(
        `select akteur, tabelle, bereich, neu ->> 'rolle' as rolle from public.aenderung where bereich = 'neu@koeln.example'`,
      );
      expect(entries).toHaveLength(1);
      const [entry] = entries;
      expect(entry).toEqual({ akteur: ADMIN, tabelle: 'mitglied', bereich: 'neu@koeln.example', rolle: 'kommune' });
    });
  });

  it('shows each person their own memberships and admins all of them', async () => {
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, KOELN);
      expect(await tx.query('select email from public.mitglied')).toEqual([{ email: KOELN }]);
      await authenticateAs(tx, ADMIN);
      expect(await count(tx, 'select * from public.mitglied')).toBe(6);
    });
  });

  it('shows the change log to admins in full, to coordinators for their Themenfelder, and to municipalities not at all', async () => {
    await inRollback(db(), async (tx) => {
      await tx.query(`update public.kommune_status set bemerkung = 'Log' where ags = '05315000'`);
      const all = await count(tx, 'select * from public.aenderung');
      const mobility = await count(tx, 'select * from public.aenderung where themenfeld_id = 9');
      expect(mobility).toBeGreaterThan(0);
      expect(mobility).toBeLessThan(all);
      await authenticateAs(tx, ADMIN);
      expect(await count(tx, 'select * from public.aenderung')).toBe(all);
      await authenticateAs(tx, MOBILITAET);
      expect(await count(tx, 'select * from public.aenderung')).toBe(mobility);
      await authenticateAs(tx, KOELN);
      expect(await count(tx, 'select * from public.aenderung')).toBe(0);
    });
  });

  it('lets coordinators mark their changes reviewed, but nobody, not even the database owner, alter or delete a log entry', async () => {
    await inRollback(db(), async (tx) => {
      await tx.query(`update public.kommune_status set bemerkung = 'Log' where ags = '05315000'`);
      await authenticateAs(tx, MOBILITAET);
      const reviewed = (
        await tx.query(`update public.aenderung set geprueft_von = $1, geprueft_am = now() where themenfeld_id = 9 returning 1`, [
          MOBILITAET,
        ])
      ).length;
      expect(reviewed).toBeGreaterThan(0);
      await expect(tx.query(`update public.aenderung set neu = '"falsch"' where themenfeld_id = 9`)).rejects.toThrow(
        /nicht verändert oder gelöscht/,
      );
    });
    for (const email of [ADMIN, MOBILITAET, KOELN]) {
      await inRollback(db(), async (tx) => {
        await tx.query(`update public.kommune_status set bemerkung = 'Log' where ags = '05315000'`);
        await authenticateAs(tx, email);
        await expect(tx.query(`delete from public.aenderung`)).rejects.toThrow(/permission denied/);
      });
    }
    await inRollback(db(), async (tx) => {
      await tx.query(`update public.kommune_status set bemerkung = 'Log' where ags = '05315000'`);
      await expect(tx.query(`delete from public.aenderung`)).rejects.toThrow(/nicht verändert oder gelöscht/);
    });
  });
});
