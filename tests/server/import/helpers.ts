import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../../server/db/database.ts';
import { importCatalogue, readCatalogue, type ImportBericht, type ImportOptions } from '../../../server/import/catalogue.ts';
import type { ImportFile } from '../../../server/import/files.ts';
import { collectImportFiles } from '../../../server/import/folder.ts';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/catalogue/', import.meta.url));
/** The shared reference data next to the project (see ../shared/data/README.md); never copied in. */
export const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const SHARED_DATA_PRESENT = ['ozg-katalog-nrw/leika_leistungen.csv', 'gemeinden-nrw/gemeinden.csv'].every((file) =>
  existsSync(path.join(SHARED_DATA, file)),
);

export const fixture = (name: string) => collectImportFiles([path.join(FIXTURES, name)]);

export function csv(name: string, text: string): ImportFile {
  return { name, content: new TextEncoder().encode(text) };
}

/** As npm run import does it: one transaction as the database owner. */
export async function importAsOwner(db: Database, files: ImportFile[], options: Partial<ImportOptions> = {}): Promise<ImportBericht> {
  const read = await readCatalogue(files);
  return db.transaction((tx) => importCatalogue(tx, read, { apply: false, hideMissing: false, ...options }));
}

export const bilanz = (bericht: ImportBericht) =>
  Object.fromEntries(bericht.tabellen.map((t) => [t.tabelle, [t.neu, t.geaendert, t.unveraendert, t.fehlend]]));

export async function count(db: Database, sql: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(`select count(*)::int as n from (${sql}) x`);
  return row!.n;
}

/** Pairs of Kommune and municipal OZG-Leistung that lack their kommune_status row. */
export const MISSING_STATUS_ROWS = `select 1 from public.kommune k cross join public.ozg_leistung l
  where l.kommunaler_vollzug
    and not exists (select 1 from public.kommune_status s where s.ags = k.ags and s.ozg_leistung_id = l.id)`;
