import { ConfigError, loadConfig } from '../config.ts';
import { MigrationError } from './migrate.ts';
import { openDatabase, prepareDatabase } from './open.ts';
import { DatabaseInUseError } from './server-lock.ts';

try {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const report = await prepareDatabase(db, config);
    console.log(
      report.applied.length
        ? `Angewendet: ${report.applied.join(', ')} (insgesamt ${report.total} Migrationen${report.seeded ? ', mit Beispieldaten' : ''}).`
        : `Die Datenbank ist aktuell (${report.total} Migrationen).`,
    );
  } finally {
    await db.close();
  }
} catch (error) {
  if (error instanceof ConfigError || error instanceof MigrationError || error instanceof DatabaseInUseError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
