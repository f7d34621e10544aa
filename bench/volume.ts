/**
 * The benchmark's data: NRW's real volume (396 Kommunen x 243 municipal OZG-Leistungen = 96,228 kommune_status
 * rows, from the catalogue and the municipality list in ../shared/data) plus a synthetic Themenfeld with 20,000
 * Leistungen as a large scope.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Database } from '../server/db/database.ts';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const MUNICIPAL_LEISTUNGEN = 243;
/** The synthetic Themenfeld (id 99) with this many Leistungen: the largest scope. */
const LARGE_SCOPE = 20_000;
/** The member the benchmark signs in as: an admin, so every request pays for token, membership and row-level security. */
export const BENCH_ADMIN = 'bench@ozg-sync.example';

type Csv = Record<string, string>[];
const readCsv = (file: string): Csv => parse(readFileSync(path.join(DATA, file)), { columns: true, skip_empty_lines: true });

function catalogue() {
  if (!existsSync(DATA)) {
    throw new Error(`Die Referenzdaten fehlen (${DATA}). Der Benchmark braucht ../shared/data mit dem OZG-Katalog und der Gemeindeliste.`);
  }
  const leistungen = readCsv('ozg-katalog-nrw/ozg_leistungen.csv');
  let municipal = 0;
  return {
    themenfelder: readCsv('ozg-katalog-nrw/themenfelder.csv').map((r) => ({ id: Number(r.id), name: r.name })),
    kreise: readCsv('gemeinden-nrw/kreise.csv').map((r) => ({
      kreisschluessel: r.kreisschluessel,
      name: r.name,
      typ: r.typ === 'kreis' ? 'Kreis' : 'kreisfreie Stadt',
    })),
    kommunen: readCsv('gemeinden-nrw/gemeinden.csv').map((r) => ({
      ags: r.ags,
      name: r.name,
      typ: r.typ === 'kreisfreie-stadt' ? 'kreisfreie Stadt' : 'kreisangehörige Gemeinde',
    })),
    // The LeiKa types mark 460 bundles as possibly municipal; the OZG counts about 240 as kommunaler
    // Vollzug. The first 243 candidates give the volume the issue names (96,228 rows).
    leistungen: leistungen.map((r) => {
      const candidate = (r.leika_typen ?? '').split(' ').some((t) => ['2/3', '4', '5'].includes(t));
      const vollzug = candidate && municipal < MUNICIPAL_LEISTUNGEN;
      if (vollzug) municipal++;
      return { ozg_id: Number(r.ozg_id), name: r.name, themenfeld_id: Number(r.themenfeld_id), kommunaler_vollzug: vollzug };
    }),
  };
}

/** Fills a migrated, empty database with the real volume; answers how many rows the benchmark works on. */
export async function seed(db: Database) {
  const data = catalogue();
  const insert = (table: string, columns: string, rows: unknown[]) =>
    db.query(
      `insert into public.${table} (${columns.replace(/ \w+(,|$)/g, '$1')}) select * from jsonb_to_recordset($1::text::jsonb) as x (${columns})`,
      [JSON.stringify(rows)],
    );
  await insert('themenfeld', 'id smallint, name text', [...data.themenfelder, { id: 99, name: 'Benchmark (synthetisch)' }]);
  await insert('kreis', 'kreisschluessel text, name text, typ text', data.kreise);
  await insert('ozg_leistung', 'ozg_id integer, name text, themenfeld_id smallint, kommunaler_vollzug boolean', data.leistungen);
  await insert('kommune', 'ags text, name text, typ text', data.kommunen);
  await db.query(
    `insert into public.ozg_leistung (name, themenfeld_id) select 'Synthetische Leistung ' || i, 99 from generate_series(1, $1::int) i`,
    [LARGE_SCOPE],
  );
  await db.query(`insert into public.mitglied (email, rolle) values ($1, 'admin')`, [BENCH_ADMIN]);
  await db.exec('analyze');
  const [counts] = await db.query<{ kommune_status: number; groesster_bereich: number }>(
    `select (select count(*) from public.kommune_status)::int as kommune_status,
            (select count(*) from public.leistung_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id where l.themenfeld_id = 99)::int as groesster_bereich`,
  );
  return counts!;
}
