import { describe, expect, it } from 'vitest';
import { appendPage, auswahl, markReviewed, pruefstand } from '../../../addin/src/review/pushes.ts';
import type { Aenderung, Sendevorgang } from '../../../addin/src/review/types.ts';

const PUSH = '6f1c9a52-3f0e-4a43-9d55-0b2f7c1e8a10';

function entry(id: number, values: Partial<Aenderung> = {}): Aenderung {
  return {
    id,
    zeitpunkt: '2026-11-29T09:00:00.000Z',
    akteur: 'ozg@koeln.example',
    quelle: 'addin',
    push: PUSH,
    kind: 'kommune-status',
    scope: '05315000',
    scopeName: 'Köln, Stadt',
    zeileId: `zeile-${id}`,
    leistung: { ozgId: 10169, name: 'Führerschein' },
    spalte: 'status',
    spalteLabel: 'Status',
    alt: 'offen',
    neu: 'online',
    geprueftVon: null,
    geprueftAm: null,
    ...values,
  };
}

function push(key: string, entries: Aenderung[]): Sendevorgang {
  const [first] = entries;
  return { key, push: first!.push, zeitpunkt: first!.zeitpunkt, akteur: first!.akteur, quelle: first!.quelle, kind: first!.kind, scope: first!.scope, scopeName: first!.scopeName, darfZuruecksetzen: true, entries };
}

describe('appendPage', () => {
  it('joins a push that the page boundary cut in two', () => {
    const loaded = [push('a', [entry(9)]), push(PUSH, [entry(8), entry(7)])];
    const page = [push(PUSH, [entry(6)]), push('b', [entry(5)])];
    expect(appendPage(loaded, page)).toEqual([push('a', [entry(9)]), push(PUSH, [entry(8), entry(7), entry(6)]), push('b', [entry(5)])]);
  });

  it('appends pushes that start on the new page, and an empty page changes nothing', () => {
    const loaded = [push('a', [entry(9)])];
    expect(appendPage(loaded, [push('b', [entry(8)])]).map((p) => p.key)).toEqual(['a', 'b']);
    expect(appendPage(loaded, [])).toEqual(loaded);
    expect(appendPage([], [push('b', [entry(8)])]).map((p) => p.key)).toEqual(['b']);
  });
});

describe('pruefstand', () => {
  it('is reviewed only when every cell is', () => {
    const reviewed = { geprueftVon: 'admin@ozg-sync.example', geprueftAm: '2026-11-29T10:00:00.000Z' };
    expect(pruefstand(push(PUSH, [entry(1), entry(2)]))).toBe('offen');
    expect(pruefstand(push(PUSH, [entry(1, reviewed), entry(2)]))).toBe('teilweise');
    expect(pruefstand(push(PUSH, [entry(1, reviewed), entry(2, reviewed)]))).toBe('geprueft');
  });
});

describe('auswahl', () => {
  it('names a push by its idempotency key, so that cells on pages not loaded yet count too', () => {
    expect(auswahl(push(PUSH, [entry(1), entry(2)]))).toEqual({ push: PUSH });
  });

  it('names changes made without a push (SQL, Studio) by their entries', () => {
    expect(auswahl(push('tx:757', [entry(4, { push: null, quelle: 'sql' }), entry(3, { push: null, quelle: 'sql' })]))).toEqual({ ids: [4, 3] });
  });
});

describe('markReviewed', () => {
  it('stamps the named entries that were open and keeps an earlier reviewer', () => {
    const earlier = { geprueftVon: 'mobilitaet@ozg-sync.example', geprueftAm: '2026-11-28T08:00:00.000Z' };
    const loaded = [push(PUSH, [entry(1), entry(2, earlier), entry(3)]), push('b', [entry(4)])];
    const marked = markReviewed(loaded, [1, 2], 'admin@ozg-sync.example', '2026-11-29T10:00:00.000Z');
    expect(marked[0]!.entries.map((e) => [e.id, e.geprueftVon, e.geprueftAm])).toEqual([
      [1, 'admin@ozg-sync.example', '2026-11-29T10:00:00.000Z'],
      [2, 'mobilitaet@ozg-sync.example', '2026-11-28T08:00:00.000Z'],
      [3, null, null],
    ]);
    expect(marked[1]).toBe(loaded[1]);
  });
});
