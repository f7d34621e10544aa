import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { ChangesResponse, RevertResponse } from '../../../server/review/contract.ts';
import { apiAs, type Api } from '../../helpers/api.ts';
import type { Database } from '../../../server/db/database.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { apiDatabase, inRollback } from '../../helpers/rls.ts';
import { ADMIN, KOELN, MOBILITAET, UNTERNEHMEN } from '../../helpers/members.ts';
import { pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';

const KOELN_AGS = '05315000';
const REISEPASS = 10177; // Themenfeld 9, Mobilität & Reisen
const VERGABE = 10593; // Themenfeld 14, Unternehmensführung & -entwicklung

const post = async (api: Api, path: string, body: unknown) =>
  api.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function changes(api: Api, query = ''): Promise<ChangesResponse> {
  const response = await api.request(`/api/changes${query}`);
  expect(response.status).toBe(200);
  return response.json();
}

describeEachDatabase('Reviewing and reverting changes', ({ db }) => {
  /** The database the app runs on: the suite's, or inside rolledBack the test's transaction that rolls back. */
  let current: () => Database = db;
  const rolledBack = (fn: () => Promise<void>) =>
    inRollback(db(), async (tx) => {
      const inTransaction = apiDatabase(db(), tx);
      current = () => inTransaction;
      try {
        await fn();
      } finally {
        current = db;
      }
    });

  /** One push by Köln to the row of an OZG-Leistung; returns its idempotency key. */
  async function koelnSetzt(ozgId: number, set: Record<string, unknown>): Promise<string> {
    const api = apiAs(current(), KOELN);
    const row = rowOf(await pullRows(api, 'kommune-status', KOELN_AGS), ozgId);
    const idempotencyKey = randomUUID();
    const base = Object.fromEntries(Object.keys(set).map((key) => [key, row.values[key]]));
    const { results } = await pushRows(api, 'kommune-status', {
      scope: KOELN_AGS,
      idempotencyKey,
      changes: [{ id: row.id, baseVersion: row.version, base, set }],
    });
    expect(results[0]!.outcome).toBe('applied');
    return idempotencyKey;
  }

  const cell = async (ozgId: number, key: string) =>
    rowOf(await pullRows(apiAs(current()), 'kommune-status', KOELN_AGS), ozgId).values[key];

  it('lists a push as one group with names, column labels, old and new values, who, when and from where', async () => {
    const key = await koelnSetzt(REISEPASS, { status: 'online', loesung: 'Serviceportal Köln' });
    const { pushes } = await changes(apiAs(current()), `?kind=kommune-status&scope=${KOELN_AGS}`);
    const push = pushes[0]!;
    expect(push).toMatchObject({ key, push: key, akteur: KOELN, quelle: 'api', kind: 'kommune-status', scope: KOELN_AGS, scopeName: 'Köln, Stadt' });
    expect(Date.now() - Date.parse(push.zeitpunkt)).toBeLessThan(60_000);
    expect(push.entries.map(({ spalte, spalteLabel, alt, neu, leistung, geprueftAm }) => ({ spalte, spalteLabel, alt, neu, leistung, geprueftAm }))).toEqual(
      expect.arrayContaining([
        { spalte: 'status', spalteLabel: 'Status', alt: 'offen', neu: 'online', leistung: { ozgId: REISEPASS, name: 'Reisepass' }, geprueftAm: null },
        { spalte: 'loesung', spalteLabel: 'Lösung', alt: null, neu: 'Serviceportal Köln', leistung: { ozgId: REISEPASS, name: 'Reisepass' }, geprueftAm: null },
      ]),
    );
    expect(push.entries).toHaveLength(2);
  });

  it('pages newest first without losing or repeating an entry, a push continuing on the next page', async () => {
    await koelnSetzt(REISEPASS, { bemerkung: 'Seite 1', ansprechperson: 'Frau A', anbieter: 'KDN' });
    const all = (await changes(apiAs(current()), '?limit=1000')).pushes.flatMap((p) => p.entries.map((e) => e.id));
    const paged: number[] = [];
    let after = '';
    for (let page = 0; page < 200; page++) {
      const { pushes, next } = await changes(apiAs(current()), `?limit=2${after}`);
      paged.push(...pushes.flatMap((p) => p.entries.map((e) => e.id)));
      if (!next) break;
      after = `&after=${next}`;
    }
    expect(paged).toEqual(all);
    expect(all).toEqual([...all].sort((a, b) => b - a));
  });

  it('filters by person, time and review state', async () => {
    const key = await koelnSetzt(REISEPASS, { bemerkung: 'gefiltert' });
    expect((await post(apiAs(current()), '/api/changes/review', { push: key })).status).toBe(200);
    const keys = async (query: string) => (await changes(apiAs(current()), `${query}&limit=1000`)).pushes.map((p) => p.key);
    expect(await keys('?reviewed=true')).toContain(key);
    expect(await keys('?reviewed=false')).not.toContain(key);
    const byKoeln = await changes(apiAs(current()), `?actor=${encodeURIComponent(KOELN.toUpperCase())}`);
    expect(byKoeln.pushes.length).toBeGreaterThan(0);
    expect(byKoeln.pushes.every((p) => p.entries.every((e) => e.akteur === KOELN))).toBe(true);
    expect((await changes(apiAs(current()), '?since=2099-01-01')).pushes).toEqual([]);
    const reviewed = await changes(apiAs(current()), '?reviewed=true');
    expect(reviewed.pushes.length).toBeGreaterThan(0);
    expect(reviewed.pushes.every((p) => p.entries.every((e) => e.geprueftAm !== null))).toBe(true);
  });

  it('marks entries reviewed with who and when, once: a second review leaves the first reviewer on record', async () => {
    const key = await koelnSetzt(REISEPASS, { bemerkung: 'zu prüfen' });
    const first = await post(apiAs(current(), MOBILITAET), '/api/changes/review', { push: key });
    expect(first.status).toBe(200);
    const { geprueft } = await first.json();
    expect(geprueft).toHaveLength(1);
    const second = await (await post(apiAs(current()), '/api/changes/review', { ids: geprueft })).json();
    expect(second).toEqual({ geprueft: [], bereitsGeprueft: geprueft });
    const [entry] = (await changes(apiAs(current()), `?reviewed=true&limit=1000`)).pushes.flatMap((p) => p.entries).filter((e) => e.id === geprueft[0]);
    expect(entry).toMatchObject({ geprueftVon: MOBILITAET });
    const open = (await changes(apiAs(current()), `?reviewed=false&limit=1000`)).pushes.flatMap((p) => p.entries.map((e) => e.id));
    expect(open).not.toContain(geprueft[0]);
  });

  it('lets coordinators see and review only their Themenfelder, and municipalities neither', async () => {
    await rolledBack(async () => {
      const mobilitaet = await koelnSetzt(REISEPASS, { bemerkung: 'TF 9' });
      const unternehmen = await koelnSetzt(VERGABE, { bemerkung: 'TF 14' });
      const seen = (await changes(apiAs(current(), MOBILITAET), '?limit=1000')).pushes.map((p) => p.key);
      expect(seen).toContain(mobilitaet);
      expect(seen).not.toContain(unternehmen);
      const adminSees = (await changes(apiAs(current()), '?limit=1000')).pushes.map((p) => p.key);
      expect(adminSees).toEqual(expect.arrayContaining([mobilitaet, unternehmen]));

      const denied = await post(apiAs(current(), MOBILITAET), '/api/changes/review', { push: unternehmen });
      expect(denied.status).toBe(404);
      expect((await denied.json()).error.message).toMatch(/keine Einträge, die Sie prüfen dürfen/);
      const [entry] = (await changes(apiAs(current(), UNTERNEHMEN), '?limit=1000')).pushes.filter((p) => p.key === unternehmen);
      expect(entry!.entries[0]!.geprueftAm).toBeNull();

      for (const [path, init] of [
        ['/api/changes', undefined],
        ['/api/changes/review', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ push: mobilitaet }) }],
        ['/api/changes/revert', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ push: mobilitaet }) }],
      ] as const) {
        const response = await apiAs(current(), KOELN).request(path, init);
        expect(response.status).toBe(403);
        expect((await response.json()).error.message).toMatch(/Änderungsprotokoll prüfen die OZG-Koordinierungsstelle/);
      }
    });
  });

  it('reverts a push: the old values come back, logged as source revert, and the push counts as reviewed', async () => {
    const before = { status: await cell(VERGABE, 'status'), loesung: await cell(VERGABE, 'loesung') };
    const key = await koelnSetzt(VERGABE, { status: 'in Umsetzung', loesung: 'Gewerbe-Portal' });
    const response = await post(apiAs(current()), '/api/changes/revert', { push: key });
    expect(response.status).toBe(200);
    const result: RevertResponse = await response.json();
    expect(result.counts).toEqual({ applied: 2, unchanged: 0, conflict: 0, rejected: 0 });
    expect({ status: await cell(VERGABE, 'status'), loesung: await cell(VERGABE, 'loesung') }).toEqual(before);

    const { pushes } = await changes(apiAs(current()), '?limit=1000');
    const revert = pushes.find((p) => p.quelle === 'revert' && p.entries.some((e) => e.neu === before.status && e.alt === 'in Umsetzung'))!;
    expect(revert.akteur).toBe(ADMIN);
    expect(revert.entries.map((e) => [e.spalte, e.alt, e.neu]).sort()).toEqual([
      ['loesung', 'Gewerbe-Portal', before.loesung],
      ['status', 'in Umsetzung', before.status],
    ].sort());
    const original = pushes.find((p) => p.key === key)!;
    expect(original.entries.every((e) => e.geprueftVon === ADMIN)).toBe(true);
  });

  it('does not overwrite a cell changed again since: the revert reports a Konflikt and the newer value stays', async () => {
    const anbieterVorher = await cell(REISEPASS, 'anbieter');
    const first = await koelnSetzt(REISEPASS, { bemerkung: 'erste Fassung', anbieter: 'Anbieter 1' });
    await koelnSetzt(REISEPASS, { bemerkung: 'neuere Fassung' });
    const before = (await changes(apiAs(current()), '?limit=1000')).pushes.flatMap((p) => p.entries).length;
    const result: RevertResponse = await (await post(apiAs(current()), '/api/changes/revert', { push: first })).json();
    const { pushes } = await changes(apiAs(current()), '?limit=1000');
    const entries = pushes.find((p) => p.key === first)!.entries;
    const bemerkung = entries.find((e) => e.spalte === 'bemerkung')!;
    const anbieter = entries.find((e) => e.spalte === 'anbieter')!;

    expect(result.entries).toEqual(
      expect.arrayContaining([
        { id: bemerkung.id, outcome: 'conflict', theirs: 'neuere Fassung', message: '„Bemerkung“ wurde inzwischen geändert; der neuere Wert bleibt.' },
        { id: anbieter.id, outcome: 'applied' },
      ]),
    );
    expect(await cell(REISEPASS, 'bemerkung')).toBe('neuere Fassung');
    // cell by cell: the other cell of the same row, unchanged since, is reverted
    expect(await cell(REISEPASS, 'anbieter')).toBe(anbieterVorher);
    expect(pushes.flatMap((p) => p.entries)).toHaveLength(before + 1);
    expect(bemerkung.geprueftAm).toBeNull();
    expect(anbieter.geprueftVon).toBe(ADMIN);
  });

  it('applies a revert retried with the same key once', async () => {
    const key = await koelnSetzt(REISEPASS, { ansprechperson: 'Herr B' });
    const idempotencyKey = randomUUID();
    const first: RevertResponse = await (await post(apiAs(current()), '/api/changes/revert', { push: key, idempotencyKey })).json();
    const count = (await changes(apiAs(current()), '?limit=1000')).pushes.flatMap((p) => p.entries).length;
    const again: RevertResponse = await (await post(apiAs(current()), '/api/changes/revert', { push: key, idempotencyKey })).json();
    expect(first.counts.applied).toBe(1);
    expect(again.entries).toEqual(first.entries);
    expect((await changes(apiAs(current()), '?limit=1000')).pushes.flatMap((p) => p.entries)).toHaveLength(count);
  });

  it('lets coordinators revert their Themenfeld’s own table, but a municipality’s sheet only admins', async () => {
    await rolledBack(async () => {
      const api = apiAs(current(), MOBILITAET);
      const row = (await pullRows(api, 'leistung-status', '9')).rows[0]!;
      const idempotencyKey = randomUUID();
      await pushRows(api, 'leistung-status', {
        scope: '9',
        idempotencyKey,
        changes: [{ id: row.id, baseVersion: row.version, base: { bemerkung: row.values.bemerkung }, set: { bemerkung: 'Koordination' } }],
      });
      const own: RevertResponse = await (await post(api, '/api/changes/revert', { push: idempotencyKey })).json();
      expect(own.counts.applied).toBe(1);

      const koeln = await koelnSetzt(REISEPASS, { bemerkung: 'von Köln' });
      const denied = await post(api, '/api/changes/revert', { push: koeln });
      expect(denied.status).toBe(403);
      expect(await cell(REISEPASS, 'bemerkung')).toBe('von Köln');
    });
  });

  it('tells each reviewer which pushes they may revert, so that the pane offers Zurücksetzen only where the server allows it', async () => {
    await rolledBack(async () => {
      const koeln = await koelnSetzt(REISEPASS, { bemerkung: 'zum Zurücksetzen?' });
      const darf = async (email: string, key: string, query = '') =>
        (await changes(apiAs(current(), email), query)).pushes.find((push) => push.key === key)?.darfZuruecksetzen;
      expect(await darf(MOBILITAET, koeln, '?kind=kommune-status')).toBe(false);
      expect(await darf(ADMIN, koeln, '?kind=kommune-status')).toBe(true);

      const api = apiAs(current(), MOBILITAET);
      const row = (await pullRows(api, 'leistung-status', '9')).rows[0]!;
      const own = randomUUID();
      await pushRows(api, 'leistung-status', { scope: '9', idempotencyKey: own, changes: [{ id: row.id, baseVersion: row.version, base: { bemerkung: row.values.bemerkung }, set: { bemerkung: 'eigene Zeile' } }] });
      expect(await darf(MOBILITAET, own, '?kind=leistung-status')).toBe(true);
    });
  });

  it('answers malformed queries, review and revert requests with a German error and changes nothing', async () => {
    for (const body of [{}, { ids: [] }, { ids: [1], push: randomUUID() }, { push: 'kein-schluessel' }, { ids: ['x'] }]) {
      const response = await post(apiAs(current()), '/api/changes/revert', body);
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe('bad_request');
    }
    const since = await apiAs(current()).request('/api/changes?since=gestern');
    expect(since.status).toBe(400);
    expect((await since.json()).error.message).toMatch(/since ist ein Datum oder Zeitpunkt nach ISO 8601/);
    const missing = await post(apiAs(current()), '/api/changes/review', { ids: [987654321] });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatchObject({ details: { ids: [987654321] } });
  });
});
