import { beforeEach, expect, it } from 'vitest';
import { createApi } from '../../../addin/src/api/client.ts';
import { SyncController } from '../../../addin/src/app/controller.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { apiAs, testApp, testAuth } from '../../helpers/api.ts';
import { MemoryHost } from '../../helpers/memory-host.ts';
import { pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';
import type { Database } from '../../../server/db/database.ts';

const KOELN = '05315000';
const METTMANN = '05158024';
const FUEHRERSCHEIN = { key: 'ozg_id', value: 10169 };
const REISEPASS = { key: 'ozg_id', value: 10177 };

function paneOf(db: Database, host: MemoryHost, email = 'ozg@koeln.example') {
  const app = testApp(db);
  const viaApp = (async (input: RequestInfo | URL, init?: RequestInit) => app.request(input, init)) as typeof fetch;
  const api = createApi('http://ozg.test', () => testAuth.issueLocalToken!(email), viaApp);
  return new SyncController(api, host, 'http://ozg.test');
}

async function serverValues(db: Database, ozgId: number) {
  return rowOf(await pullRows(apiAs(db), 'kommune-status', KOELN), ozgId).values;
}

describeEachDatabase('The task pane leaves no dead end', ({ db }) => {
  let host: MemoryHost;
  let pane: SyncController;

  beforeEach(async () => {
    host = new MemoryHost();
    pane = paneOf(db(), host);
    await pane.pull('kommune-status', KOELN, 'Köln');
  });

  it('lists rows added by hand, pasted from another sheet or copied, in the words of the xlsx import, instead of saying nothing', async () => {
    const mettmann = (await pullRows(apiAs(db()), 'kommune-status', METTMANN)).rows[0]!;
    const copied = host.rows.find((row) => row.values.ozg_id === 10177)!;
    host.rows.push({ id: '', values: { leistung: 'Hundesteuer online' } });
    host.rows.push({ id: mettmann.id, values: { leistung: 'aus Mettmann' } });
    host.rows.push({ id: copied.id, values: { ...copied.values } });

    const { hinweise, wartend } = await pane.status();
    expect(wartend).toBe(0);
    expect(hinweise).toEqual([
      'Zeile „Hundesteuer online“: neue Zeile ohne ID, nicht übernommen. Zeilen legt nur der Katalog an; wenden Sie sich an die OZG-Koordinierungsstelle.',
      `Zeile „aus Mettmann“: die ID „${mettmann.id}“ gehört nicht zu dieser Tabelle; die Zeile wurde nicht übernommen.`,
      'Die Zeile „10177 Reisepass“ steht mehrfach in der Tabelle (2-mal); keine davon wurde übernommen.',
    ]);
    host.rows.splice(-2, 2);
    expect((await pane.status()).hinweise).toHaveLength(1);
  });

  it('offers to rebuild a renamed table, and the rebuilt one keeps the unsent edits and sends them', async () => {
    host.edit(FUEHRERSCHEIN, 'bemerkung', 'vor dem Umbenennen getippt');
    host.renameTable();
    const damaged = await pane.status();
    expect(damaged.beschaedigt).toBe('Die Tabelle „OZG_Sync“ fehlt in dieser Arbeitsmappe. Bitte rufen Sie die Tabelle neu ab.');

    const { status, gerettet, verloren } = await pane.repair();
    expect({ gerettet, verloren }).toEqual({ gerettet: 1, verloren: false });
    expect(status).toMatchObject({ beschaedigt: null, wartend: 1 });
    expect(host.cell(FUEHRERSCHEIN, 'bemerkung')).toBe('vor dem Umbenennen getippt');
    expect(host.rows).toHaveLength(46);

    expect(await pane.push()).toMatchObject({ gesendet: 1, uebernommen: 1 });
    expect((await serverValues(db(), 10169)).bemerkung).toBe('vor dem Umbenennen getippt');
  });

  it('rebuilds a table whose edit collides with a colleague’s change into a Konflikt, never overwriting theirs', async () => {
    host.edit(REISEPASS, 'anbieter', 'mein Anbieter');
    const row = rowOf(await pullRows(apiAs(db()), 'kommune-status', KOELN), 10177);
    await pushRows(apiAs(db()), 'kommune-status', { scope: KOELN, changes: [{ id: row.id, baseVersion: row.version, base: { anbieter: row.values.anbieter }, set: { anbieter: 'Kollegin' } }] });
    host.renameTable();

    const { status } = await pane.repair();
    expect(status.konflikte).toEqual([expect.objectContaining({ key: 'anbieter', mine: 'mein Anbieter', theirs: 'Kollegin' })]);
    expect((await serverValues(db(), 10177)).anbieter).toBe('Kollegin');
  });

  it('rebuilds a table whose id column was deleted and says that its edits could not be kept', async () => {
    host.edit(FUEHRERSCHEIN, 'bemerkung', 'ohne ID nicht zuzuordnen');
    host.deleteIdColumn();
    expect((await pane.status()).beschaedigt).toMatch(/^In der Tabelle fehlt die ausgeblendete Spalte „id“/);

    const { status, verloren } = await pane.repair();
    expect(verloren).toBe(true);
    expect(status).toMatchObject({ beschaedigt: null, wartend: 0 });
    expect(host.rows).toHaveLength(46);
  });

  it('lets Abrufen repair a damaged table, as its message asks, instead of failing the same way', async () => {
    host.edit(FUEHRERSCHEIN, 'bemerkung', 'bleibt beim Abrufen');
    host.renameTable();
    const status = await pane.pull('kommune-status', KOELN, 'Köln');
    expect(status).toMatchObject({ beschaedigt: null, wartend: 1 });
    expect(host.cell(FUEHRERSCHEIN, 'bemerkung')).toBe('bleibt beim Abrufen');
  });

  it('saves the snapshot of an accepted push even when marking the sheet fails, and reports the marking', async () => {
    host.edit(FUEHRERSCHEIN, 'status', 'in Planung');
    // A cell the pane refuses to send: the push has a rejected cell to mark.
    host.edit(FUEHRERSCHEIN, 'reifegrad', 'viel');
    host.markingFails = new Error('Die Zelle enthält bereits einen Kommentar.');
    const summary = await pane.push();
    expect(summary).toMatchObject({ gesendet: 1, uebernommen: 1 });
    expect((await pane.status()).markierung).toMatch(/^Die Markierungen in der Tabelle ließen sich nicht setzen \(Die Zelle enthält bereits einen Kommentar\.\)/);

    // closed and opened again: the saved snapshot knows the push, so nothing waits and nothing is sent twice
    const reopened = host.reopen();
    const again = paneOf(db(), reopened);
    expect(await again.open()).toMatchObject({ wartend: 0, markierung: null });
    expect(await again.push()).toMatchObject({ gesendet: 0 });
  });

  it('lists open Konflikte and rejected cells again after the workbook was closed and reopened', async () => {
    host.edit(REISEPASS, 'bemerkung', 'meine Bemerkung');
    host.edit(FUEHRERSCHEIN, 'reifegrad', 9);
    const row = rowOf(await pullRows(apiAs(db()), 'kommune-status', KOELN), 10177);
    await pushRows(apiAs(db()), 'kommune-status', { scope: KOELN, changes: [{ id: row.id, baseVersion: row.version, base: { bemerkung: row.values.bemerkung }, set: { bemerkung: 'ihre Bemerkung' } }] });
    await pane.push();

    const reopened = paneOf(db(), host.reopen());
    const status = await reopened.open();
    expect(status.konflikte).toEqual([expect.objectContaining({ key: 'bemerkung', mine: 'meine Bemerkung', theirs: 'ihre Bemerkung' })]);
    expect(status.fehler).toEqual([expect.objectContaining({ key: 'reifegrad' })]);
  });
});
