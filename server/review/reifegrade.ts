import type { Sql } from '../db/database.ts';

export interface Reifegradstufe {
  stufe: number;
  /** null where the published model names no level title that could be verified */
  name: string | null;
  erklaerung: string;
}

export interface Reifegradmodell {
  modell: '1.1' | '2.0';
  bezeichnung: string;
  /** from this level a rating counts as OZG-konform */
  ozgKonformAb: number;
  gueltigAb: string;
  erlaeuterung: string;
  quelle: string;
  stufen: Reifegradstufe[];
}

/** Both maturity models with their levels, newest first, as the database keeps them (public.reifegradmodell). */
export async function readReifegradmodelle(tx: Sql): Promise<Reifegradmodell[]> {
  return tx.query<Reifegradmodell>(
    `select m.modell::text as modell, m.bezeichnung, m.ozg_konform_ab as "ozgKonformAb", to_char(m.gueltig_ab, 'YYYY-MM-DD') as "gueltigAb",
            m.erlaeuterung, m.quelle,
            (select json_agg(json_build_object('stufe', s.stufe, 'name', s.name, 'erklaerung', s.erklaerung) order by s.stufe)
             from public.reifegrad_stufe s where s.modell = m.modell) as stufen
     from public.reifegradmodell m order by m.gueltig_ab desc`,
  );
}

/** One line per level, e.g. "3 Online-Leistung: Die Leistung …", for tooltips and notes. */
export function stufenText(modell: Reifegradmodell): string {
  return modell.stufen.map((s) => `${s.stufe}${s.name ? ` ${s.name}` : ''}: ${s.erklaerung}`).join('\n');
}
