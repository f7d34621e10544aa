import type { PushResponse } from './contract.ts';

export interface Hinweis {
  id: string;
  key: string;
  message: string;
}

/**
 * Where status and Reifegrad of a row the push touched disagree: hints, never errors, because both
 * values are valid on their own and the row is stored as sent. A row "online" without a Reifegrad
 * cannot count as OZG-konform in progress (its column "online, ohne Reifegrad").
 */
export function statusHinweise(results: PushResponse['results']): Hinweis[] {
  return results.flatMap((result) => {
    const values = result.values;
    if (!values || !onlineOhneReifegrad(values)) return [];
    return [
      {
        id: result.id,
        key: 'reifegrad',
        message: `„${String(values.leistung)}“ ist online, hat aber keinen Reifegrad: so zählt die Leistung nicht als OZG-konform (online, ohne Reifegrad).`,
      },
    ];
  });
}

/** A row of a sheet with a Reifegrad column that is „online“ but has none. */
export function onlineOhneReifegrad(values: Record<string, unknown>): boolean {
  return 'reifegrad' in values && values.status === 'online' && (values.reifegrad === null || values.reifegrad === undefined);
}

/**
 * The pane's hint over the whole table: how many rows are „online“ without a Reifegrad, naming
 * the first few, or null when none is.
 */
export function reifegradHinweis(leistungen: readonly string[]): string | null {
  if (leistungen.length === 0) return null;
  const genannt = leistungen.slice(0, 3).map((name) => `„${name}“`).join(', ');
  const weitere = leistungen.length > 3 ? ` und ${leistungen.length - 3} weitere` : '';
  const [zeilen, zaehlen] = leistungen.length === 1 ? ['1 Zeile ist', 'zählt sie'] : [`${leistungen.length} Zeilen sind`, 'zählen sie'];
  return `${zeilen} „online“, aber ohne Reifegrad (${genannt}${weitere}): so ${zaehlen} nicht als OZG-konform. Tragen Sie den Reifegrad nach.`;
}
