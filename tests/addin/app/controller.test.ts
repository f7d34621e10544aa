import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../../addin/src/api/client.ts';
import { SyncController } from '../../../addin/src/app/controller.ts';
import type { Database } from '../../../server/db/database.ts';
import { prepareDatabase } from '../../../server/db/open.ts';
import { openPglite } from '../../../server/db/pglite.ts';
import { testApp, testAuth } from '../../helpers/api.ts';
import { excelWorkbook, memoryWorkbook, type TestWorkbook } from '../../helpers/test-workbooks.ts';
import { pullRows, pushRows } from '../../helpers/sheets.ts';
import { apiAs } from '../../helpers/api.ts';

const KOELN = '05315000';
const FUEHRERSCHEIN = { key: 'ozg_id', value: 10169 };
const REISEPASS = { key: 'ozg_id', value: 10177 };

/** Labels of Köln's sheet as the server names its columns, for finding cells in the Excel stand-in. */
const LABELS = new Map([
  ['ozg_id', 'OZG-ID'],
  ['leistung', 'Leistung'],
  ['status', 'Status'],
  ['reifegrad', 'Reifegrad'],
  ['reifegrad_modell', 'Reifegradmodell'],
  ['loesung', 'Lösung'],
  ['anbieter', 'Anbieter'],
  ['bemerkung', 'Bemerkung'],
]);
const FLAVOURS: [string, () => TestWorkbook][] = [
  ['in memory', memoryWorkbook],
  ['through the Excel layer on the Office stand-in', () => excelWorkbook(LABELS)],
];

describe.each(FLAVOURS)('The task pane’s sync workflow against the real server, %s', (_flavour, newWorkbook) => {
  let db: Database;
  let host: TestWorkbook;
  let controller: SyncController;
  let api: ReturnType<typeof createApi>;

  beforeAll(async () => {
    db = await openPglite();
    await prepareDatabase(db, { demoData: true });
    const app = testApp(db);
    const token = await testAuth.issueLocalToken!('ozg@koeln.example');
    const viaApp = (async (input: RequestInfo | URL, init?: RequestInit) => app.request(input, init)) as typeof fetch;
    api = createApi('http://ozg.test', async () => token, viaApp);
    host = newWorkbook();
    controller = new SyncController(api, host.host, 'http://ozg.test');
  });
  afterAll(() => {
    vi.unstubAllGlobals();
    return db.close();
  });

  /** Another person changing Köln's sheet through the API meanwhile. */
  async function otherPersonSets(ozgId: number, set: Record<string, unknown>) {
    const admin = apiAs(db);
    const row = (await pullRows(admin, 'kommune-status', KOELN)).rows.find((r) => r.values.ozg_id === ozgId)!;
    const base = Object.fromEntries(Object.keys(set).map((k) => [k, row.values[k]]));
    await pushRows(admin, 'kommune-status', { scope: KOELN, changes: [{ id: row.id, baseVersion: row.version, base, set }] });
  }

  it('pulls a sheet into the workbook and remembers the binding', async () => {
    const status = await controller.pull('kommune-status', KOELN, 'Köln');
    expect(host.rowCount()).toBe(46);
    expect(status).toMatchObject({ wartend: 0, konflikte: [], fehler: [] });
    expect(await host.binding()).toMatchObject({ kind: 'kommune-status', scope: KOELN });
  });

  it('hints at rows typed „online“ without a Reifegrad before they are sent, naming the Leistung', async () => {
    const count = (hinweis: string | null) => (hinweis ? Number(/^(\d+) Zeile/.exec(hinweis)![1]) : 0);
    const before = count((await controller.status()).reifegradHinweis);
    const leistung = String(host.cell(REISEPASS, 'leistung'));
    host.edit(REISEPASS, 'status', 'online');
    host.edit(REISEPASS, 'reifegrad', '');
    const hinweis = (await controller.status()).reifegradHinweis;
    expect(count(hinweis)).toBe(before + 1);
    expect(hinweis).toMatch(/„online“, aber ohne Reifegrad .*: so (zählt|zählen) sie nicht als OZG-konform\. Tragen Sie den Reifegrad nach\.$/);
    if (before < 3) expect(hinweis).toContain(`„${leistung}“`);
    host.edit(REISEPASS, 'reifegrad', 4);
    expect(count((await controller.status()).reifegradHinweis)).toBe(before);
    host.edit(REISEPASS, 'status', 'offen');
    host.edit(REISEPASS, 'reifegrad', '');
    expect((await controller.status()).wartend).toBe(0);
  });

  it('counts local edits and sends only the changed cells', async () => {
    host.edit(FUEHRERSCHEIN, 'status', 'in Umsetzung');
    host.edit(FUEHRERSCHEIN, 'loesung', 'Führerschein online');
    expect((await controller.status()).wartend).toBe(2);
    const summary = await controller.push();
    expect(summary).toMatchObject({ gesendet: 1, uebernommen: 1, konflikte: 0, abgelehnt: 0 });
    const server = (await pullRows(apiAs(db), 'kommune-status', KOELN)).rows.find((r) => r.values.ozg_id === 10169)!;
    expect(server.values).toMatchObject({ status: 'in Umsetzung', loesung: 'Führerschein online' });
    expect((await controller.status()).wartend).toBe(0);
  });

  it('brings in server changes on refresh without losing an unsent local edit', async () => {
    expect(await controller.serverChanges()).toBe(0);
    host.edit(REISEPASS, 'bemerkung', 'lokal, noch nicht gesendet');
    await otherPersonSets(10177, { anbieter: 'ekom21' });
    expect(await controller.serverChanges()).toBe(1);
    const status = await controller.refresh();
    expect(host.cell(REISEPASS, 'anbieter')).toBe('ekom21');
    expect(host.cell(REISEPASS, 'bemerkung')).toBe('lokal, noch nicht gesendet');
    expect(status).toMatchObject({ wartend: 1, konflikte: [] });
  });

  it('turns a local edit and a server change of the same cell into a Konflikt, never a silent overwrite', async () => {
    await otherPersonSets(10177, { bemerkung: 'vom Server' });
    const summary = await controller.push();
    expect(summary.konflikte).toBe(1);
    const { konflikte } = await controller.status();
    expect(konflikte).toEqual([expect.objectContaining({ key: 'bemerkung', mine: 'lokal, noch nicht gesendet', theirs: 'vom Server' })]);
    expect(host.konfliktMarks()).toBe(1);
    expect(host.cell(REISEPASS, 'bemerkung')).toBe('lokal, noch nicht gesendet');
  });

  it('keeps mine on request: the server gets the local value', async () => {
    const [konflikt] = (await controller.status()).konflikte;
    const status = await controller.keepMine(konflikt);
    expect(status.konflikte).toEqual([]);
    const server = (await pullRows(apiAs(db), 'kommune-status', KOELN)).rows.find((r) => r.values.ozg_id === 10177)!;
    expect(server.values.bemerkung).toBe('lokal, noch nicht gesendet');
  });

  it('takes the server’s value on request: the local edit is replaced', async () => {
    host.edit(REISEPASS, 'anbieter', 'lokal');
    await otherPersonSets(10177, { anbieter: 'Server-Anbieter' });
    await controller.push();
    const status = await controller.takeTheirs();
    expect(status.konflikte).toEqual([]);
    expect(host.cell(REISEPASS, 'anbieter')).toBe('Server-Anbieter');
    expect(status.wartend).toBe(0);
  });

  it('pulls the bound sheet again without losing unsent edits or the user’s own columns', async () => {
    host.edit(FUEHRERSCHEIN, 'bemerkung', 'noch nicht gesendet');
    host.ownColumn(FUEHRERSCHEIN, 'Meine Notiz', '=A2&" prüfen"');
    await otherPersonSets(10169, { anbieter: 'Dataport' });
    const status = await controller.pull('kommune-status', KOELN, 'Köln');
    expect(host.cell(FUEHRERSCHEIN, 'bemerkung')).toBe('noch nicht gesendet');
    expect(host.cell(FUEHRERSCHEIN, 'anbieter')).toBe('Dataport');
    expect(host.cell(FUEHRERSCHEIN, 'Meine Notiz')).toBe('=A2&" prüfen"');
    expect(status.wartend).toBe(1);
  });

  it('refuses a row the server’s rules would reject before sending it, and marks it with the server’s German reason', async () => {
    host.edit(FUEHRERSCHEIN, 'reifegrad_modell', '1.1');
    host.edit(FUEHRERSCHEIN, 'reifegrad', 6);
    const summary = await controller.push();
    const { fehler } = await controller.status();
    // The row's other unsent edit from earlier in this file is held back with it.
    expect(summary).toMatchObject({ gesendet: 0, abgelehnt: 0, ungueltig: fehler.length });
    expect(fehler[0]).toMatchObject({ key: 'reifegrad', message: 'Reifegrad 6 gibt es im Reifegradmodell 1.1 nicht (erlaubt: 0 bis 4).' });
    expect(fehler).toContainEqual(
      expect.objectContaining({ key: 'reifegrad_modell', message: 'Nicht gesendet wegen eines Fehlers in „Reifegrad“ derselben Zeile.' }),
    );
    expect(fehler.slice(1).every((f) => f.message === 'Nicht gesendet wegen eines Fehlers in „Reifegrad“ derselben Zeile.')).toBe(true);
  });

  it('adds another sheet beside the bound one instead of replacing it, and keeps the first one’s unsent edits', async () => {
    host.edit(REISEPASS, 'bemerkung', 'wartet in Köln');
    const status = await controller.pull('kommune-status', '05158024', 'Mettmann');
    expect(status.blaetter.map((b) => [b.scope, b.aktiv])).toEqual([
      [KOELN, false],
      ['05158024', true],
    ]);
    expect(status.blaetter.map((b) => b.wartend)).toEqual([1, 0]);
    expect(await host.binding()).toMatchObject({ scope: '05158024' });
    const back = await controller.waehle(status.blaetter[0]!.table);
    expect(back.binding).toMatchObject({ scope: KOELN });
    expect(host.cell(REISEPASS, 'bemerkung')).toBe('wartet in Köln');
    expect(host.cell(FUEHRERSCHEIN, 'reifegrad')).toBe(6);
    await controller.waehle(status.blaetter[1]!.table);
  });

  it('tells a municipality that it cannot send another municipality’s sheet', async () => {
    host.edit(FUEHRERSCHEIN, 'bemerkung', 'fremd');
    await expect(controller.push()).rejects.toThrow(/nicht ändern, nur ansehen/);
  });

  it('lets the pane update by itself past an unsent edit, but not when that edit’s cell changed on the server too', async () => {
    const workbook = newWorkbook();
    const pane = new SyncController(api, workbook.host, 'http://ozg.test');
    await pane.pull('kommune-status', KOELN, 'Köln');
    workbook.edit(REISEPASS, 'bemerkung', 'noch nicht gesendet');

    await otherPersonSets(10169, { bemerkung: 'andere Zeile' });
    await otherPersonSets(10177, { loesung: 'gleiche Zeile, andere Zelle' });
    expect(await pane.serverNews()).toEqual({ anzahl: 2, ohneKonflikt: true });

    await otherPersonSets(10177, { bemerkung: 'gleiche Zelle' });
    expect(await pane.serverNews()).toEqual({ anzahl: 2, ohneKonflikt: false });
    expect(workbook.cell(REISEPASS, 'bemerkung')).toBe('noch nicht gesendet');
  });
});
