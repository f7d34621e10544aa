import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VOCABULARY_CHANNEL, type Database } from './database.ts';

export const SUPABASE_DIR = fileURLToPath(new URL('../../supabase/', import.meta.url));
const BOOTSTRAP_FILE = fileURLToPath(new URL('./supabase-bootstrap.sql', import.meta.url));

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

export interface MigrationReport {
  /** Versions applied by this run, in order. */
  applied: string[];
  /** Migrations recorded in the database after this run. */
  total: number;
  /** Whether the seed ran (only on a database that had no migrations yet). */
  seeded: boolean;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Supabase CLI naming: <14-digit timestamp>_<name>.sql, applied in timestamp order. */
const MIGRATION_FILE = /^(\d{14})_(.+)\.sql$/;

export async function readMigrations(dir = path.join(SUPABASE_DIR, 'migrations')): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const match = MIGRATION_FILE.exec(file);
      if (!match) {
        throw new MigrationError(
          `Die Datei ${file} in ${dir} ist keine gültige Migration: erwartet wird <14-stelliger Zeitstempel>_<name>.sql.`,
        );
      }
      return { version: match[1]!, name: match[2]!, sql: await readFile(path.join(dir, file), 'utf8') };
    }),
  );
}

export async function readSeed(file = path.join(SUPABASE_DIR, 'seed.sql')): Promise<string> {
  return readFile(file, 'utf8');
}

/**
 * The Supabase CLI stores a migration as its list of statements; we store the file as one.
 * Comparing without white space and semicolons treats both as the same text.
 */
function fingerprint(sql: string): string {
  return sql.replace(/[\s;]+/g, '');
}

/**
 * Applies the migrations not yet recorded in supabase_migrations.schema_migrations (the table
 * the Supabase CLI keeps, so `supabase db push` and this runner agree), all in one transaction,
 * and the seed when the database had no migrations before. Refuses, changing nothing, when a
 * recorded migration's file has changed or is missing.
 */
export async function migrate(
  db: Database,
  migrations: Migration[],
  options: { seed?: string } = {},
): Promise<MigrationReport> {
  await db.exec(await readFile(BOOTSTRAP_FILE, 'utf8'));
  await db.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
    alter table supabase_migrations.schema_migrations add column if not exists statements text[];
    alter table supabase_migrations.schema_migrations add column if not exists name text;
  `);

  return db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(hashtext('ozg-sync:migrate'))`);
    const recorded = await tx.query<{ version: string; name: string | null; statements: string[] | null }>(
      `select version, name, statements from supabase_migrations.schema_migrations order by version`,
    );
    const byVersion = new Map(migrations.map((m) => [m.version, m]));
    for (const row of recorded) {
      const file = byVersion.get(row.version);
      const label = `${row.version}_${row.name ?? ''}`;
      if (!file) {
        throw new MigrationError(
          `Die Datenbank enthält die Migration ${label}, zu der es in supabase/migrations keine Datei gibt. ` +
            'Holen Sie die fehlende Datei (z. B. mit git pull), bevor der Server startet.',
        );
      }
      if (row.statements && fingerprint(row.statements.join('\n')) !== fingerprint(file.sql)) {
        throw new MigrationError(
          `Die Migration ${label} wurde geändert, nachdem sie angewendet wurde. ` +
            'Angewendete Migrationen dürfen nicht mehr verändert werden: stellen Sie die Datei wieder her ' +
            'und legen Sie die Änderung als neue Migration an.',
        );
      }
    }

    const done = new Set(recorded.map((row) => row.version));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query(
        `insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)`,
        [migration.version, migration.name, [migration.sql]],
      );
      applied.push(migration.version);
    }

    const seeded = recorded.length === 0 && applied.length > 0 && options.seed !== undefined;
    if (seeded) await tx.exec(options.seed!);
    // A migration may change an enum type: every server process forgets the vocabularies it keeps.
    if (applied.length) await tx.query(`select pg_notify($1, 'migration')`, [VOCABULARY_CHANNEL]);
    return { applied, total: recorded.length + applied.length, seeded };
  });
}
