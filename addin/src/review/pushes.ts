import type { ReviewRequest, Sendevorgang } from './types.ts';

/**
 * Appends the next page of the log. A push can straddle two pages: its later entries then arrive
 * first on the next page, under the same key.
 */
export function appendPage(loaded: Sendevorgang[], page: Sendevorgang[]): Sendevorgang[] {
  const [first, ...rest] = page;
  const last = loaded.at(-1);
  if (!first || last?.key !== first.key) return [...loaded, ...page];
  return [...loaded.slice(0, -1), { ...last, entries: [...last.entries, ...first.entries] }, ...rest];
}

export type Pruefstand = 'geprueft' | 'teilweise' | 'offen';

export function pruefstand(push: Sendevorgang): Pruefstand {
  const reviewed = push.entries.filter((entry) => entry.geprueftAm !== null).length;
  return reviewed === push.entries.length ? 'geprueft' : reviewed > 0 ? 'teilweise' : 'offen';
}

/**
 * What a review or revert of a whole push names: its idempotency key, which also covers entries
 * not loaded yet; changes without one (Studio, SQL) by their entries.
 */
export function auswahl(push: Sendevorgang): ReviewRequest {
  return push.push ? { push: push.push } : { ids: push.entries.map((entry) => entry.id) };
}

/**
 * The loaded pushes with the given entries marked reviewed, as the server has just done; `by` is
 * null for entries someone else reviewed meanwhile, which the server reports without a name.
 */
export function markReviewed(pushes: Sendevorgang[], ids: readonly number[], by: string | null, at: string): Sendevorgang[] {
  const reviewed = new Set(ids);
  return pushes.map((push) =>
    push.entries.some((entry) => reviewed.has(entry.id) && entry.geprueftAm === null)
      ? {
          ...push,
          entries: push.entries.map((entry) =>
            reviewed.has(entry.id) && entry.geprueftAm === null ? { ...entry, geprueftVon: by, geprueftAm: at } : entry,
          ),
        }
      : push,
  );
}
