import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApi, type Api } from '../../../addin/src/api/client.ts';
import { bars, chartTable, progressReport } from '../../../addin/src/review/progress.ts';
import { appendPage, auswahl, pruefstand } from '../../../addin/src/review/pushes.ts';
import { verlauf } from '../../../addin/src/review/trend.ts';
import { stufenHinweis } from '../../../addin/src/ui/Reifegrade.tsx';
import type { Database } from '../../../server/db/database.ts';
import { prepareDatabase } from '../../../server/db/open.ts';
import { openPglite } from '../../../server/db/pglite.ts';
import { apiAs, testApp, testAuth } from '../../helpers/api.ts';
import { ADMIN, KOELN } from '../../helpers/members.ts';
import { pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';

const KOELN_AGS = '05315000';
const FUEHRERSCHEIN = 10169;

/**
 * The add-in's client for the review and progress API against the real server: what the Prüfen
 * and Fortschritt tabs rely on, down to the German messages they show.
 */
describe('The review and progress client', () => {
  let db: Database;
  let admin: Api;
  let koeln: Api;

  function clientAs(email: string): Api {
    const app = testApp(db);
    const token = testAuth.issueLocalToken!(email);
    const viaApp = (async (input: RequestInfo | URL, init?: RequestInit) => app.request(input, init)) as typeof fetch;
    return createApi('http://ozg.test', () => token, viaApp);
  }

  /** Köln sends one change of a row, as its add-in would; gives the push's key. */
  async function koelnSets(ozgId: number, set: Record<string, unknown>): Promise<string> {
    const row = rowOf(await pullRows(apiAs(db, KOELN), 'kommune-status', KOELN_AGS), ozgId);
    const idempotencyKey = randomUUID();
    const base = Object.fromEntries(Object.keys(set).map((key) => [key, row.values[key]]));
    await pushRows(apiAs(db, KOELN), 'kommune-status', { scope: KOELN_AGS, idempotencyKey, source: 'addin', changes: [{ id: row.id, baseVersion: row.version, base, set }] });
    return idempotencyKey;
  }

  const latestPush = async (api: Api, key: string) => {
    const { pushes } = await api.changes({ kind: 'kommune-status', scope: KOELN_AGS });
    return pushes.find((push) => push.key === key)!;
  };

  beforeAll(async () => {
    db = await openPglite();
    await prepareDatabase(db, { demoData: true });
    admin = clientAs(ADMIN);
    koeln = clientAs(KOELN);
  });
  afterAll(() => db.close());

  it('lists a Kommune’s push newest first with names, labels, old and new values', async () => {
    const key = await koelnSets(FUEHRERSCHEIN, { status: 'in Umsetzung', loesung: 'Führerschein online' });
    const { pushes } = await admin.changes({ reviewed: 'false', kind: 'kommune-status' });
    expect(pushes[0]).toMatchObject({ key, push: key, akteur: KOELN, quelle: 'addin', kind: 'kommune-status', scope: KOELN_AGS, scopeName: 'Köln, Stadt' });
    expect(pushes[0]!.entries.map(({ leistung, spalteLabel, alt, neu }) => ({ leistung, spalteLabel, alt, neu })).sort((a, b) => a.spalteLabel.localeCompare(b.spalteLabel))).toEqual([
      { leistung: { ozgId: FUEHRERSCHEIN, name: 'Führerschein' }, spalteLabel: 'Lösung', alt: null, neu: 'Führerschein online' },
      { leistung: { ozgId: FUEHRERSCHEIN, name: 'Führerschein' }, spalteLabel: 'Status', alt: 'offen', neu: 'in Umsetzung' },
    ]);
    expect(pruefstand(pushes[0]!)).toBe('offen');
  });

  it('pages one cell at a time and puts a push that straddles pages back together', async () => {
    const whole = await admin.changes({ kind: 'kommune-status' });
    let loaded = (await admin.changes({ kind: 'kommune-status', limit: 1 })).pushes;
    let next = (await admin.changes({ kind: 'kommune-status', limit: 1 })).next;
    while (next) {
      const page = await admin.changes({ kind: 'kommune-status', limit: 1, after: next });
      loaded = appendPage(loaded, page.pushes);
      next = page.next;
    }
    expect(loaded).toEqual(whole.pushes);
    expect(loaded[0]!.entries).toHaveLength(2);
  });

  it('marks a whole push reviewed, by whom, and leaves it out of the unreviewed', async () => {
    const push = (await admin.changes({ reviewed: 'false', kind: 'kommune-status' })).pushes[0]!;
    const { geprueft, bereitsGeprueft } = await admin.review(auswahl(push));
    expect(geprueft.sort()).toEqual(push.entries.map((e) => e.id).sort());
    expect(bereitsGeprueft).toEqual([]);
    expect((await admin.changes({ reviewed: 'false', kind: 'kommune-status' })).pushes.map((p) => p.key)).not.toContain(push.key);
    const reviewed = await latestPush(admin, push.key);
    expect(pruefstand(reviewed)).toBe('geprueft');
    expect(reviewed.entries.every((e) => e.geprueftVon === ADMIN)).toBe(true);
    expect((await admin.review(auswahl(push))).bereitsGeprueft).toHaveLength(2);
  });

  it('reverts a push whose cell changed again as a Konflikt, keeping the newer value, and the newer push cleanly', async () => {
    const first = await koelnSets(FUEHRERSCHEIN, { bemerkung: 'Termin im März' });
    const second = await koelnSets(FUEHRERSCHEIN, { bemerkung: 'Termin im April' });

    const konflikt = await admin.revert(auswahl(await latestPush(admin, first)));
    expect(konflikt.counts).toEqual({ applied: 0, unchanged: 0, conflict: 1, rejected: 0 });
    expect(konflikt.entries[0]).toMatchObject({ outcome: 'conflict', theirs: 'Termin im April', message: expect.stringContaining('der neuere Wert bleibt') });
    expect(rowOf(await pullRows(apiAs(db), 'kommune-status', KOELN_AGS), FUEHRERSCHEIN).values.bemerkung).toBe('Termin im April');

    const back = await admin.revert(auswahl(await latestPush(admin, second)));
    expect(back.counts).toEqual({ applied: 1, unchanged: 0, conflict: 0, rejected: 0 });
    expect(rowOf(await pullRows(apiAs(db), 'kommune-status', KOELN_AGS), FUEHRERSCHEIN).values.bemerkung).toBe('Termin im März');
    const { pushes } = await admin.changes({ kind: 'kommune-status' });
    expect(pushes[0]).toMatchObject({ quelle: 'revert', akteur: ADMIN });
  });

  it('tells a Kommune in German that reviewing is not theirs', async () => {
    const error = await koeln.changes({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, message: expect.stringMatching(/OZG-Koordinierungsstelle/) });
  });

  it('gives every member the progress per Themenfeld, and per Leistung once a Themenfeld is chosen', async () => {
    const all = await koeln.progress({});
    expect(chartTable(all)).toBe(all.themenfelder);
    expect(bars(chartTable(all)).map((bar) => bar.name)).toEqual(['Mobilität & Reisen', 'Unternehmensführung & -entwicklung']);

    const mobilitaet = await admin.progress({ themenfeld: 9, kreis: '05315' });
    expect(mobilitaet.filter).toEqual({ themenfeld: 'Mobilität & Reisen', kreis: 'Köln, Stadt' });
    expect(chartTable(mobilitaet)).toBe(mobilitaet.leistungen);
    const report = progressReport(mobilitaet);
    expect(report).toMatchObject({ sheet: 'Fortschritt', title: 'Fortschritt je OZG-Leistung', table: mobilitaet.leistungen });
    expect(report.subtitle).toMatch(/^Themenfeld Mobilität & Reisen, Kreis Köln, Stadt · Stand /);
  });

  it('passes the server’s German message on for a filter it refuses', async () => {
    await expect(admin.progress({ kreis: '5315' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/fünfstelliger Kreisschlüssel/) });
  });

  it('gives the trend of a selection per Stichtag and today, and the Stichtag keeps its figures after a later push', async () => {
    const response = await apiAs(db, ADMIN).request('/api/stichtage', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ datum: '2026-01-01', bezeichnung: 'Erhebung 01.01.2026' }),
    });
    expect(response.status).toBe(201);
    // Köln's 21 OZG-Leistungen of Mobilität & Reisen, none at Reifegrad 3 or more before this push
    await koelnSets(10177, { status: 'online', reifegrad: 4 });

    const trend = await koeln.trend({ themenfeld: 9, kreis: '05315' });
    expect(trend.themenfelder.map((reihe) => reihe.name)).toEqual(['Mobilität & Reisen']);
    expect(verlauf(trend).map(({ heute, bezeichnung, zeilen, ozgKonform, anteil }) => ({ heute, bezeichnung, zeilen, ozgKonform, anteil }))).toEqual([
      { heute: false, bezeichnung: 'Erhebung 01.01.2026', zeilen: 21, ozgKonform: 0, anteil: 0 },
      { heute: true, bezeichnung: 'heute', zeilen: 21, ozgKonform: 1, anteil: 1 / 21 },
    ]);
    await expect(admin.trend({ kreis: '05999' })).rejects.toMatchObject({ status: 404, message: 'Einen Kreis mit dem Schlüssel 05999 gibt es nicht.' });
  });

  it('gives every member both Reifegrad models, 2.0 first, with each level’s German explanation for the tooltips', async () => {
    const modelle = await koeln.reifegrade();
    expect(modelle.map((m) => [m.modell, m.ozgKonformAb, m.stufen.length])).toEqual([
      ['2.0', 3, 8],
      ['1.1', 3, 5],
    ]);
    expect(stufenHinweis(modelle[1]!, 3)).toBe('Stufe 3 · Online-Leistung: Die Leistung lässt sich einschließlich aller Nachweise online beantragen (OZG-erfüllt).');
    expect(stufenHinweis(modelle[0]!, 0)).toBe('Stufe 0: Die Leistung ist nur offline verfügbar.');
  });
});
