import type { Sql } from '../db/database.ts';
import { notFound } from '../errors.ts';
import type { ProgressResponse, ProgressTable } from './contract.ts';

type Spalte = ProgressTable['spalten'][number];
const count = (key: string, label: string): Spalte => ({ key, label, type: 'number' });

/** The counts every progress table shows, named as the public.fortschritt function names them. */
const ZAEHLUNG: Spalte[] = [
  count('offen', 'offen'),
  count('in_planung', 'in Planung'),
  count('in_umsetzung', 'in Umsetzung'),
  count('online', 'online'),
  count('reifegrad_ohne', 'Reifegrad ohne Angabe'),
  ...Array.from({ length: 8 }, (_, stufe) => count(`reifegrad_${stufe}`, `Reifegrad ${stufe}`)),
  count('ab_reifegrad_3', 'ab Reifegrad 3'),
  { key: 'anteil_ab_reifegrad_3', label: 'Anteil ab Reifegrad 3', type: 'percent' },
  // status and Reifegrad disagree: reported online, but no rating the OZG threshold could count
  count('online_ohne_reifegrad', 'online, ohne Reifegrad'),
];

/**
 * The federal figures (public.bundeszahlen): per Themenfeld and Kreis how many Leistungen are online
 * in at least one Kommune and in every one; per Leistung whether it is.
 */
const BUND_ANZAHL: Spalte[] = [
  count('leistungen', 'OZG-Leistungen'),
  count('mindestens_eine_kommune', 'online in mind. einer Kommune'),
  count('flaechendeckend', 'flächendeckend online'),
];
const BUND_JA_NEIN: Spalte[] = [
  { key: 'mindestens_eine_kommune', label: 'online in mind. einer Kommune', type: 'text' },
  { key: 'flaechendeckend', label: 'flächendeckend online', type: 'text' },
];

/** The views of progress, each a table the pane, Excel and the xlsx download show alike. */
const TABELLEN = {
  themenfelder: {
    nach: 'themenfeld',
    titel: 'Fortschritt je Themenfeld',
    spalten: [
      count('schluessel', 'Nr.'),
      { key: 'name', label: 'Themenfeld', type: 'text' },
      count('zeilen', 'Kommune × Leistung'),
      ...ZAEHLUNG,
      ...BUND_ANZAHL,
    ],
  },
  leistungen: {
    nach: 'leistung',
    titel: 'Fortschritt je OZG-Leistung',
    spalten: [
      count('ozg_id', 'OZG-ID'),
      { key: 'name', label: 'OZG-Leistung', type: 'text' },
      { key: 'themenfeld', label: 'Themenfeld', type: 'text' },
      count('zeilen', 'Kommunen'),
      ...ZAEHLUNG,
      ...BUND_JA_NEIN,
    ],
  },
  kommunen: {
    nach: 'kommune',
    titel: 'Fortschritt je Kommune',
    spalten: [
      { key: 'schluessel', label: 'AGS', type: 'text' },
      { key: 'name', label: 'Kommune', type: 'text' },
      { key: 'kreis', label: 'Kreis', type: 'text' },
      count('zeilen', 'OZG-Leistungen'),
      ...ZAEHLUNG,
    ],
  },
  kreise: {
    nach: 'kreis',
    titel: 'Bundeskennzahlen je Kreis',
    spalten: [
      { key: 'schluessel', label: 'Kreisschlüssel', type: 'text' },
      { key: 'name', label: 'Kreis', type: 'text' },
      count('kommunen', 'Kommunen'),
      ...BUND_ANZAHL,
      count('zeilen', 'Kommune × Leistung'),
      count('ozg_konform', 'OZG-konform'),
      { key: 'anteil_ozg_konform', label: 'Anteil OZG-konform', type: 'percent' },
    ],
  },
} as const satisfies Record<string, { nach: string; titel: string; spalten: Spalte[] }>;

type Filter = { themenfeld?: number; kreis?: string; stichtag?: number; seit?: string };
type Stichtag = NonNullable<ProgressResponse['stichtag']>;

/** The names of the chosen Themenfeld and Kreis (404 for an unknown one), and the time of counting. */
async function filterNames(
  tx: Sql,
  { themenfeld, kreis, stichtag }: Filter,
): Promise<{ filter: ProgressResponse['filter']; stand: string; stichtag: Stichtag | null }> {
  type Names = { themenfeld: string | null; kreis: string | null; stand: string; stichtag: Stichtag | null };
  const [names] = (await tx.query<Names>(
    `select (select name from public.themenfeld where id = $1::smallint) as themenfeld,
            (select name from public.kreis where kreisschluessel = $2) as kreis,
            coalesce((select erstellt_am from public.stichtag where id = $3::bigint), now()) as stand,
            (select json_build_object('id', id, 'datum', to_char(datum, 'YYYY-MM-DD'), 'bezeichnung', bezeichnung)
             from public.stichtag where id = $3::bigint) as stichtag`,
    [themenfeld ?? null, kreis ?? null, stichtag ?? null],
  )) as [Names];
  if (themenfeld !== undefined && names.themenfeld === null) throw notFound(`Das Themenfeld ${themenfeld} gibt es nicht.`);
  if (kreis !== undefined && names.kreis === null) throw notFound(`Einen Kreis mit dem Schlüssel ${kreis} gibt es nicht.`);
  if (stichtag !== undefined && names.stichtag === null) throw notFound(`Den Stichtag ${stichtag} gibt es nicht.`);
  return { filter: { themenfeld: names.themenfeld, kreis: names.kreis }, stand: names.stand, stichtag: names.stichtag };
}

type Row = Record<string, string | number | null>;

/** The federal figures per schluessel; a Leistung's counts are 0 or 1, shown as ja/nein. */
async function bundeszahlen(tx: Sql, nach: string, filter: Filter): Promise<Map<string, Row>> {
  const rows = await tx.query<Row>('select * from public.bundeszahlen($1, $2::smallint, $3, $4::bigint)', [
    nach,
    filter.themenfeld ?? null,
    filter.kreis ?? null,
    filter.stichtag ?? null,
  ]);
  const jaNein = (value: string | number | null | undefined) => (Number(value) > 0 ? 'ja' : 'nein');
  return new Map(
    rows.map((row) => [
      String(row.schluessel),
      nach === 'leistung'
        ? { ...row, mindestens_eine_kommune: jaNein(row.mindestens_eine_kommune), flaechendeckend: jaNein(row.flaechendeckend) }
        : row,
    ]),
  );
}

/** Themenfeld and Kreis by name: a reader of the report knows "Mettmann", not 05158. */
async function namen(tx: Sql): Promise<{ themenfeld: Map<string, string>; kreis: Map<string, string> }> {
  const rows = await tx.query<{ art: 'themenfeld' | 'kreis'; schluessel: string; name: string }>(
    `select 'themenfeld' as art, id::text as schluessel, name from public.themenfeld
     union all select 'kreis', kreisschluessel, name from public.kreis`,
  );
  const byArt = { themenfeld: new Map<string, string>(), kreis: new Map<string, string>() };
  for (const { art, schluessel, name } of rows) byArt[art].set(schluessel, name);
  return byArt;
}

async function table(
  tx: Sql,
  { nach, titel, spalten }: (typeof TABELLEN)[keyof typeof TABELLEN],
  filter: Filter,
  names: Awaited<ReturnType<typeof namen>>,
): Promise<ProgressTable> {
  const bund = nach === 'kommune' ? new Map<string, Row>() : await bundeszahlen(tx, nach, filter);
  const rows: Row[] =
    nach === 'kreis'
      ? [...bund.values()]
      : (await tx.query<Row>('select * from public.fortschritt($1, $2::smallint, $3, $4::bigint)', [
          nach,
          filter.themenfeld ?? null,
          filter.kreis ?? null,
          filter.stichtag ?? null,
        ])).map((row) => ({
          ...bund.get(String(row.schluessel)),
          ...row,
          themenfeld: names.themenfeld.get(String(row.themenfeld_id)) ?? null,
          kreis: names.kreis.get(String(row.kreisschluessel)) ?? null,
        }));
  const zeilen = rows.map((row) =>
    Object.fromEntries(
      spalten.map(({ key, type }) => {
        const value = row[key] ?? null;
        return [key, type === 'text' || value === null ? value : Number(value)];
      }),
    ),
  );
  return { titel, spalten: [...spalten], zeilen };
}

/** Which part of NRW a report covers and when it was counted, in German time wherever the server runs. */
function untertitel(filter: ProgressResponse['filter'], stand: string, stichtag: Stichtag | null): string {
  const parts = [filter.themenfeld && `Themenfeld ${filter.themenfeld}`, filter.kreis && `Kreis ${filter.kreis}`].filter(Boolean);
  const wann = new Date(stand).toLocaleString('de-DE', { timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'short' });
  const zeitpunkt = stichtag ? `Stichtag ${stichtag.bezeichnung} (eingefroren ${wann})` : `Stand ${wann}`;
  return `${parts.length ? parts.join(', ') : 'Ganz NRW'} · ${zeitpunkt} · OZG-erfüllt ab Reifegrad 3`;
}

type Meldungen = NonNullable<ProgressResponse['meldungen']>;
const BERLIN = { timeZone: 'Europe/Berlin' } as const;
const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString());

/**
 * Who has reported, per Kommune, from its rows' change stamps (public.meldungen). A date or time
 * without an offset means German time, so that "seit 01.11." starts at midnight in NRW wherever
 * the server runs.
 */
async function loadMeldungen(tx: Sql, filter: Filter): Promise<{ meldungen: Meldungen; zeilen: Map<string, Row> } | null> {
  if (filter.stichtag !== undefined) return null;
  const [{ seit }] = (await tx.query<{ seit: string | Date | null }>(
    `select case when $1::text ~ 'T.*(Z|[+-]\\d{2}(:?\\d{2})?)$' then $1::timestamptz
                 else $1::timestamp at time zone 'Europe/Berlin' end as seit`,
    [filter.seit ?? null],
  )) as [{ seit: string | Date | null }];
  const rows = await tx.query<{ ags: string; letzte_meldung: string | Date | null; gemeldet_von: string | null; zeilen_seit: number }>(
    `select ags, letzte_meldung, gemeldet_von, zeilen_seit from public.meldungen(coalesce($1::timestamptz, '-infinity'), $2::smallint, $3)`,
    [seit, filter.themenfeld ?? null, filter.kreis ?? null],
  );
  return {
    meldungen: { seit: iso(seit) },
    zeilen: new Map(
      rows.map((row) => [
        row.ags,
        { letzte_meldung: iso(row.letzte_meldung), gemeldet_von: row.gemeldet_von, zeilen_seit: Number(row.zeilen_seit) },
      ]),
    ),
  };
}

/** "seit 01.11.2026", with the time only when it is not midnight in Germany. */
function seitLabel(seit: string | null): string {
  if (seit === null) return 'geänderte Zeilen insgesamt';
  const date = new Date(seit);
  const time = date.toLocaleTimeString('de-DE', { ...BERLIN, hour: '2-digit', minute: '2-digit' });
  const day = date.toLocaleDateString('de-DE', { ...BERLIN, day: '2-digit', month: '2-digit', year: 'numeric' });
  return `geänderte Zeilen seit ${day}${time === '00:00' ? '' : `, ${time}`}`;
}

/** The Kommunen table with the three columns of who has reported. */
function mitMeldungen(kommunen: ProgressTable, { meldungen, zeilen }: { meldungen: Meldungen; zeilen: Map<string, Row> }): ProgressTable {
  const spalten: Spalte[] = [
    { key: 'letzte_meldung', label: 'Letzte Meldung', type: 'zeitpunkt' },
    { key: 'gemeldet_von', label: 'gemeldet von', type: 'text' },
    count('zeilen_seit', seitLabel(meldungen.seit)),
  ];
  const leer: Row = { letzte_meldung: null, gemeldet_von: null, zeilen_seit: 0 };
  return {
    ...kommunen,
    spalten: [...kommunen.spalten, ...spalten],
    zeilen: kommunen.zeilen.map((zeile) => ({ ...zeile, ...(zeilen.get(String(zeile.schluessel)) ?? leer) })),
  };
}

/**
 * How far the municipalities are, per Themenfeld, OZG-Leistung and Kommune, counted by the
 * database's fortschritt function (the same one behind the Studio views), and who has reported
 * since `seit` (today's figures only: a Stichtag's are frozen).
 */
export async function loadProgress(tx: Sql, filter: Filter): Promise<ProgressResponse> {
  const { filter: names, stand, stichtag } = await filterNames(tx, filter);
  const lookup = await namen(tx);
  const kommunen = await table(tx, TABELLEN.kommunen, filter, lookup);
  const meldungen = await loadMeldungen(tx, filter);
  return {
    stand: new Date(stand).toISOString(),
    stichtag,
    filter: names,
    untertitel: untertitel(names, stand, stichtag),
    themenfelder: await table(tx, TABELLEN.themenfelder, filter, lookup),
    leistungen: await table(tx, TABELLEN.leistungen, filter, lookup),
    kommunen: meldungen ? mitMeldungen(kommunen, meldungen) : kommunen,
    meldungen: meldungen?.meldungen ?? null,
    kreise: await table(tx, TABELLEN.kreise, filter, lookup),
  };
}
