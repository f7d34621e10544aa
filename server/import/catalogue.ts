import type { Sql } from '../db/database.ts';
import { withServerRights } from '../auth/caller.ts';
import { readFiles, type ImportFile, type Meldung } from './files.ts';
import { LAYOUTS, type LayoutName } from './layouts.ts';
import { reconcileKommunen, type AmtlicheKommune } from './reconcile.ts';
import { isLeikaKey, KOMMUNALE_LEIKA_TYPEN, validateRows, type CatalogueInput, type Herkunft, type OzgLeistung } from './rows.ts';

export type Tabelle = 'themenfeld' | 'lage' | 'ozg_leistung' | 'leika_leistung' | 'kreis' | 'kommune' | 'it_dienstleister';

export const TABELLEN: { tabelle: Tabelle; titel: string }[] = [
  { tabelle: 'themenfeld', titel: 'Themenfelder' },
  { tabelle: 'lage', titel: 'Lagen' },
  { tabelle: 'ozg_leistung', titel: 'OZG-Leistungen' },
  { tabelle: 'leika_leistung', titel: 'LeiKa-Leistungen' },
  { tabelle: 'kreis', titel: 'Kreise' },
  { tabelle: 'kommune', titel: 'Kommunen' },
  { tabelle: 'it_dienstleister', titel: 'IT-Dienstleister' },
];

export interface ImportOptions {
  apply: boolean;
  hideMissing: boolean;
}

/** The files, read and checked line by line; no database needed yet. */
export interface ReadCatalogue {
  dateien: { datei: string; layout: LayoutName; titel: string; zeilen: number }[];
  input: CatalogueInput;
  fehler: Meldung[];
  hinweise: Meldung[];
}

export interface Tabellenbilanz {
  tabelle: Tabelle;
  titel: string;
  neu: number;
  geaendert: number;
  unveraendert: number;
  fehlend: number;
  /** Missing rows hidden by this import (only with hideMissing). */
  ausgeblendet: number;
}

export interface GeaenderteZeile {
  tabelle: Tabelle;
  schluessel: string;
  name: string;
  spalten: string[];
}

export interface FehlendeZeile {
  tabelle: Tabelle;
  schluessel: string;
  name: string;
  /** Hidden already before this import. */
  schonAusgeblendet: boolean;
}

export interface Kommunenabgleich {
  datei: string;
  eintraege: number;
  exakt: number;
  ohneZusatz: number;
  aehnlich: { zeile: number; kdn: string; ags: string; kommune: string; abstand: number }[];
  nichtZugeordnet: { zeile: number; kdn: string; grund: string }[];
  ohneEintrag: { ags: string; name: string }[];
}

export interface ImportBericht {
  angewendet: boolean;
  dateien: ReadCatalogue['dateien'];
  tabellen: Tabellenbilanz[];
  geaendert: GeaenderteZeile[];
  fehlend: FehlendeZeile[];
  /** OZG-Leistungen of the files with kommunaler Vollzug afterwards, and how that changes. */
  kommunalerVollzug: { kommunal: number; wirdKommunal: number; nichtMehrKommunal: number; manuell: number } | null;
  /** kommune_status rows the triggers create (in a dry run: would create). */
  kommuneStatusNeu: number;
  kommunenabgleich: Kommunenabgleich | null;
  fehler: Meldung[];
  hinweise: Meldung[];
}

export async function readCatalogue(files: ImportFile[]): Promise<ReadCatalogue> {
  const read = await readFiles(files);
  const fehler = [...read.fehler];
  const hinweise = [...read.hinweise];
  const input = validateRows(read.files, fehler, hinweise);
  const dateien = read.files.map((f) => ({ datei: f.datei, layout: f.layout, titel: LAYOUTS[f.layout].title, zeilen: f.rows.length }));
  return { dateien, input, fehler, hinweise };
}

type Values = { [column: string]: unknown };

interface Current {
  key: string;
  values: Values;
  id?: string;
}

interface Desired {
  key: string;
  values: Values;
}

interface Plan {
  tabelle: Tabelle;
  neu: Desired[];
  geaendert: (Desired & { id?: string; spalten: string[] })[];
  unveraendert: number;
  fehlend: Current[];
}

/** Bulk statements take their rows as one JSON text parameter (cast in SQL), the same for both drivers. */
const json = (rows: unknown[]) => [JSON.stringify(rows)];

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** What the rows of a file change against the database; rows only in the database are missing when the file is the whole table. */
function plan(tabelle: Tabelle, desired: Desired[], current: Current[], complete: boolean): Plan {
  const byKey = new Map(current.map((c) => [c.key, c]));
  const result: Plan = { tabelle, neu: [], geaendert: [], unveraendert: 0, fehlend: [] };
  for (const row of desired) {
    const existing = byKey.get(row.key);
    if (!existing) {
      result.neu.push(row);
      continue;
    }
    const spalten = Object.keys(row.values).filter((column) => !same(row.values[column], existing.values[column]));
    if (spalten.length) result.geaendert.push({ ...row, id: existing.id, spalten });
    else result.unveraendert++;
  }
  if (complete) {
    const given = new Set(desired.map((d) => d.key));
    result.fehlend = current.filter((c) => !given.has(c.key));
  }
  return result;
}

/**
 * Rows without a real LeiKa key ("nicht im LeiKa") are told apart by key text, OZG-ID and name;
 * KDN lists one of them twice, so the n-th repetition is part of the key.
 */
function leikaKeys(rows: { leika_schluessel: string; ozg_id: number | null; name: string }[]): string[] {
  const seen = new Map<string, number>();
  return rows.map((r) => {
    if (isLeikaKey(r.leika_schluessel)) return r.leika_schluessel;
    const base = JSON.stringify([r.leika_schluessel, r.ozg_id, r.name]);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return `${base}#${n}`;
  });
}

const kommunal = (leikaTypen: string[]) => leikaTypen.some((t) => KOMMUNALE_LEIKA_TYPEN.includes(t));

/** A decision in the file's column replaces the database's; without one the database's stays, else the LeiKa types decide. */
function vollzugDanach(
  leistung: OzgLeistung,
  current: Pick<DbLeistung, 'kommunaler_vollzug_manuell'> | undefined,
): { kommunaler_vollzug: boolean; kommunaler_vollzug_manuell: boolean | null } {
  const manuell = leistung.kommunaler_vollzug !== undefined ? leistung.kommunaler_vollzug : (current?.kommunaler_vollzug_manuell ?? null);
  return { kommunaler_vollzug: manuell ?? kommunal(leistung.leika_typen), kommunaler_vollzug_manuell: manuell };
}

interface DbLeistung {
  id: string;
  ozg_id: number | null;
  name: string;
  themenfeld_id: number;
  lage_id: number | null;
  leika_anzahl: number | null;
  leika_typen: string[];
  kommunaler_vollzug: boolean;
  kommunaler_vollzug_manuell: boolean | null;
  ausgeblendet: boolean;
}

async function loadDatabase(tx: Sql) {
  const themenfelder = await tx.query<{ id: number; name: string }>('select id, name from public.themenfeld order by id');
  const lagen = await tx.query<{ id: number; themenfeld_id: number; name: string }>(
    'select id, themenfeld_id, name from public.lage order by id',
  );
  const kreise = await tx.query<Values & { kreisschluessel: string }>(
    'select kreisschluessel, name, typ, regierungsbezirk from public.kreis order by kreisschluessel',
  );
  const kommunen = await tx.query<{ ags: string; name: string; typ: string; url: string | null; ausgeblendet: boolean }>(
    'select ags, name, typ, url, ausgeblendet from public.kommune order by ags',
  );
  const leistungen = await tx.query<DbLeistung>(
    `select id, ozg_id, name, themenfeld_id, lage_id, leika_anzahl, leika_typen, kommunaler_vollzug, kommunaler_vollzug_manuell, ausgeblendet
     from public.ozg_leistung order by ozg_id`,
  );
  const leika = await tx.query<{
    id: string;
    leika_schluessel: string;
    name: string;
    ozg_id: number | null;
    leika_typ: string | null;
    rechtsgrundlage: string | null;
    ausgeblendet: boolean;
  }>(
    `select k.id, k.leika_schluessel, k.name, l.ozg_id, k.leika_typ, k.rechtsgrundlage, k.ausgeblendet
     from public.leika_leistung k left join public.ozg_leistung l on l.id = k.ozg_leistung_id order by k.id`,
  );
  const dienstleister = await tx.query<{ name: string; ort: string; url: string | null }>(
    'select name, ort, url from public.it_dienstleister order by name, ort',
  );
  return { themenfelder, lagen, kreise, kommunen, leistungen, leika, dienstleister };
}

type Db = Awaited<ReturnType<typeof loadDatabase>>;

/** Rows must point at Themenfelder, Lagen, OZG-Leistungen and Kreise that the files or the database have. */
function checkReferences(input: CatalogueInput, db: Db, fehler: Meldung[]) {
  const known = <T>(fromFile: T[] | undefined, fromDb: T[]) => new Set([...(fromFile ?? []), ...fromDb]);
  const themenfelder = known(input.themenfelder?.map((t) => t.id), db.themenfelder.map((t) => t.id));
  const lagen = known(input.lagen?.map((l) => l.id), db.lagen.map((l) => l.id));
  const leistungen = known(input.leistungen?.map((l) => l.ozg_id), db.leistungen.map((l) => l.ozg_id));
  const kreise = known(input.kreise?.map((k) => k.kreisschluessel), db.kreise.map((k) => k.kreisschluessel));
  const report = (row: Herkunft, text: string) => fehler.push({ datei: row.datei, zeile: row.zeile, text });
  for (const lage of input.lagen ?? []) {
    if (!themenfelder.has(lage.themenfeld_id)) report(lage, `Unbekanntes Themenfeld ${lage.themenfeld_id}.`);
  }
  for (const leistung of input.leistungen ?? []) {
    if (!themenfelder.has(leistung.themenfeld_id)) report(leistung, `Unbekanntes Themenfeld ${leistung.themenfeld_id}.`);
    if (leistung.lage_id !== null && !lagen.has(leistung.lage_id)) report(leistung, `Unbekannte Lage ${leistung.lage_id}.`);
  }
  for (const leika of input.leika ?? []) {
    if (leika.ozg_id !== null && !leistungen.has(leika.ozg_id)) report(leika, `Unbekannte OZG-Leistung ${leika.ozg_id}.`);
  }
  for (const kommune of input.kommunen ?? []) {
    const kreis = kommune.ags.slice(0, 5);
    if (!kreise.has(kreis)) report(kommune, `Unbekannter Kreis ${kreis}; bitte die Kreise mit importieren.`);
  }
}

const pick = (row: object, columns: readonly string[]): Values =>
  Object.fromEntries(columns.map((c) => [c, (row as Values)[c] ?? null]));

const SQL_TYPES = {
  themenfeld: { key: 'id', columns: { id: 'smallint', name: 'text' } },
  lage: { key: 'id', columns: { id: 'integer', themenfeld_id: 'smallint', name: 'text' } },
  kreis: { key: 'kreisschluessel', columns: { kreisschluessel: 'text', name: 'text', typ: 'text', regierungsbezirk: 'text' } },
  kommune: { key: 'ags', columns: { ags: 'text', name: 'text', typ: 'text', url: 'text', ausgeblendet: 'boolean' } },
  ozg_leistung: {
    key: 'ozg_id',
    columns: {
      ozg_id: 'integer',
      name: 'text',
      themenfeld_id: 'smallint',
      lage_id: 'integer',
      leika_anzahl: 'integer',
      leika_typen: 'text[]',
      kommunaler_vollzug: 'boolean',
      kommunaler_vollzug_manuell: 'boolean',
      ausgeblendet: 'boolean',
    },
  },
} as const;

const LEIKA_COLUMNS = ['leika_schluessel', 'name', 'ozg_id', 'leika_typ', 'rechtsgrundlage', 'ausgeblendet'] as const;

const DIENSTLEISTER_COLUMNS = ['name', 'ort', 'url'] as const;
/** A provider's natural key: KDN lists two named Südwestfalen-IT, in Hemer and in Siegen. */
const dienstleisterKey = (d: { name: string; ort: string }) => `${d.name}, ${d.ort}`;

const columnsOf = (tabelle: keyof typeof SQL_TYPES) => Object.keys(SQL_TYPES[tabelle].columns);

function plans(input: CatalogueInput, db: Db, abgleichUrls: Map<string, string>): Plan[] {
  const result: Plan[] = [];
  const simple = (tabelle: keyof typeof SQL_TYPES, rows: object[] | undefined, current: object[]) => {
    if (!rows) return;
    const { key } = SQL_TYPES[tabelle];
    const columns = columnsOf(tabelle);
    result.push(
      plan(
        tabelle,
        rows.map((r) => ({ key: String((r as Values)[key]), values: pick(r, columns) })),
        current.map((c) => ({ key: String((c as Values)[key]), values: pick(c, columns) })),
        true,
      ),
    );
  };
  simple('themenfeld', input.themenfelder, db.themenfelder);
  simple('lage', input.lagen, db.lagen);

  if (input.leistungen) {
    const current = new Map(db.leistungen.filter((l) => l.ozg_id !== null).map((l) => [l.ozg_id!, l]));
    simple(
      'ozg_leistung',
      input.leistungen.map((l) => ({ ...l, ...vollzugDanach(l, current.get(l.ozg_id)), ausgeblendet: false })),
      [...current.values()],
    );
  }

  if (input.leika) {
    const currentKeys = leikaKeys(db.leika);
    const desiredKeys = leikaKeys(input.leika);
    result.push(
      plan(
        'leika_leistung',
        input.leika.map((l, i) => ({ key: desiredKeys[i]!, values: pick({ ...l, ausgeblendet: false }, LEIKA_COLUMNS) })),
        db.leika.map((l, i) => ({ key: currentKeys[i]!, values: pick(l, LEIKA_COLUMNS), id: l.id })),
        true,
      ),
    );
  }

  simple('kreis', input.kreise, db.kreise);

  if (input.dienstleister) {
    result.push(
      plan(
        'it_dienstleister',
        input.dienstleister.map((d) => ({ key: dienstleisterKey(d), values: pick(d, DIENSTLEISTER_COLUMNS) })),
        db.dienstleister.map((d) => ({ key: dienstleisterKey(d), values: pick(d, DIENSTLEISTER_COLUMNS) })),
        true,
      ),
    );
  }

  const currentKommunen = new Map(db.kommunen.map((k) => [k.ags, k]));
  if (input.kommunen) {
    simple(
      'kommune',
      input.kommunen.map((k) => ({ ...k, url: abgleichUrls.get(k.ags) ?? currentKommunen.get(k.ags)?.url ?? null, ausgeblendet: false })),
      db.kommunen,
    );
  } else if (abgleichUrls.size) {
    // KDN's list alone only adds addresses to the municipalities already there.
    const columns = columnsOf('kommune');
    result.push(
      plan(
        'kommune',
        [...abgleichUrls].map(([ags, url]) => ({ key: ags, values: pick({ ...currentKommunen.get(ags)!, url }, columns) })),
        db.kommunen.map((k) => ({ key: k.ags, values: pick(k, columns) })),
        false,
      ),
    );
  }
  return result;
}

function reconcile(input: CatalogueInput, db: Db, kdnFile: string | undefined) {
  if (!input.kdn || !kdnFile) return { abgleich: null, urls: new Map<string, string>() };
  const amtlich: AmtlicheKommune[] = input.kommunen ?? db.kommunen;
  const result = reconcileKommunen(input.kdn, amtlich);
  const urls = new Map(result.zugeordnet.filter((z) => z.kdn.url).map((z) => [z.kommune.ags, z.kdn.url!]));
  const abgleich: Kommunenabgleich = {
    datei: kdnFile,
    eintraege: input.kdn.length,
    exakt: result.zugeordnet.filter((z) => z.art === 'exakt').length,
    ohneZusatz: result.zugeordnet.filter((z) => z.art === 'ohne Zusatz').length,
    aehnlich: result.zugeordnet
      .filter((z) => z.art === 'ähnlich')
      .map((z) => ({ zeile: z.kdn.zeile, kdn: z.kdn.name, ags: z.kommune.ags, kommune: z.kommune.name, abstand: z.abstand })),
    nichtZugeordnet: result.nichtZugeordnet.map((n) => ({ zeile: n.kdn.zeile, kdn: n.kdn.name, grund: n.grund })),
    ohneEintrag: result.ohneEintrag.map((k) => ({ ags: k.ags, name: k.name })),
  };
  return { abgleich, urls };
}

function nameOf(row: Values): string {
  return String(row.name ?? '');
}

function schluesselOf(plan: Plan, row: Current | Desired): string {
  if (plan.tabelle !== 'leika_leistung') return row.key;
  const values = row.values;
  return isLeikaKey(String(values.leika_schluessel)) ? String(values.leika_schluessel) : `${values.leika_schluessel} (OZG-ID ${values.ozg_id ?? '–'})`;
}

/**
 * kommune_status rows the triggers will add. Every municipal Leistung already has a row per
 * Kommune (trigger status_zeilen_anlegen), so only Leistungen turning municipal need counting;
 * counting all rows would cost a row-level security check per row.
 */
async function predictStatusRows(tx: Sql, db: Db, planned: Plan[]): Promise<number> {
  const neueKommunen = planned.find((p) => p.tabelle === 'kommune')?.neu.length ?? 0;
  const kommunenDanach = db.kommunen.length + neueKommunen;
  const leistungen = planned.find((p) => p.tabelle === 'ozg_leistung');
  const danach = new Map((leistungen?.geaendert ?? []).map((g) => [g.key, g.values.kommunaler_vollzug === true]));
  const werdenKommunal = db.leistungen.filter((l) => !l.kommunaler_vollzug && danach.get(String(l.ozg_id)) === true);
  // The rows a Leistung kept when it lost Vollzug come back instead of new ones. Row-level security
  // hides them from the signed-in admin (policy nur_kommunaler_vollzug), so they are counted with the
  // server's rights; only the number leaves this query.
  const vorhanden = werdenKommunal.length
    ? (
        await withServerRights(tx, () =>
          tx.query<{ n: number }>(
            `select count(*)::int as n from public.kommune_status
             where ozg_leistung_id in (select jsonb_array_elements_text($1::text::jsonb)::uuid)`,
            json(werdenKommunal.map((l) => l.id)),
          ),
        )
      )[0]!.n
    : 0;
  const bleibenKommunal = db.leistungen.filter((l) => l.kommunaler_vollzug && danach.get(String(l.ozg_id)) !== false).length;
  const neuKommunal = (leistungen?.neu ?? []).filter((l) => l.values.kommunaler_vollzug).length;
  return bleibenKommunal * neueKommunen + werdenKommunal.length * kommunenDanach - vorhanden + neuKommunal * kommunenDanach;
}

function vollzugBilanz(input: CatalogueInput, db: Db): ImportBericht['kommunalerVollzug'] {
  if (!input.leistungen) return null;
  const before = new Map(db.leistungen.map((l) => [l.ozg_id, l]));
  const bilanz = { kommunal: 0, wirdKommunal: 0, nichtMehrKommunal: 0, manuell: 0 };
  for (const leistung of input.leistungen) {
    const current = before.get(leistung.ozg_id);
    const abgeleitet = kommunal(leistung.leika_typen);
    const danach = vollzugDanach(leistung, current).kommunaler_vollzug;
    if (danach) bilanz.kommunal++;
    if (current && danach && !current.kommunaler_vollzug) bilanz.wirdKommunal++;
    if (current && !danach && current.kommunaler_vollzug) bilanz.nichtMehrKommunal++;
    if (danach !== abgeleitet) bilanz.manuell++;
  }
  return bilanz;
}


async function upsert(tx: Sql, tabelle: keyof typeof SQL_TYPES, rows: Values[]) {
  if (!rows.length) return;
  const { key, columns } = SQL_TYPES[tabelle];
  const names = Object.keys(columns);
  await tx.query(
    `insert into public.${tabelle} (${names.join(', ')})
     select ${names.map((n) => `r.${n}`).join(', ')}
     from jsonb_to_recordset($1::text::jsonb) as r (${Object.entries(columns).map(([n, t]) => `${n} ${t}`).join(', ')})
     on conflict (${key}) do update set ${names.filter((n) => n !== key).map((n) => `${n} = excluded.${n}`).join(', ')}`,
    json(rows),
  );
}

const LEIKA_RECORD = 'r (id uuid, leika_schluessel text, name text, ozg_id integer, leika_typ text, rechtsgrundlage text)';

async function apply(tx: Sql, planned: Plan[], hideMissing: boolean): Promise<Map<Tabelle, number>> {
  const byTable = new Map(planned.map((p) => [p.tabelle, p]));
  const changed = (tabelle: Tabelle) => {
    const p = byTable.get(tabelle);
    return p ? [...p.neu, ...p.geaendert].map((r) => r.values) : [];
  };
  // Leistungen before Kommunen: new Kommunen then get status rows only for Leistungen that stay municipal.
  await upsert(tx, 'themenfeld', changed('themenfeld'));
  await upsert(tx, 'lage', changed('lage'));
  await upsert(tx, 'kreis', changed('kreis'));
  await upsert(tx, 'ozg_leistung', changed('ozg_leistung'));
  await upsert(tx, 'kommune', changed('kommune'));

  const leika = byTable.get('leika_leistung');
  if (leika?.neu.length) {
    await tx.query(
      `insert into public.leika_leistung (leika_schluessel, name, ozg_leistung_id, leika_typ, rechtsgrundlage)
       select r.leika_schluessel, r.name, l.id, r.leika_typ, r.rechtsgrundlage
       from jsonb_to_recordset($1::text::jsonb) as ${LEIKA_RECORD}
       left join public.ozg_leistung l on l.ozg_id = r.ozg_id`,
      json(leika.neu.map((r) => r.values)),
    );
  }
  if (leika?.geaendert.length) {
    await tx.query(
      `update public.leika_leistung k
       set leika_schluessel = r.leika_schluessel, name = r.name, ozg_leistung_id = l.id, leika_typ = r.leika_typ,
           rechtsgrundlage = r.rechtsgrundlage, ausgeblendet = false
       from jsonb_to_recordset($1::text::jsonb) as ${LEIKA_RECORD}
       left join public.ozg_leistung l on l.ozg_id = r.ozg_id
       where k.id = r.id`,
      json(leika.geaendert.map((r) => ({ ...r.values, id: r.id }))),
    );
  }

  const dienstleister = changed('it_dienstleister');
  if (dienstleister.length) {
    // Providers missing from the file stay: Kommunen may be assigned to them.
    await tx.query(
      `insert into public.it_dienstleister (name, ort, url)
       select r.name, r.ort, r.url from jsonb_to_recordset($1::text::jsonb) as r (name text, ort text, url text)
       on conflict (name, ort) do update set url = excluded.url`,
      json(dienstleister),
    );
  }

  const hidden = new Map<Tabelle, number>();
  if (!hideMissing) return hidden;
  const hide: [Tabelle, string, (c: Current) => unknown][] = [
    ['ozg_leistung', 'ozg_id::text', (c) => c.key],
    ['leika_leistung', 'id::text', (c) => c.id],
    ['kommune', 'ags', (c) => c.key],
  ];
  for (const [tabelle, column, keyOf] of hide) {
    const keys = (byTable.get(tabelle)?.fehlend ?? []).filter((c) => !c.values.ausgeblendet).map(keyOf);
    if (!keys.length) continue;
    await tx.query(
      `update public.${tabelle} set ausgeblendet = true where ${column} in (select jsonb_array_elements_text($1::text::jsonb))`,
      json(keys),
    );
    hidden.set(tabelle, keys.length);
  }
  return hidden;
}

/**
 * Compares the files with the database and, with options.apply and no errors, writes the
 * differences: upserts by natural key, never deletes, hides missing rows only with
 * options.hideMissing. Runs on tx, the caller's one transaction: as the database owner
 * (npm run import) or as the signed-in admin under row-level security (the API).
 */
export async function importCatalogue(tx: Sql, read: ReadCatalogue, options: ImportOptions): Promise<ImportBericht> {
  // The change log names the import as the source of what the triggers write.
  await tx.query(`select set_config('ozg.quelle', 'import', true)`);
  const fehler = [...read.fehler];
  const db = await loadDatabase(tx);
  checkReferences(read.input, db, fehler);
  const kdnFile = read.dateien.find((d) => d.layout === 'kommunen_kdn')?.datei;
  const { abgleich, urls } = reconcile(read.input, db, kdnFile);
  const planned = plans(read.input, db, urls);
  fehler.sort((a, b) => a.datei.localeCompare(b.datei) || (a.zeile ?? 0) - (b.zeile ?? 0));

  const angewendet = options.apply && fehler.length === 0;
  const kommuneStatusNeu = await predictStatusRows(tx, db, planned);
  const hidden = angewendet ? await apply(tx, planned, options.hideMissing) : new Map<Tabelle, number>();

  const order = TABELLEN.map((t) => t.tabelle);
  planned.sort((a, b) => order.indexOf(a.tabelle) - order.indexOf(b.tabelle));
  return {
    angewendet,
    dateien: read.dateien,
    tabellen: planned.map((p) => ({
      tabelle: p.tabelle,
      titel: TABELLEN.find((t) => t.tabelle === p.tabelle)!.titel,
      neu: p.neu.length,
      geaendert: p.geaendert.length,
      unveraendert: p.unveraendert,
      fehlend: p.fehlend.length,
      ausgeblendet: hidden.get(p.tabelle) ?? 0,
    })),
    geaendert: planned.flatMap((p) =>
      p.geaendert.map((g) => ({ tabelle: p.tabelle, schluessel: schluesselOf(p, g), name: nameOf(g.values), spalten: g.spalten })),
    ),
    fehlend: planned.flatMap((p) =>
      p.fehlend.map((f) => ({
        tabelle: p.tabelle,
        schluessel: schluesselOf(p, f),
        name: nameOf(f.values),
        schonAusgeblendet: f.values.ausgeblendet === true,
      })),
    ),
    kommunalerVollzug: vollzugBilanz(read.input, db),
    kommuneStatusNeu,
    kommunenabgleich: abgleich,
    fehler,
    hinweise: read.hinweise,
  };
}
