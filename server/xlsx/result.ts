import { FEHLER_TEXT, KONFLIKT_TEXT } from '../../core/workbook.ts';
import { shownValue } from '../../core/cells.ts';
import type { ExcelValue } from '../../core/types.ts';
import type { PullResponse, PushResponse } from '../../core/contract.ts';
import type { CellMark, ReportLine, SheetFile } from './export.ts';
import { rowLabel } from '../../core/hinweise.ts';
import type { ImportPlan, UploadedSheet } from './import.ts';


/**
 * What the workbook returned by an import shows: the server's current rows (`current`), with
 * applied cells green, Konflikte orange (the server's value in the cell, the user's in the
 * note, so that sending it again is a conscious decision) and rejected or invalid cells red,
 * still holding the user's entry, so that it is sent again once fixed: the base is the server's
 * current row, and an entry that differs from it is an edit.
 */
export function importResult(
  upload: UploadedSheet,
  plan: ImportPlan,
  response: PushResponse,
  current: PullResponse,
): { marks: Map<string, Map<string, CellMark>>; report: NonNullable<SheetFile['report']> } {
  const { columns } = upload.binding;
  const column = (key: string) => columns.find((c) => c.key === key);
  const uploaded = new Map<string, Record<string, ExcelValue>>();
  for (const { row } of upload.rows) if (!uploaded.has(row.id)) uploaded.set(row.id, row.values);
  const position = new Map(current.rows.map((row, index) => [row.id, index + 2]));
  const currentValues = new Map(current.rows.map((row) => [row.id, row.values]));

  const marks = new Map<string, Map<string, CellMark>>();
  const lines: ReportLine[] = [];
  const mark = (id: string, key: string, cellMark: CellMark, ergebnis: ReportLine['ergebnis'], meldung: string, wert: unknown) => {
    if (!marks.has(id)) marks.set(id, new Map());
    marks.get(id)!.set(key, cellMark);
    lines.push({
      zeile: position.get(id) ?? null,
      leistung: rowLabel(columns, currentValues.get(id) ?? upload.snapshot.get(id)?.values, id),
      spalte: column(key)?.label ?? key,
      wert: shownValue(column(key), wert),
      ergebnis,
      meldung,
    });
  };
  const kept = (id: string, key: string) => uploaded.get(id)?.[key] ?? '';

  response.results.forEach((result, index) => {
    const change = plan.changes[index]!;
    const konflikte = new Map((result.konflikte ?? []).map((konflikt) => [konflikt.key, konflikt]));
    const errors = new Map((result.errors ?? []).map((error) => [error.key, error.message]));
    for (const key of Object.keys(change.set)) {
      const konflikt = konflikte.get(key);
      if (result.outcome === 'rejected') {
        const message =
          errors.get(key) ??
          errors.get('id') ??
          'Die Zeile wurde wegen eines Fehlers in einer anderen Zelle abgelehnt; dieser Wert wurde deshalb nicht gespeichert.';
        mark(change.id, key, { outcome: 'rejected', note: `${FEHLER_TEXT}${message}`, value: kept(change.id, key) }, 'abgelehnt', message, kept(change.id, key));
      } else if (konflikt) {
        const message = `Auf dem Server steht inzwischen „${shownValue(column(key), konflikt.theirs)}“; Ihr Wert „${shownValue(column(key), konflikt.mine)}“ wurde nicht übernommen. Soll Ihr Wert gelten, tragen Sie ihn wieder ein und senden Sie die Datei erneut.`;
        mark(change.id, key, { outcome: 'conflict', note: `${KONFLIKT_TEXT}${message}` }, 'Konflikt', message, konflikt.mine);
      } else if (result.outcome !== 'unchanged') {
        mark(change.id, key, { outcome: 'applied' }, 'übernommen', `gespeichert: „${shownValue(column(key), change.set[key])}“`, change.set[key]);
      }
    }
  });
  for (const { id, key, message } of plan.ungueltig) {
    mark(id, key, { outcome: 'rejected', note: `${FEHLER_TEXT}${message}`, value: kept(id, key) }, 'ungültig', message, kept(id, key));
  }

  const count = (outcome: string) => response.results.filter((result) => result.outcome === outcome).length;
  const summary = [
    `Import vom ${new Date().toLocaleString('de-DE', { timeZone: 'Europe/Berlin' })}`,
    `Zeilen übernommen: ${count('applied')}, unverändert: ${count('unchanged')}, mit Konflikt: ${count('conflict')}, abgelehnt: ${count('rejected')}; ungültige Zellen: ${plan.ungueltig.length}.`,
    ...plan.hinweise.map((hinweis) => `Hinweis: ${hinweis}`),
  ];
  return { marks, report: { summary, lines } };
}
