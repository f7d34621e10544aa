/**
 * Imports the OZG catalogue from CSV or xlsx files straight into the database, as its owner:
 *   npm run import -- catalogue <Ordner oder Dateien …> [--apply] [--hide-missing]
 * Without --apply it only reports what would change. Same code as POST /api/admin/import.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../server/config.ts';
import { MigrationError } from '../server/db/migrate.ts';
import { openDatabase, prepareDatabase } from '../server/db/open.ts';
import { DatabaseInUseError } from '../server/db/server-lock.ts';
import { importCatalogue, readCatalogue } from '../server/import/catalogue.ts';
import { collectImportFiles, ImportPathError } from '../server/import/folder.ts';
import { summarise } from '../server/import/summary.ts';

const USAGE = 'Aufruf: npm run import -- catalogue <Ordner oder Dateien …> [--apply] [--hide-missing]';

class UsageError extends Error {}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: { apply: { type: 'boolean', default: false }, 'hide-missing': { type: 'boolean', default: false } },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = args;
  const [kind, ...targets] = positionals;
  if (kind !== 'catalogue' || !targets.length) throw new UsageError(USAGE);
  const files = await collectImportFiles(targets);
  if (!files.length) throw new UsageError(`Keine CSV- oder xlsx-Dateien in ${targets.join(', ')}.`);
  const read = await readCatalogue(files);

  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    await prepareDatabase(db, config);
    const bericht = await db.transaction((tx) =>
      importCatalogue(tx, read, { apply: values.apply, hideMissing: values['hide-missing'] }),
    );
    console.log(summarise(bericht));
    if (!bericht.angewendet && !bericht.fehler.length) {
      console.log('\nZum Übernehmen denselben Aufruf mit --apply wiederholen (alles in einer Transaktion).');
    }
    return bericht.fehler.length ? 1 : 0;
  } finally {
    await db.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  if (
    error instanceof UsageError ||
    error instanceof ImportPathError ||
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
