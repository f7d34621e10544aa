import { shownValue } from '../../../core/index.ts';
import type { ProtokollArt, Quelle, RevertOutcome, RevertResponse } from '../review/types.ts';

export type Meldung = { intent: 'success' | 'warning' | 'error' | 'info'; text: string };

/** What went wrong, as the user reads it: the server's and the client's errors speak German already. */
export const fehlertext = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** „1 Zeile“, „2 Zeilen“. */
export const anzahl = (n: number, eins: string, mehrere: string) => `${n} ${n === 1 ? eins : mehrere}`;

const UMLAUTE: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss' };
/** Text as searches compare it: "Vettweiß", "VETTWEISS" and "vettweiss" alike, as are "Köln" and "Koeln". */
export const gefaltet = (text: string) => text.toLocaleLowerCase('de-DE').replace(/[äöüß]/g, (c) => UMLAUTE[c]!);

export const zeit = (iso: string | null) =>
  iso ? new Date(iso).toLocaleString('de-DE', { dateStyle: 'short', timeStyle: 'short' }) : 'noch nie';

const PROZENT = new Intl.NumberFormat('de-DE', { style: 'percent', maximumFractionDigits: 1 });
export const prozent = (share: number) => PROZENT.format(share);

/** Where a change came from, in the words of the people who review it. */
export const QUELLEN: Record<Quelle, string> = {
  addin: 'Add-in',
  xlsx: 'Excel-Datei',
  api: 'API',
  sql: 'SQL',
  revert: 'Zurückgesetzt',
  import: 'Import',
};

/** The change log's kinds of table. */
export const PROTOKOLL_ARTEN: Record<ProtokollArt, string> = {
  'kommune-status': 'Umsetzungsstand',
  'leistung-status': 'Themenfeld-Übersicht',
  'kommunaler-vollzug': 'Kommunaler Vollzug',
  mitglieder: 'Mitgliedschaften',
  zuordnungen: 'Zuordnungen zu IT-Dienstleistern',
};

/** A membership as the change log holds it: its whole row. */
interface Mitgliedschaft {
  rolle?: string;
  ags?: string | null;
  themenfeld_id?: number | null;
  dienstleister_id?: number | null;
}

/** A logged value as the pane shows it; a membership is logged as its whole row. */
export function shownLogValue(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return shownValue(undefined, value);
  const { rolle, ags, themenfeld_id: themenfeld, dienstleister_id: dienstleister } = value as Mitgliedschaft;
  return (
    [rolle, ags && `AGS ${ags}`, themenfeld && `Themenfeld ${themenfeld}`, dienstleister && `IT-Dienstleister ${dienstleister}`].filter(Boolean).join(', ') ||
    JSON.stringify(value)
  );
}

const ROLLEN_TEXT: Record<string, string> = { admin: 'Admin', koordination: 'Koordination', kommune: 'Kommune', dienstleister: 'IT-Dienstleister' };

/** A role as people read it (IT-Dienstleister, not dienstleister); an unknown one as stored. */
export const rolleName = (rolle: string): string => ROLLEN_TEXT[rolle] ?? rolle;

const istMitgliedschaft = (value: unknown): value is Mitgliedschaft =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && 'rolle' in value;

/** Names for a membership's area; the number or AGS where the catalogue does not know it (any more). */
export interface Bereichsnamen {
  kommune(ags: string): string | undefined;
  themenfeld(id: number): string | undefined;
  dienstleister(id: number): string | undefined;
}

function rolleText({ rolle, ags, themenfeld_id: themenfeld, dienstleister_id: dienstleister }: Mitgliedschaft, namen: Bereichsnamen): string {
  const bereich = ags
    ? (namen.kommune(ags) ?? `AGS ${ags}`)
    : themenfeld
      ? `Themenfeld ${namen.themenfeld(themenfeld) ?? themenfeld}`
      : dienstleister
        ? (namen.dienstleister(dienstleister) ?? `Nr. ${dienstleister}`)
        : null;
  return `Rolle ${rolle ? rolleName(rolle) : rolle}${bereich ? ` für ${bereich}` : ''}`;
}

/**
 * A logged membership change as a sentence, e.g. „Rolle Kommune für Köln, Stadt hinzugefügt“; null for any other
 * logged value. The log holds a membership as its whole row: nothing before means added, nothing after removed.
 */
export function mitgliedschaftSatz(alt: unknown, neu: unknown, namen: Bereichsnamen): string | null {
  const vorher = istMitgliedschaft(alt) ? alt : null;
  const nachher = istMitgliedschaft(neu) ? neu : null;
  if (!vorher && !nachher) return null;
  if (!vorher) return `${rolleText(nachher!, namen)} hinzugefügt`;
  if (!nachher) return `${rolleText(vorher, namen)} entfernt`;
  return `${rolleText(vorher, namen)} geändert in ${rolleText(nachher, namen)}`;
}

/** An assignment of a Kommune to an IT-Dienstleister as the change log holds it: its whole row. */
interface Zuordnung {
  ags: string;
  dienstleister_id: number;
}

const istZuordnung = (value: unknown): value is Zuordnung =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && 'dienstleister_id' in value && 'ags' in value && !('rolle' in value);

/**
 * A logged change of an assignment as a sentence, e.g. „Ratingen, Stadt dem IT-Dienstleister Kreis Mettmann
 * zugeordnet“; null for any other logged value. Like a membership, the log holds the whole row.
 */
export function zuordnungSatz(alt: unknown, neu: unknown, namen: Bereichsnamen): string | null {
  const vorher = istZuordnung(alt) ? alt : null;
  const nachher = istZuordnung(neu) ? neu : null;
  const kommune = ({ ags }: Zuordnung) => namen.kommune(ags) ?? `AGS ${ags}`;
  const dienstleister = ({ dienstleister_id: id }: Zuordnung) => `IT-Dienstleister ${namen.dienstleister(id) ?? `Nr. ${id}`}`;
  if (!vorher && !nachher) return null;
  if (!vorher) return `${kommune(nachher!)} dem ${dienstleister(nachher!)} zugeordnet`;
  if (!nachher) return `${kommune(vorher)} nicht mehr dem ${dienstleister(vorher)} zugeordnet`;
  return `${kommune(nachher)} vom ${dienstleister(vorher)} zum ${dienstleister(nachher)} gewechselt`;
}

/** The outcome of a revert in one sentence: what went back, what stayed because it changed again, what was refused. */
export function revertSummary({ counts }: RevertResponse): string {
  const parts = [];
  if (counts.applied) parts.push(`${anzahl(counts.applied, 'Zelle', 'Zellen')} zurückgesetzt`);
  if (counts.unchanged) parts.push(`${anzahl(counts.unchanged, 'Zelle hatte', 'Zellen hatten')} den alten Wert schon`);
  if (counts.conflict) parts.push(`${anzahl(counts.conflict, 'Konflikt', 'Konflikte')}: inzwischen erneut geändert, der neuere Wert bleibt`);
  if (counts.rejected) parts.push(`${anzahl(counts.rejected, 'Zelle', 'Zellen')} abgelehnt`);
  return parts.length ? `${parts.join(', ')}.` : 'Nichts zurückzusetzen.';
}

/** What became of one cell of a revert. */
export function revertOutcomeText(outcome: RevertOutcome): string {
  switch (outcome.outcome) {
    case 'applied':
      return 'zurückgesetzt';
    case 'unchanged':
      return 'hatte den alten Wert schon';
    case 'conflict':
      return `Konflikt: ${outcome.message ?? 'inzwischen erneut geändert.'} Jetzt: ${shownLogValue(outcome.theirs)}`;
    case 'rejected':
      return `abgelehnt: ${outcome.message ?? 'ohne Begründung'}`;
  }
}
