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

/** The three views of progress, each a table the pane, Excel and the xlsx download show alike. */
const TABELLEN = {
  themenfelder: {
    nach: 'themenfeld',
    titel: 'Fortschritt je Themenfeld',
    spalten: [count('schluessel', 'Nr.'), { key: 'name', label: 'Themenfeld', type: 'text' }, count('zeilen', 'Kommune × Leistung'), ...ZAEHLUNG],
  },
  leistungen: {
    nach: 'leistung',
    titel: 'Fortschritt je OZG-Leistung',
    spalten: [
      count('ozg_id', 'OZG-ID'),
      { key: 'name', label: 'OZG-Leistung', type: 'text' },
      count('themenfeld_id', 'Themenfeld'),
      count('zeilen', 'Kommunen'),
      ...ZAEHLUNG,
    ],
  },
  kommunen: {
    nach: 'kommune',
    titel: 'Fortschritt je Kommune',
    spalten: [
      { key: 'schluessel', label: 'AGS', type: 'text' },
      { key: 'name', label: 'Kommune', type: 'text' },
      { key: 'kreisschluessel', label: 'Kreis', type: 'text' },
      count('zeilen', 'OZG-Leistungen'),
      ...ZAEHLUNG,
    ],
  },
} as const satisfies Record<string, { nach: string; titel: string; spalten: Spalte[] }>;

type Filter = { themenfeld?: number; kreis?: string; stichtag?: number };
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

async function table(tx: Sql, { nach, titel, spalten }: (typeof TABELLEN)[keyof typeof TABELLEN], filter: Filter): Promise<ProgressTable> {
  const rows = await tx.query<Record<string, string | number | null>>(
    'select * from public.fortschritt($1, $2::smallint, $3, $4::bigint)',
    [nach, filter.themenfeld ?? null, filter.kreis ?? null, filter.stichtag ?? null],
  );
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

/**
 * How far the municipalities are, per Themenfeld, OZG-Leistung and Kommune, counted by the
 * database's fortschritt function (the same one behind the Studio views).
 */
export async function loadProgress(tx: Sql, filter: Filter): Promise<ProgressResponse> {
  const { filter: names, stand, stichtag } = await filterNames(tx, filter);
  return {
    stand: new Date(stand).toISOString(),
    stichtag,
    filter: names,
    untertitel: untertitel(names, stand, stichtag),
    themenfelder: await table(tx, TABELLEN.themenfelder, filter),
    leistungen: await table(tx, TABELLEN.leistungen, filter),
    kommunen: await table(tx, TABELLEN.kommunen, filter),
  };
}
