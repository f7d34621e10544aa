/**
 * Loads the NRW catalogue shipped in katalog/ (see katalog/README.md) into the configured database:
 *   npm run katalog [-- --dry-run]
 * Applies by default (in one transaction); --dry-run only reports, with the same report as npm run import.
 * With the embedded database held by a running npm start, the files go through that server's
 * POST /api/admin/import instead, since PGlite cannot be opened by two processes (server/db/server-lock.ts).
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../server/config.ts';
import { MigrationError } from '../server/db/migrate.ts';
import { openDatabase, prepareDatabase } from '../server/db/open.ts';
import { DatabaseInUseError, readServerLock, type ServerLock } from '../server/db/server-lock.ts';
import { importCatalogue, readCatalogue } from '../server/import/catalogue.ts';
import type { ImportFile } from '../server/import/files.ts';
import { collectImportFiles } from '../server/import/folder.ts';
import { summarise } from '../server/import/summary.ts';

const KATALOG = fileURLToPath(new URL('../katalog/', import.meta.url));
const USAGE = 'Aufruf: npm run katalog [-- --dry-run]';

class Fehler extends Error {}

async function direct(files: ImportFile[], apply: boolean): Promise<number> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const migration = await prepareDatabase(db, config);
    if (migration.applied.length) console.log(`Datenbank angelegt bzw. migriert: ${migration.applied.length} Migrationen.\n`);
    const read = await readCatalogue(files);
    const bericht = await db.transaction((tx) => importCatalogue(tx, read, { apply, hideMissing: false }));
    console.log(summarise(bericht));
    return bericht.fehler.length ? 1 : 0;
  } finally {
    await db.close();
  }
}

/** An admin's token: OZG_SYNC_TOKEN, or in local mode the first admin member's, as the task pane's sign-in offers them. */
async function adminToken(server: string): Promise<string> {
  if (process.env.OZG_SYNC_TOKEN) return process.env.OZG_SYNC_TOKEN;
  const members = await fetch(`${server}/api/dev/members`).catch(() => {
    throw new Fehler(`Der Server unter ${server} antwortet nicht. Erneut versuchen, sobald er läuft, oder ihn beenden.`);
  });
  if (members.status === 404) {
    throw new Fehler(
      'Der laufende Server meldet Personen über Supabase an: OZG_SYNC_TOKEN mit dem Token einer Administratorin setzen oder den Server beenden.',
    );
  }
  const admin = ((await members.json()) as { email: string; rolle: string }[]).find((m) => m.rolle === 'admin');
  if (!admin) throw new Fehler('Im laufenden Server ist kein Mitglied mit der Rolle admin eingetragen.');
  const login = await fetch(`${server}/api/dev/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.email }),
  });
  if (!login.ok) throw new Fehler(`Anmeldung als ${admin.email} beim Server fehlgeschlagen (HTTP ${login.status}).`);
  console.log(`Über den laufenden Server, angemeldet als ${admin.email}.`);
  return ((await login.json()) as { access_token: string }).access_token;
}

async function throughServer(lock: ServerLock, files: ImportFile[], apply: boolean): Promise<number> {
  console.log(`Die eingebettete Datenbank gehört dem laufenden Server (${lock.url}); der Katalog geht über dessen API.`);
  const token = await adminToken(lock.url);
  // Named files must all be catalogue tables, so only those with a known layout go up (it_dienstleister.csv has none yet).
  const known = new Set((await readCatalogue(files)).dateien.map((d) => d.datei));
  const form = new FormData();
  for (const file of files.filter((f) => known.has(f.name))) form.append('dateien', new Blob([new Uint8Array(file.content)]), file.name);
  form.append('apply', String(apply));
  const response = await fetch(`${lock.url}/api/admin/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const body = (await response.json()) as { zusammenfassung?: string; error?: { message: string; details?: { zusammenfassung?: string } } };
  const text = body.zusammenfassung ?? body.error?.details?.zusammenfassung;
  if (text) console.log(text);
  else if (body.error) throw new Fehler(`Der Server lehnt den Import ab (HTTP ${response.status}): ${body.error.message}`);
  return response.ok ? 0 : 1;
}

async function main(): Promise<number> {
  let dryRun: boolean;
  try {
    dryRun = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } } }).values['dry-run'];
  } catch (error) {
    throw new Fehler(`${(error as Error).message}\n${USAGE}`);
  }
  const files = await collectImportFiles([KATALOG]);
  const config = loadConfig();
  const lock = config.databaseUrl ? undefined : readServerLock(config.dataDir);
  const code = lock ? await throughServer(lock, files, !dryRun) : await direct(files, !dryRun);
  if (dryRun && code === 0) console.log('\nZum Übernehmen: npm run katalog (ohne --dry-run).');
  return code;
}

try {
  process.exitCode = await main();
} catch (error) {
  if (
    error instanceof Fehler ||
    error instanceof ConfigError ||
    error instanceof MigrationError ||
    error instanceof DatabaseInUseError
  ) {
    console.error(error.message);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
