import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../../addin/src/api/client.ts';
import { SyncController } from '../../../addin/src/app/controller.ts';
import type { Database } from '../../../server/db/database.ts';
import { CHANGE_CHANNEL } from '../../../server/live/hub.ts';
import type { ChangeNotice } from '../../../addin/src/live/events.ts';
import { prepareDatabase } from '../../../server/db/open.ts';
import { openPglite } from '../../../server/db/pglite.ts';
import { ADMIN, apiAs, testApp, testAuth } from '../../helpers/api.ts';
import { pullRows, pushRows } from '../../helpers/sheets.ts';
import { excelWorkbook, memoryWorkbook, type TestWorkbook } from '../../helpers/test-workbooks.ts';

const KOELN = '05315000';
const METTMANN = '05158024';
const KEMPEN = '05166012';
const REISEPASS = { key: 'ozg_id', value: 10177 };

const LABELS = new Map([
  ['ozg_id', 'OZG-ID'],
  ['leistung', 'Leistung'],
  ['status', 'Status'],
  ['bemerkung', 'Bemerkung'],
  ['loesung', 'Lösung'],
]);
const FLAVOURS: [string, () => TestWorkbook][] = [
  ['in memory', memoryWorkbook],
  ['through the Excel layer on the Office stand-in', () => excelWorkbook(LABELS)],
];

describe.each(FLAVOURS)('A workbook with three bound sheets, %s', (_flavour, newWorkbook) => {
  let db: Database;
  let api: ReturnType<typeof createApi>;
  let workbook: TestWorkbook;
  let controller: SyncController;

  beforeAll(async () => {
    db = await openPglite();
    await prepareDatabase(db, { demoData: true });
    const app = testApp(db);
    // The admin may write every Kommune's sheet, so each of the three can be sent.
    const token = await testAuth.issueLocalToken!(ADMIN);
    const viaApp = (async (input: RequestInfo | URL, init?: RequestInit) => app.request(input, init)) as typeof fetch;
    api = createApi('http://ozg.test', async () => token, viaApp);
    workbook = newWorkbook();
    controller = new SyncController(api, workbook.host, 'http://ozg.test');
  });
  afterAll(() => {
    vi.unstubAllGlobals();
    return db.close();
  });

  async function otherPersonSets(scope: string, ozgId: number, set: Record<string, unknown>) {
    const admin = apiAs(db);
    const row = (await pullRows(admin, 'kommune-status', scope)).rows.find((r) => r.values.ozg_id === ozgId)!;
    const base = Object.fromEntries(Object.keys(set).map((k) => [k, row.values[k]]));
    await pushRows(admin, 'kommune-status', { scope, changes: [{ id: row.id, baseVersion: row.version, base, set }] });
  }

  const serverValue = async (scope: string, ozgId: number, key: string) =>
    (await pullRows(apiAs(db), 'kommune-status', scope)).rows.find((r) => r.values.ozg_id === ozgId)!.values[key];

  /** The pane's sheet list, by scope: which one is active and what waits on each. */
  const sheets = async () => (await controller.status()).blaetter.map((b) => ({ scope: b.scope, aktiv: b.aktiv, wartend: b.wartend, konflikte: b.konflikte }));

  it('holds each pulled sheet beside the others, each with its own table, and pulls into the bound one again', async () => {
    await controller.pull('kommune-status', KOELN, 'Köln');
    await controller.pull('kommune-status', METTMANN, 'Mettmann');
    const status = await controller.pull('kommune-status', KEMPEN, 'Kempen');
    expect(status.blaetter.map((b) => [b.scope, b.table, b.aktiv])).toEqual([
      [KOELN, 'OZG_Sync', false],
      [METTMANN, 'OZG_Sync_2', false],
      [KEMPEN, 'OZG_Sync_3', true],
    ]);
    const again = await controller.pull('kommune-status', METTMANN, 'Mettmann');
    expect(again.blaetter.map((b) => [b.scope, b.aktiv])).toEqual([
      [KOELN, false],
      [METTMANN, true],
      [KEMPEN, false],
    ]);
    expect(workbook.rowCount()).toBeGreaterThan(0);
  });

  it('counts the unsent edits of each sheet in the list', async () => {
    const tables = (await controller.status()).blaetter.map((b) => b.table);
    for (const [index, table] of tables.entries()) {
      await controller.waehle(table);
      workbook.edit(REISEPASS, 'bemerkung', `Bemerkung ${index + 1}`);
    }
    await controller.waehle(tables[1]!);
    workbook.edit(REISEPASS, 'loesung', 'zweite Zelle');
    expect(await sheets()).toEqual([
      { scope: KOELN, aktiv: false, wartend: 1, konflikte: 0 },
      { scope: METTMANN, aktiv: true, wartend: 2, konflikte: 0 },
      { scope: KEMPEN, aktiv: false, wartend: 1, konflikte: 0 },
    ]);
  });

  it('sends every sheet with „Alle senden“, one progress over all of them, and lists the Konflikt on the one sheet that has it', async () => {
    await otherPersonSets(METTMANN, 10177, { bemerkung: 'vom Server' });
    const progress: [number, number][] = [];
    const { blaetter, status } = await controller.pushAll((done, total) => progress.push([done, total]));

    expect(blaetter.map((b) => [b.title, b.summary?.uebernommen, b.summary?.konflikte, b.fehler])).toEqual([
      ['Köln', 1, 0, null],
      ['Mettmann', 0, 1, null],
      ['Kempen', 1, 0, null],
    ]);
    expect(progress[0]).toEqual([0, 3]);
    expect(progress.at(-1)).toEqual([3, 3]);
    expect(progress.every(([done, total], i) => total === 3 && done >= (progress[i - 1]?.[0] ?? 0))).toBe(true);
    expect(status.blaetter.map((b) => b.konflikte)).toEqual([0, 1, 0]);
    expect(await serverValue(KOELN, 10177, 'bemerkung')).toBe('Bemerkung 1');
    expect(await serverValue(KEMPEN, 10177, 'bemerkung')).toBe('Bemerkung 3');
    expect(await serverValue(METTMANN, 10177, 'bemerkung')).toBe('vom Server');
    // The active sheet stays the one the user was on; its list shows its own Konflikt.
    expect(status.binding).toMatchObject({ scope: METTMANN });
    expect(status.konflikte).toEqual([expect.objectContaining({ key: 'bemerkung' })]);
  });

  it('lists every sheet again, with the open Konflikt, when the workbook is opened anew', async () => {
    const reopened = new SyncController(api, workbook.host, 'http://ozg.test');
    const status = await reopened.open();
    expect(status.blaetter.map((b) => [b.scope, b.konflikte])).toEqual([
      [KOELN, 0],
      [METTMANN, 1],
      [KEMPEN, 0],
    ]);
  });

  it('brings in every sheet’s news with „Alle aktualisieren“', async () => {
    await otherPersonSets(KOELN, 10177, { loesung: 'Köln neu' });
    await otherPersonSets(KEMPEN, 10177, { loesung: 'Kempen neu' });
    const { blaetter } = await controller.refreshAll();
    expect(blaetter.map((b) => b.fehler)).toEqual([null, null, null]);
    for (const [index, value] of [[0, 'Köln neu'], [2, 'Kempen neu']] as const) {
      await controller.waehle((await controller.status()).blaetter[index]!.table);
      expect(workbook.cell(REISEPASS, 'loesung')).toBe(value);
    }
  });

  it('takes a live notice of another person’s push as news for the sheet it concerns, counts it there without leaving the active sheet, and as seen once that sheet is updated', async () => {
    const notices: ChangeNotice[] = [];
    const unlisten = await db.listen(CHANGE_CHANNEL, (payload) => notices.push(JSON.parse(payload) as ChangeNotice));
    const tables = (await controller.status()).blaetter.map((b) => b.table);
    await controller.waehle(tables[1]!);
    const before = workbook.cell(REISEPASS, 'bemerkung');
    try {
      await otherPersonSets(KOELN, 10177, { bemerkung: 'live von anderswo' });
      await expect.poll(() => notices.some((n) => n.scope === KOELN)).toBe(true);
    } finally {
      await unlisten();
    }
    const notice = notices.find((n) => n.scope === KOELN)!;

    expect(controller.betroffen(notice)).toEqual({ kind: 'kommune-status', scope: KOELN });
    expect(await controller.serverNews({ kind: 'kommune-status', scope: KOELN })).toEqual({ anzahl: 1, ohneKonflikt: true });
    expect(await controller.serverNews({ kind: 'kommune-status', scope: KEMPEN })).toEqual({ anzahl: 0, ohneKonflikt: true });
    expect((await controller.status()).binding).toMatchObject({ scope: METTMANN });
    expect(workbook.cell(REISEPASS, 'bemerkung')).toBe(before);

    await controller.waehle(tables[0]!);
    await controller.refresh();
    expect(workbook.cell(REISEPASS, 'bemerkung')).toBe('live von anderswo');
    expect(controller.betroffen(notice)).toBeNull();
  });

  it('checks by the clock, without a live stream, the active sheet every time and one of the others in turn', async () => {
    const tables = (await controller.status()).blaetter.map((b) => b.table);
    await controller.waehle(tables[1]!);
    const scopes = () => controller.zuPruefen().map((sheet) => sheet.scope);
    const checks = [scopes(), scopes(), scopes()];
    expect(checks.map((check) => check[0])).toEqual([METTMANN, METTMANN, METTMANN]);
    expect(checks.every((check) => check.length === 2)).toBe(true);
    expect(new Set(checks.slice(0, 2).map((check) => check[1]))).toEqual(new Set([KOELN, KEMPEN]));
    expect(checks[2]![1]).toBe(checks[0]![1]);
  });
});
