import type { Sql } from '../db/database.ts';
import { notFound } from '../errors.ts';

export interface Zeitpunkt {
  /** null: today */
  stichtag: { id: number; datum: string; bezeichnung: string } | null;
  stand: string;
}

export interface Wert {
  zeilen: number;
  online: number;
  ozgKonform: number;
  anteilOzgKonform: number | null;
}

export interface Reihe {
  schluessel: string;
  name: string;
  ozgId: number | null;
  /** one per Zeitpunkt, in the same order; null where the Themenfeld or Leistung had no counted row then */
  werte: (Wert | null)[];
}

export interface TrendResponse {
  zeitpunkte: Zeitpunkt[];
  themenfelder: Reihe[];
  leistungen: Reihe[];
}

type Row = { schluessel: string; name: string; ozg_id: number | null; zeilen: number; online: number; ab_reifegrad_3: number; anteil_ab_reifegrad_3: string | number | null };

/**
 * The progress figures at every Stichtag (oldest first) and today, per Themenfeld and per
 * OZG-Leistung: the same fortschritt function over the frozen rows of each Stichtag.
 */
export async function loadTrend(tx: Sql, filter: { themenfeld?: number; kreis?: string }): Promise<TrendResponse> {
  const [known] = await tx.query<{ themenfeld: boolean; kreis: boolean }>(
    `select exists (select 1 from public.themenfeld where id = $1::smallint) as themenfeld,
            exists (select 1 from public.kreis where kreisschluessel = $2) as kreis`,
    [filter.themenfeld ?? null, filter.kreis ?? null],
  );
  if (filter.themenfeld !== undefined && !known!.themenfeld) throw notFound(`Das Themenfeld ${filter.themenfeld} gibt es nicht.`);
  if (filter.kreis !== undefined && !known!.kreis) throw notFound(`Einen Kreis mit dem Schlüssel ${filter.kreis} gibt es nicht.`);

  const stichtage = await tx.query<{ id: number; datum: string; bezeichnung: string; stand: string }>(
    `select id::int as id, to_char(datum, 'YYYY-MM-DD') as datum, bezeichnung, erstellt_am as stand
     from public.stichtag order by datum, id`,
  );
  const [jetzt] = await tx.query<{ stand: string }>('select now() as stand');
  const zeitpunkte: Zeitpunkt[] = [
    ...stichtage.map(({ stand, ...stichtag }) => ({ stichtag, stand: new Date(stand).toISOString() })),
    { stichtag: null, stand: new Date(jetzt!.stand).toISOString() },
  ];

  const reihen = async (nach: 'themenfeld' | 'leistung'): Promise<Reihe[]> => {
    const byKey = new Map<string, Reihe>();
    for (const [index, punkt] of zeitpunkte.entries()) {
      const rows = await tx.query<Row>('select * from public.fortschritt($1, $2::smallint, $3, $4::bigint)', [
        nach,
        filter.themenfeld ?? null,
        filter.kreis ?? null,
        punkt.stichtag?.id ?? null,
      ]);
      for (const row of rows) {
        let reihe = byKey.get(row.schluessel);
        if (!reihe) {
          reihe = { schluessel: row.schluessel, name: row.name, ozgId: row.ozg_id, werte: zeitpunkte.map(() => null) };
          byKey.set(row.schluessel, reihe);
        }
        reihe.werte[index] = {
          zeilen: row.zeilen,
          online: row.online,
          ozgKonform: row.ab_reifegrad_3,
          anteilOzgKonform: row.anteil_ab_reifegrad_3 === null ? null : Number(row.anteil_ab_reifegrad_3),
        };
      }
    }
    return [...byKey.values()].sort((a, b) => (a.ozgId ?? Infinity) - (b.ozgId ?? Infinity) || a.name.localeCompare(b.name, 'de'));
  };

  return { zeitpunkte, themenfelder: await reihen('themenfeld'), leistungen: await reihen('leistung') };
}
