import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Sql } from '../../../server/db/database.ts';
import { MigrationError, migrate, readMigrations, readSeed } from '../../../server/db/migrate.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';

/** Everything a migration or seed could change: the schema's columns, constraints, triggers, and row counts. */
async function snapshot(db: Sql) {
  const columns = await db.query(
    `select table_name, column_name, data_type, is_nullable, column_default
     from information_schema.columns where table_schema = 'public' order by 1, 2`,
  );
  const constraints = await db.query(
    `select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def
     from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`,
  );
  const triggers = await db.query(
    `select tgrelid::regclass::text as tbl, tgname from pg_trigger
     where not tgisinternal and tgrelid::regclass::text not like 'supabase_migrations.%' order by 1, 2`,
  );
  const counts = await db.query(
    `select (select count(*) from public.themenfeld) as themenfeld, (select count(*) from public.ozg_leistung) as leistungen,
            (select count(*) from public.kommune) as kommunen, (select count(*) from public.kommune_status) as kommune_status,
            (select count(*) from public.leistung_status) as leistung_status, (select count(*) from public.mitglied) as mitglieder,
            (select count(*) from supabase_migrations.schema_migrations) as migrations`,
  );
  return { columns, constraints, triggers, counts };
}

describeEachDatabase(
  'Migration runner',
  ({ db }) => {
    it('applies every migration and the seed to an empty database', async () => {
      const migrations = await readMigrations();
      const report = await migrate(db(), migrations, { seed: await readSeed() });
      expect(report.applied).toEqual(migrations.map((m) => m.version));
      expect(report.total).toBe(migrations.length);
      expect(report.seeded).toBe(true);

      const recorded = await db().query<{ version: string; name: string }>(
        'select version, name from supabase_migrations.schema_migrations order by version',
      );
      expect(recorded).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
    });

    it('changes nothing when the same migrations are applied again', async () => {
      const before = await snapshot(db());
      const report = await migrate(db(), await readMigrations(), { seed: await readSeed() });
      expect(report).toMatchObject({ applied: [], seeded: false });
      expect(await snapshot(db())).toEqual(before);
    });

    it('refuses a migration whose file changed after it was applied, and applies nothing', async () => {
      const migrations = await readMigrations();
      const before = await snapshot(db());
      const edited = migrations.map((m, i) => (i === 0 ? { ...m, sql: `${m.sql}\ncreate table public.heimlich (x int);` } : m));
      const later = { version: '29991231235959', name: 'spaeter', sql: 'create table public.spaeter (x int);' };
      const attempt = migrate(db(), [...edited, later]);
      await expect(attempt).rejects.toThrow(MigrationError);
      await expect(attempt).rejects.toThrow(/wurde geändert, nachdem sie angewendet wurde/);
      expect(await snapshot(db())).toEqual(before);
    });

    it('treats a migration recorded by the Supabase CLI, split into statements, as unchanged', async () => {
      const [first] = await readMigrations();
      const statements = first!.sql.split(/;\s*\n/).map((s) => s.trim());
      await db().query('update supabase_migrations.schema_migrations set statements = $1 where version = $2', [
        statements,
        first!.version,
      ]);
      await expect(migrate(db(), await readMigrations())).resolves.toMatchObject({ applied: [] });
    });

    it('refuses to run when the database has a migration that has no file', async () => {
      const migrations = await readMigrations();
      await expect(migrate(db(), migrations.slice(0, -1))).rejects.toThrow(/keine Datei/);
    });

    it('applies a new migration alone, without seeding again', async () => {
      const kommunenBefore = await db().query('select count(*)::int as n from public.kommune');
      const later = { version: '29991231235959', name: 'spaeter', sql: 'create table public.spaeter (x int);' };
      const report = await migrate(db(), [...(await readMigrations()), later], { seed: await readSeed() });
      expect(report).toMatchObject({ applied: [later.version], seeded: false });
      expect(await db().query('select count(*)::int as n from public.kommune')).toEqual(kommunenBefore);
    });
  },
  { migrate: false },
);

it('rejects a migration file whose name does not follow the Supabase convention', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ozg-migrations-'));
  await writeFile(path.join(dir, 'neue_tabelle.sql'), 'select 1;');
  await expect(readMigrations(dir)).rejects.toThrow(/keine gültige Migration/);
});
