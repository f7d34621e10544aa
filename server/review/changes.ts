import { createHash, randomUUID } from 'node:crypto';
import type { Sql } from '../db/database.ts';
import { notFound } from '../errors.ts';
import type { PushResult } from '../../core/contract.ts';
import { pushChanges } from '../sync/push.ts';
import { SHEET_KINDS, type SheetKind, type SheetKindName } from '../sync/sheets.ts';
import { PROTOKOLL_ARTEN, type Aenderung, type Auswahl, type ChangesQuery, type ChangesResponse, type ProtokollArt, type RevertResponse } from './contract.ts';

/**
 * The kinds the log names its entries by: the sheets' tables (leistung-kommunen writes the rows of
 * kommune-status and is logged as it), and the changes of rights, memberships and the assignments of
 * Kommunen to IT-Dienstleister, logged as whole rows.
 */
const RECHTE = {
  mitglieder: {
    tabelle: 'mitglied',
    zeile: 'Mitgliedschaft',
    nichtZuruecksetzen: 'Mitgliedschaften werden nicht zurückgesetzt, sondern unter Mitglieder geändert.',
  },
  zuordnungen: {
    tabelle: 'kommune_dienstleister',
    zeile: 'Zuordnung zum IT-Dienstleister',
    nichtZuruecksetzen: 'Zuordnungen zu IT-Dienstleistern werden nicht zurückgesetzt, sondern über /api/dienstleister/zuordnungen geändert.',
  },
} as const;
type RechteArt = keyof typeof RECHTE;
const istRechteArt = (art: ProtokollArt): art is RechteArt => Object.hasOwn(RECHTE, art);
const LOG_SHEETS = PROTOKOLL_ARTEN.filter((art) => !istRechteArt(art)).map((art) => SHEET_KINDS[art as Exclude<ProtokollArt, RechteArt>]);
const TABELLE: Record<ProtokollArt, string> = {
  ...(Object.fromEntries(LOG_SHEETS.map((sheet) => [sheet.kind, sheet.table])) as Record<Exclude<ProtokollArt, RechteArt>, string>),
  ...(Object.fromEntries(Object.entries(RECHTE).map(([art, { tabelle }]) => [art, tabelle])) as Record<RechteArt, string>),
};
const ART = Object.fromEntries(Object.entries(TABELLE).map(([art, tabelle]) => [tabelle, art])) as Record<string, ProtokollArt>;
const SHEET_OF_TABLE = new Map(LOG_SHEETS.map((sheet) => [sheet.table as string, sheet]));
/** The table of rights an entry belongs to, for entries logged as whole rows. */
const rechteVon = (tabelle: string) => Object.values(RECHTE).find((rechte) => rechte.tabelle === tabelle);

interface Eintrag {
  id: number;
  zeitpunkt: string;
  akteur: string;
  quelle: Aenderung['quelle'];
  push_schluessel: string | null;
  txid: string;
  tabelle: string;
  bereich: string | null;
  bereich_name: string | null;
  zeile_id: string;
  ozg_id: number | null;
  leistung: string | null;
  spalte: string;
  spalte_label: string;
  alt: unknown;
  neu: unknown;
  version: number;
  geprueft_von: string | null;
  geprueft_am: string | null;
}

const iso = (value: string | Date | null) => (value === null ? null : new Date(value).toISOString());

function toAenderung(e: Eintrag): Aenderung {
  return {
    id: Number(e.id),
    zeitpunkt: iso(e.zeitpunkt)!,
    akteur: e.akteur,
    quelle: e.quelle,
    push: e.push_schluessel,
    kind: ART[e.tabelle]!,
    scope: e.bereich,
    scopeName: e.bereich_name,
    zeileId: e.zeile_id,
    leistung: e.leistung === null ? null : { ozgId: e.ozg_id, name: e.leistung },
    spalte: e.spalte,
    spalteLabel: e.spalte === '*' ? rechteVon(e.tabelle)?.zeile ?? e.spalte_label : e.spalte_label,
    alt: e.alt,
    neu: e.neu,
    geprueftVon: e.geprueft_von,
    geprueftAm: iso(e.geprueft_am),
  };
}

/**
 * The change log as the caller may read it (row-level security decides), newest first, paged by
 * entry id and grouped into pushes: one push is one transaction, so entries without an
 * idempotency key (Studio, SQL, imports) are grouped by their transaction.
 */
export async function listChanges(
  tx: Sql,
  query: ChangesQuery,
  mayWrite: (kind: SheetKindName, scope: string) => Promise<boolean>,
): Promise<ChangesResponse> {
  const entries = await tx.query<Eintrag>(
    `select * from public.aenderung_lesbar
     where ($1::timestamptz is null or zeitpunkt >= $1::timestamptz)
       and ($2::text is null or tabelle = $2)
       and ($3::text is null or bereich = $3)
       and ($4::text is null or akteur = lower($4))
       and ($5::boolean is null or (geprueft_am is not null) = $5)
       and ($6::bigint is null or id < $6)
     order by id desc
     limit $7`,
    [
      query.since ?? null,
      query.kind ? TABELLE[query.kind] : null,
      query.scope ?? null,
      query.actor ?? null,
      query.reviewed === undefined ? null : query.reviewed === 'true',
      query.after ?? null,
      query.limit + 1,
    ],
  );
  const page = entries.slice(0, query.limit);
  const pushes: ChangesResponse['pushes'] = [];
  for (const entry of page) {
    const key = entry.push_schluessel ?? `tx:${entry.txid}`;
    const last = pushes.at(-1);
    if (last?.key === key) {
      last.entries.push(toAenderung(entry));
      continue;
    }
    const aenderung = toAenderung(entry);
    const { zeitpunkt, akteur, quelle, push, kind, scope, scopeName } = aenderung;
    // Rights (memberships, assignments) are changed where they are kept, never reverted; sheets by whoever may change them.
    const darfZuruecksetzen = !istRechteArt(kind) && scope !== null && (await mayWrite(kind, scope));
    pushes.push({ key, push, zeitpunkt, akteur, quelle, kind, scope, scopeName, darfZuruecksetzen, entries: [aenderung] });
  }
  return { pushes, next: entries.length > query.limit ? String(page.at(-1)!.id) : null };
}

/** The entries a review or revert names, as far as the caller may see them; 404 for any it may not. */
async function selectedEntries(tx: Sql, auswahl: Auswahl): Promise<Eintrag[]> {
  const entries = await tx.query<Eintrag>(
    auswahl.push
      ? 'select * from public.aenderung_lesbar where push_schluessel = $1 order by id'
      : 'select * from public.aenderung_lesbar where id = any($1::bigint[]) order by id',
    [auswahl.push ?? auswahl.ids],
  );
  if (auswahl.push && !entries.length) {
    throw notFound(`Zum Sendevorgang ${auswahl.push} gibt es keine Einträge, die Sie prüfen dürfen.`);
  }
  const found = new Set(entries.map((e) => Number(e.id)));
  const missing = (auswahl.ids ?? []).filter((id) => !found.has(id));
  if (missing.length) {
    throw notFound(
      `${missing.length === 1 ? 'Den Eintrag' : 'Die Einträge'} ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ' …' : ''} gibt es nicht oder Sie dürfen ${missing.length === 1 ? 'ihn' : 'sie'} nicht prüfen (Koordination: nur die eigenen Themenfelder).`,
      { ids: missing },
    );
  }
  return entries;
}

async function markReviewed(tx: Sql, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  // The trigger stamps who and when; "is null" skips entries someone reviewed meanwhile.
  const rows = await tx.query<{ id: number }>(
    'update public.aenderung set geprueft_am = now() where id = any($1::bigint[]) and geprueft_am is null returning id',
    [ids],
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

export async function reviewChanges(tx: Sql, auswahl: Auswahl) {
  const entries = await selectedEntries(tx, auswahl);
  const geprueft = await markReviewed(
    tx,
    entries.filter((e) => e.geprueft_am === null).map((e) => Number(e.id)),
  );
  const done = new Set(geprueft);
  return { geprueft, bereitsGeprueft: entries.map((e) => Number(e.id)).filter((id) => !done.has(id)) };
}

/** One push per sheet scope; a retry with the same request key derives the same push keys. */
function revertKey(requestKey: string | undefined, sheet: SheetKind, scope: string): string {
  if (!requestKey) return randomUUID();
  const hex = createHash('sha256').update(`${requestKey}\n${sheet.kind}\n${scope}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

type EntryOutcome = RevertResponse['entries'][number];

function cellOutcome(entry: Eintrag, result: PushResult): EntryOutcome {
  const id = Number(entry.id);
  if (result.outcome === 'rejected') {
    return { id, outcome: 'rejected', message: result.errors?.map((e) => e.message).join(' ') ?? 'Abgelehnt.' };
  }
  const konflikt = result.konflikte?.find((k) => k.key === entry.spalte);
  if (konflikt) {
    return {
      id,
      outcome: 'conflict',
      theirs: konflikt.theirs,
      message: `„${entry.spalte_label}“ wurde inzwischen geändert; der neuere Wert bleibt.`,
    };
  }
  return { id, outcome: result.outcome === 'unchanged' ? 'unchanged' : 'applied' };
}

/**
 * Puts back the old values of the chosen entries through the push path: each cell must still hold
 * the value the entry wrote, otherwise it is a Konflikt and the newer value stays. The writes are
 * logged as new entries with source "revert"; the reverted entries count as reviewed.
 */
export async function revertChanges(
  tx: Sql,
  auswahl: Auswahl & { idempotencyKey?: string },
): Promise<RevertResponse> {
  const entries = await selectedEntries(tx, auswahl);
  const outcomes = new Map<number, EntryOutcome>();
  const groups = new Map<string, { sheet: SheetKind; scope: string; entries: Eintrag[] }>();
  for (const entry of entries) {
    const sheet = SHEET_OF_TABLE.get(entry.tabelle);
    if (!sheet || entry.bereich === null) {
      outcomes.set(Number(entry.id), {
        id: Number(entry.id),
        outcome: 'rejected',
        message: (rechteVon(entry.tabelle) ?? RECHTE.mitglieder).nichtZuruecksetzen,
      });
      continue;
    }
    const key = `${sheet.kind}\n${entry.bereich}`;
    const group = groups.get(key) ?? { sheet, scope: entry.bereich, entries: [] };
    group.entries.push(entry);
    groups.set(key, group);
  }

  for (const { sheet, scope, entries: groupEntries } of groups.values()) {
    // entries are in log order: the first one of a cell knows the value to restore, the last one
    // the value the cell must still hold
    const rows = new Map<string, { baseVersion: number; base: Record<string, unknown>; set: Record<string, unknown> }>();
    for (const entry of groupEntries) {
      const row = rows.get(entry.zeile_id) ?? { baseVersion: 0, base: {}, set: {} };
      if (!Object.hasOwn(row.set, entry.spalte)) row.set[entry.spalte] = entry.alt;
      row.base[entry.spalte] = entry.neu;
      row.baseVersion = Number(entry.version);
      rows.set(entry.zeile_id, row);
    }
    const ids = [...rows.keys()];
    const { results } = await pushChanges(tx, sheet, {
      scope,
      idempotencyKey: revertKey(auswahl.idempotencyKey, sheet, scope),
      source: 'revert',
      changes: ids.map((id) => ({ id, ...rows.get(id)! })),
    });
    const byRow = new Map(ids.map((id, i) => [id, results[i]!]));
    for (const entry of groupEntries) outcomes.set(Number(entry.id), cellOutcome(entry, byRow.get(entry.zeile_id)!));
  }

  const ordered = entries.map((e) => outcomes.get(Number(e.id))!);
  await markReviewed(
    tx,
    ordered.filter((o) => o.outcome === 'applied' || o.outcome === 'unchanged').map((o) => o.id),
  );
  const counts = { applied: 0, unchanged: 0, conflict: 0, rejected: 0 };
  for (const o of ordered) counts[o.outcome]++;
  return { entries: ordered, counts };
}
