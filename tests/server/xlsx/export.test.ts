import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { diffTable } from '../../../core/diff.ts';
import {
  BINDING_SHEET,
  DATA_TABLE,
  FORMAT_MARKER,
  LISTS_SHEET,
  tableColumns,
  tableLayout,
  tableRowOf,
} from '../../../core/workbook.ts';
import { ADMIN, apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';
import { argbOf, cellAt, dataSheet, decodedBinding, exportFile, headerLabels, loadWorkbook, noteOf, tableRange, XLSX_TYPE } from './workbooks.ts';

const KOELN = '05315000';
const METTMANN_MEMBER = 'ozg@mettmann.example';

describeEachDatabase('xlsx export', ({ db }) => {
  const app = () => apiAs(db());

  it('answers with an .xlsx attachment', async () => {
    const response = await app().request(`/api/sheets/kommune-status/export.xlsx?scope=${KOELN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(XLSX_TYPE);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="kommune-status-${KOELN}.xlsx"`);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('writes the table the add-in writes: German headers, hidden id and version, formats, drop-downs, read-only columns grey', async () => {
    const pull = await pullRows(app(), 'kommune-status', KOELN);
    const workbook = await loadWorkbook(await exportFile(app(), 'kommune-status', KOELN));
    expect(workbook.worksheets.map((ws) => [ws.name, ws.state])).toEqual([
      ['Köln, Stadt', 'visible'],
      ['Anleitung', 'visible'],
      ['Reifegrade', 'visible'],
      [LISTS_SHEET, 'veryHidden'],
      [BINDING_SHEET, 'veryHidden'],
    ]);
    const sheet = dataSheet(workbook);
    const columns = tableColumns(pull.columns);
    expect(headerLabels(sheet)).toEqual(columns.map((c) => c.label));
    expect(headerLabels(sheet).slice(0, 5)).toEqual(['id', 'version', 'OZG-ID', 'Leistung', 'Themenfeld']);
    expect(tableRange(sheet)).toBe(`A1:O${pull.rows.length + 1}`);
    expect([1, 2, 3].map((c) => sheet.getColumn(c).hidden)).toEqual([true, true, false]);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });

    const row = rowOf(pull, 10177);
    const at = (label: string) => cellAt(sheet, row.id, label);
    expect(at('version').value).toBe(row.version);
    expect(at('OZG-ID').value).toBe(10177);
    expect(at('Status').value).toBe('offen');
    expect(at('Reifegradmodell').value).toBe('2.0');
    expect([at('id'), at('Leistung'), at('Lösung'), at('Status'), at('Reifegradmodell')].map((c) => c.numFmt)).toEqual(['@', '@', '@', '@', '@']);
    expect(at('Zieltermin').numFmt).toBe('dd.mm.yyyy');
    expect(at('Reifegrad').numFmt ?? 'General').toBe('General');
    expect(at('Lösung').value).toBeNull();

    // Read-only columns: grey and locked, with a note on the header; editable ones open.
    expect(argbOf(at('Leistung'))).toBe('FFEDEDED');
    expect(at('Leistung').protection?.locked ?? true).toBe(true);
    expect(argbOf(at('Status'))).toBeUndefined();
    expect(at('Status').protection?.locked).toBe(false);
    expect(noteOf(sheet.getCell('D1'))).toContain('Schreibgeschützt');

    expect(at('Status').dataValidation).toMatchObject({
      type: 'list',
      formulae: [`'${LISTS_SHEET}'!$A$1:$A$4`],
      errorStyle: 'warning',
      showErrorMessage: true,
    });
    expect(at('Reifegradmodell').dataValidation).toMatchObject({ type: 'list', formulae: [`'${LISTS_SHEET}'!$B$1:$B$2`] });
    expect(at('Lösung').dataValidation).toBeUndefined();
    const lists = workbook.getWorksheet(LISTS_SHEET)!;
    expect([1, 2, 3, 4].map((r) => lists.getCell(r, 1).value)).toEqual(['offen', 'in Planung', 'in Umsetzung', 'online']);
    expect([1, 2].map((r) => lists.getCell(r, 2).value)).toEqual(['1.1', '2.0']);
  });

  it('stores the binding and base snapshot as the add-in does, so that the add-in reads the file as bound and unedited', async () => {
    const pull = await pullRows(app(), 'kommune-status', KOELN);
    const workbook = await loadWorkbook(await exportFile(app(), 'kommune-status', KOELN));
    expect(workbook.getWorksheet(BINDING_SHEET)!.getCell('A1').value).toBe(FORMAT_MARKER);

    const { binding, snapshot } = decodedBinding(workbook);
    expect(binding).toMatchObject({
      kind: 'kommune-status',
      scope: KOELN,
      server: 'http://localhost',
      title: 'Umsetzungsstand einer Kommune: Köln, Stadt',
      columns: pull.columns,
      dataSheet: 'Köln, Stadt',
      table: DATA_TABLE,
      cursor: expect.any(String),
      syncedAt: expect.any(String),
    });
    expect(new Map([...snapshot].map(([id, base]) => [id, base]))).toEqual(
      new Map(pull.rows.map((row) => [row.id, { version: row.version, values: row.values }])),
    );

    // The add-in's own reading of the table: every row found by its id, nothing edited.
    const sheet = dataSheet(workbook);
    const found = tableLayout(binding.columns, headerLabels(sheet));
    if (!found.ok) throw new Error(found.message);
    const rows = [];
    for (let r = 2; r <= sheet.rowCount; r++) {
      const cells = headerLabels(sheet).map((_, c) => sheet.getRow(r).getCell(c + 1).value ?? '');
      const row = tableRowOf(found.layout, cells as (string | number | boolean)[]);
      if (row) rows.push(row);
    }
    expect(rows).toHaveLength(pull.rows.length);
    expect(diffTable(binding.columns, snapshot, rows)).toMatchObject({ changes: [], invalid: [], readOnlyEdits: [], rowsWithoutId: [] });
  });

  it('writes text that looks like a formula as text, never as a formula', async () => {
    const row = rowOf(await pullRows(app(), 'kommune-status', KOELN), 10279);
    const texts = { loesung: '=SUMME(A1:A2)', anbieter: '+49 221 12345', ansprechperson: '@Kempen', bemerkung: '-1' };
    await pushRows(app(), 'kommune-status', { scope: KOELN, changes: [{ id: row.id, baseVersion: row.version, set: { ...texts, zieltermin: '2027-03-31' } }] });

    const sheet = dataSheet(await loadWorkbook(await exportFile(app(), 'kommune-status', KOELN)));
    for (const [label, text] of [
      ['Lösung', texts.loesung],
      ['Anbieter', texts.anbieter],
      ['Ansprechperson', texts.ansprechperson],
      ['Bemerkung', texts.bemerkung],
    ] as const) {
      const cell = cellAt(sheet, row.id, label);
      expect({ label, type: cell.type, value: cell.value, numFmt: cell.numFmt }).toEqual({ label, type: ExcelJS.ValueType.String, value: text, numFmt: '@' });
    }
    sheet.eachRow((sheetRow) => sheetRow.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
    // Dates are Excel dates, which ExcelJS reads back as Date values.
    expect(cellAt(sheet, row.id, 'Zieltermin').value).toEqual(new Date('2027-03-31T00:00:00Z'));
  });

  it('writes a Themenfeld-Übersicht with lists joined by "; ", ja/nein, and drop-downs only for single-choice columns', async () => {
    const pull = await pullRows(app(), 'leistung-status', '14');
    const row = rowOf(pull, 10294);
    const sheet = dataSheet(await loadWorkbook(await exportFile(app(), 'leistung-status', '14')));
    expect(sheet.name).toBe('Unternehmensführung & -entwickl');
    expect(cellAt(sheet, row.id, 'Weitere Aktivitäten').value).toBe('GSP; Digitalisierungslabor');
    expect(cellAt(sheet, row.id, 'Weitere Aktivitäten').dataValidation).toBeUndefined();
    expect(cellAt(sheet, row.id, 'Online-Dienst in NRW').value).toBe('ja');
    expect(cellAt(sheet, row.id, 'Priorität').dataValidation).toMatchObject({ type: 'list' });
    expect(cellAt(sheet, row.id, 'LeiKa-Anzahl').value).toBe(198);
  });

  it('adds a German instruction sheet', async () => {
    const workbook = await loadWorkbook(await exportFile(app(), 'kommune-status', KOELN));
    const sheet = workbook.getWorksheet('Anleitung')!;
    const text = sheet.getColumn(1).values.filter(Boolean).join('\n');
    expect(text).toContain('OZG-Sync: Umsetzungsstand einer Kommune: Köln, Stadt');
    expect(text).toContain('Status, Reifegrad, Reifegradmodell, Lösung, URL, Anbieter, Zieltermin, Inbetriebnahme, Ansprechperson, Bemerkung');
    expect(text).toContain('Keine Zeilen hinzufügen oder löschen');
    // Clerks without the add-in upload in the browser, at the address they downloaded from; scripts keep the command.
    expect(text).toContain('http://localhost/ öffnen, anmelden, unter „Meine Tabellen“ die Tabelle „Umsetzungsstand einer Kommune: Köln, Stadt“ öffnen und „Hochladen“ wählen');
    expect(text).toContain('npm run sheet -- import kommune-status-05315000.xlsx');
    expect(text).toContain('Formeln werden nicht berechnet');
  });

  it('explains both maturity models on the sheet "Reifegrade": every level, and which count as OZG-konform', async () => {
    const workbook = await loadWorkbook(await exportFile(app(), 'kommune-status', KOELN));
    const sheet = workbook.getWorksheet('Reifegrade')!;
    const rows = sheet.getSheetValues().slice(1).map((r) => (Array.isArray(r) ? r.slice(1) : []));
    expect(rows[0]).toEqual(['Reifegradmodell', 'Stufe', 'Bezeichnung', 'Erklärung', 'OZG-konform']);
    const levels = rows.slice(1, 14).map(([modell, stufe, , , konform]) => `${modell}/${stufe}/${konform}`);
    expect(levels).toEqual([
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((n) => `2.0/${n}/${n >= 3 ? 'ja' : 'nein'}`),
      ...[0, 1, 2, 3, 4].map((n) => `1.1/${n}/${n >= 3 ? 'ja' : 'nein'}`),
    ]);
    expect(rows.slice(1, 14).find(([modell, stufe]) => modell === '1.1' && stufe === 3)?.[2]).toBe('Online-Leistung');
    const themenfeld = await loadWorkbook(await exportFile(app(), 'leistung-status', '9'));
    expect(themenfeld.getWorksheet('Reifegrade')).toBeUndefined();
  });

  it('lets any member export any scope: a Mettmann member exports Köln', async () => {
    const response = await apiAs(db(), METTMANN_MEMBER).request(`/api/sheets/kommune-status/export.xlsx?scope=${KOELN}`);
    expect(response.status).toBe(200);
  });

  it('answers bad requests in German with the JSON error shape', async () => {
    const cases = [
      [`/api/sheets/kommune-status/export.xlsx`, 400, 'Der Bereich (scope) fehlt.'],
      [`/api/sheets/kommune-status/export.xlsx?scope=05999999`, 404, 'Den Bereich 05999999 (Kommune (AGS)) gibt es nicht.'],
      [`/api/sheets/kommune-status/export.xlsx?scope=abc`, 400, 'Ungültiger Bereich „abc“'],
      [`/api/sheets/gibt-es-nicht/export.xlsx?scope=1`, 404, 'Die Tabellenart „gibt-es-nicht“ gibt es nicht.'],
    ] as const;
    for (const [path, status, message] of cases) {
      const response = await app().request(path);
      expect({ path, status: response.status }).toEqual({ path, status });
      expect((await response.json()).error.message).toContain(message);
    }
    expect((await apiAs(db(), null).request(`/api/sheets/kommune-status/export.xlsx?scope=${KOELN}`)).status).toBe(401);
    expect((await apiAs(db(), 'fremd@example.org').request(`/api/sheets/kommune-status/export.xlsx?scope=${KOELN}`)).status).toBe(403);
  });

  it('documents both endpoints in /openapi.json with the xlsx media type', async () => {
    const doc = await (await apiAs(db(), ADMIN).request('/openapi.json')).json();
    const exported = doc.paths['/api/sheets/{kind}/export.xlsx'].get;
    expect(Object.keys(exported.responses['200'].content)).toEqual([XLSX_TYPE]);
    const imported = doc.paths['/api/sheets/{kind}/import'].post;
    expect(Object.keys(imported.requestBody.content)).toEqual([XLSX_TYPE]);
    expect(Object.keys(imported.responses['200'].content)).toEqual(['application/json', XLSX_TYPE]);
    expect(imported.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Importergebnis');
    expect(Object.keys(imported.responses)).toEqual(expect.arrayContaining(['400', '403', '404', '413']));
  });
});
