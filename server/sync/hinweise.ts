import type { PushResponse } from '../../core/contract.ts';

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
    if (!values || !('reifegrad' in values) || values.status !== 'online' || values.reifegrad !== null) return [];
    return [
      {
        id: result.id,
        key: 'reifegrad',
        message: `„${String(values.leistung)}“ ist online, hat aber keinen Reifegrad: so zählt die Leistung nicht als OZG-konform (online, ohne Reifegrad).`,
      },
    ];
  });
}
