import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Database } from './database.ts';
import { migrate, readMigrations, readSeed, type MigrationReport } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { DatabaseInUseError, readServerLock } from './server-lock.ts';

export async function openDatabase(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  const holder = readServerLock(config.dataDir);
  if (holder) throw new DatabaseInUseError(config.dataDir, holder);
  const dir = path.join(config.dataDir, 'pglite');
  await mkdir(dir, { recursive: true });
  return openPglite(dir);
}

/** Brings a database to the current schema; a fresh one also gets the demo data where the configuration asks for it. */
export async function prepareDatabase(db: Database, { demoData }: Pick<Config, 'demoData'>): Promise<MigrationReport> {
  return migrate(db, await readMigrations(), demoData ? { seed: await readSeed() } : {});
}
