import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { createExcelHost } from '../../../addin/src/excel/index.ts';
import { slotSheets } from '../../../core/workbook.ts';
import { ADMIN, apiAs, type Api } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { pullRows, rowOf } from '../../helpers/sheets.ts';
import { workbook as fakeWorkbook } from '../../addin/excel/fixtures.ts';
import { openXlsx } from '../../addin/excel/open-xlsx.ts';
import { SOFFICE, convert } from './libreoffice.ts';
import { XLSX_TYPE, cellAt, loadWorkbook, saveWorkbook } from './workbooks.ts';

const KOELN = '05315000';
const METTMANN = '05158024';
const KEMPEN = '05166012';
const KOELN_MEMBER = 'ozg@koeln.example';
const REISEPASS = 10177;
const SKIPPED = 'übersprungen: LibreOffice (soffice oder libreoffice) ist nicht installiert';

async function exportTables(app: Api, sheets: string[]) {
  return app.request(`/api/export.xlsx?${sheets.map((sheet) => `sheet=${encodeURIComponent(sheet)}`).join('&')}`);
}

async function exportedFile(app: Api, sheets: string[]): Promise<Uint8Array> {
  const response = await exportTables(app, sheets);
  if (response.status !== 200) throw new Error(`export ${response.status}: ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

function importTables(app: Api, bytes: Uint8Array, accept = 'application/json') {
  return app.request('/api/import', {
    method: 'POST',
    headers: { 'content-type': XLSX_TYPE, accept },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
}

/** Types into the Bemerkung of Reisepass on the named sheet, as a person would in Excel. */
async function typeBemerkung(bytes: Uint8Array, edits: Record<string, { id: string; text: string }>): Promise<Uint8Array> {
  const workbook: ExcelJS.Workbook = await loadWorkbook(bytes);
  for (const [sheet, { id, text }] of Object.entries(edits)) cellAt(workbook.getWorksheet(sheet)!, id, 'Bemerkung').value = text;
  return saveWorkbook(workbook);
}

const reisepassId = async (app: Api, scope: string) => rowOf(await pullRows(app, 'kommune-status', scope), REISEPASS).id;
const bemerkung = async (app: Api, scope: string) => rowOf(await pullRows(app, 'kommune-status', scope), REISEPASS).values.bemerkung;

const none = { uebernommen: 0, unveraendert: 0, konflikt: 0, abgelehnt: 0, ungueltig: 0 };

describeEachDatabase('several tables in one xlsx file', ({ db }) => {
  const admin = () => apiAs(db(), ADMIN);
  const koeln = () => apiAs(db(), KOELN_MEMBER);
  const three = [`kommune-status:${KOELN}`, `kommune-status:${METTMANN}`, `kommune-status:${KEMPEN}`];

  it('puts each table on its own sheet in its own slot, with an Anleitung naming all of them', async () => {
    const workbook = await loadWorkbook(await exportedFile(admin(), three));
    const names = workbook.worksheets.map((sheet) => sheet.name);
    expect(names.slice(0, 3)).toEqual(['Köln, Stadt', 'Mettmann, Stadt', 'Kempen, Stadt']);
    for (const slot of [1, 2, 3]) {
      expect(names).toContain(slotSheets(slot).binding);
      const sheet = workbook.worksheets[slot - 1]!;
      expect(sheet.getTable(slotSheets(slot).table)).toBeDefined();
    }
    const anleitung = workbook.getWorksheet('Anleitung')!.getColumn(1).values.map(String).join('\n');
    expect(anleitung).toContain('OZG-Sync: 3 Tabellen');
    for (const name of ['Köln, Stadt', 'Mettmann, Stadt', 'Kempen, Stadt']) expect(anleitung).toContain(`„${name}“: Umsetzungsstand`);
    expect(anleitung).toContain('/api/import');
    expect(anleitung).toContain('npm run sheet -- import ozg-sync-3-tabellen.xlsx --out ergebnis.xlsx');
  });

  it('opens in the add-in as a workbook of three bound tables', async () => {
    const book = fakeWorkbook();
    await openXlsx(book, await exportedFile(admin(), three));
    const loaded = await createExcelHost((batch) => book.run(batch)).load();
    expect(loaded.map(({ binding }) => [binding.scope, binding.dataSheet, binding.table])).toEqual([
      [KOELN, 'Köln, Stadt', 'OZG_Sync'],
      [METTMANN, 'Mettmann, Stadt', 'OZG_Sync_2'],
      [KEMPEN, 'Kempen, Stadt', 'OZG_Sync_3'],
    ]);
    expect(loaded.every(({ state }) => state.base.size > 0)).toBe(true);
  });

  it('refuses more tables than a file holds, a table named twice and an unknown scope in German, before building anything', async () => {
    const many = Array.from({ length: 31 }, (_, n) => `kommune-status:0531500${n}`);
    const tooMany = await exportTables(admin(), many);
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(await tooMany.json())).toContain('Höchstens 30 Tabellen in einer Datei.');
    const twice = await exportTables(admin(), [`kommune-status:${KOELN}`, `kommune-status:${KOELN}`]);
    expect(twice.status).toBe(400);
    expect((await twice.json()).error.message).toContain('doppelt angegeben');
    const unknown = await exportTables(admin(), [`kommune-status:${KOELN}`, 'kommune-status:09999999']);
    expect(unknown.status).toBe(404);
  });

  describe.skipIf(!SOFFICE)(`through LibreOffice${SOFFICE ? '' : ` (${SKIPPED})`}`, () => {
    it('applies the edits of two sheets after a LibreOffice round trip and counts per table; the unchanged one reports zero; sending it again changes nothing', async () => {
      // ExcelJS cannot write back the table parts LibreOffice saves, so the edit comes first and LibreOffice saves last, as a Calc user would.
      const typed = await typeBemerkung(await exportedFile(admin(), three), {
        'Köln, Stadt': { id: await reisepassId(admin(), KOELN), text: 'Köln aus der Sammeldatei' },
        'Mettmann, Stadt': { id: await reisepassId(admin(), METTMANN), text: 'Mettmann aus der Sammeldatei' },
      });
      const edited = await convert(typed, 'xlsx', 'xlsx');

      const response = await importTables(admin(), edited);
      expect(response.status).toBe(200);
      const { tabellen } = await response.json();
      expect(tabellen.map((t: { scope: string; blatt: string; anzahl: unknown }) => [t.scope, t.blatt, t.anzahl])).toEqual([
        [KOELN, 'Köln, Stadt', { ...none, uebernommen: 1 }],
        [METTMANN, 'Mettmann, Stadt', { ...none, uebernommen: 1 }],
        [KEMPEN, 'Kempen, Stadt', none],
      ]);
      expect(await bemerkung(admin(), KOELN)).toBe('Köln aus der Sammeldatei');
      expect(await bemerkung(admin(), METTMANN)).toBe('Mettmann aus der Sammeldatei');

      const before = await pullRows(admin(), 'kommune-status', KOELN);
      const again = await importTables(admin(), edited);
      expect(again.status).toBe(200);
      expect((await again.json()).tabellen).toEqual(tabellen);
      expect(await pullRows(admin(), 'kommune-status', KOELN, before.cursor)).toMatchObject({ rows: [] });
    });

    it('refuses in German the table the member may not write and applies the others; the result workbook marks each sheet', async () => {
      const mettmannBefore = await bemerkung(admin(), METTMANN);
      const koelnReisepass = await reisepassId(koeln(), KOELN);
      const typed = await typeBemerkung(await exportedFile(koeln(), [`kommune-status:${KOELN}`, `kommune-status:${METTMANN}`]), {
        'Köln, Stadt': { id: koelnReisepass, text: 'Köln darf das' },
        'Mettmann, Stadt': { id: await reisepassId(koeln(), METTMANN), text: 'Köln darf das nicht' },
      });
      const edited = await convert(typed, 'xlsx', 'xlsx');

      const response = await importTables(koeln(), edited);
      expect(response.status).toBe(200);
      const { tabellen } = await response.json();
      expect(tabellen[0]).toMatchObject({ scope: KOELN, anzahl: { ...none, uebernommen: 1 } });
      expect(tabellen[1]).toMatchObject({ scope: METTMANN, fehler: { code: 'forbidden', message: expect.stringContaining('nicht ändern, nur ansehen') } });
      expect(tabellen[1].anzahl).toBeUndefined();
      expect(await bemerkung(admin(), KOELN)).toBe('Köln darf das');
      expect(await bemerkung(admin(), METTMANN)).toBe(mettmannBefore);

      const marked = await importTables(koeln(), edited, XLSX_TYPE);
      expect(marked.status).toBe(200);
      const result = await loadWorkbook(new Uint8Array(await marked.arrayBuffer()));
      const ergebnis = result.getWorksheet('Ergebnis')!.getColumn(1).values.map(String).join('\n');
      expect((cellAt(result.getWorksheet('Köln, Stadt')!, koelnReisepass, 'Bemerkung').fill as ExcelJS.FillPattern).fgColor?.argb).toBe('FFC6EFCE');
      expect(result.getWorksheet('Mettmann, Stadt')).toBeUndefined();
      expect(ergebnis).toContain('„Umsetzungsstand einer Kommune: Mettmann, Stadt“ (Blatt „Mettmann, Stadt“): nicht übernommen. Sie dürfen');
    });

    it('answers 403 in German when the member may write none of the file’s tables', async () => {
      const saved = await convert(await exportedFile(koeln(), [`kommune-status:${METTMANN}`, `kommune-status:${KEMPEN}`]), 'xlsx', 'xlsx');
      const response = await importTables(koeln(), saved);
      expect(response.status).toBe(403);
      expect((await response.json()).error.message).toContain('nicht ändern, nur ansehen');
    });
  });
});
