import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import { FEHLER_TEXT, KONFLIKT_TEXT } from '../../../core/workbook.ts';
import { BINDING_SHEET } from '../../../core/workbook.ts';
import { ERGEBNIS_SHEET } from '../../../server/xlsx/export.ts';
import { fileIdempotencyKey } from '../../../server/xlsx/import.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';
import {
  XLSX_TYPE,
  argbOf,
  cellAt,
  dataSheet,
  decodedBinding,
  editFile,
  exportFile,
  importFile,
  loadWorkbook,
  noteOf,
  saveWorkbook,
} from './workbooks.ts';

const KOELN = '05315000';
const METTMANN = '05158024';
const KOELN_MEMBER = 'ozg@koeln.example';
const METTMANN_MEMBER = 'ozg@mettmann.example';

describeEachDatabase('xlsx import', ({ db }) => {
  const koeln = () => apiAs(db(), KOELN_MEMBER);
  const admin = () => apiAs(db());
  const logOf = (key: string) =>
    db().query<{ zeile_id: string; spalte: string; alt: unknown; neu: unknown; quelle: string; akteur: string }>(
      `select zeile_id, spalte, alt, neu, quelle, akteur from public.aenderung where push_schluessel = $1 order by zeile_id, spalte`,
      [key],
    );
  const logCount = async () => (await db().query<{ n: number }>('select count(*)::int as n from public.aenderung'))[0]!.n;

  it('applies exactly the changed cells through the push path, logged with source xlsx and the file as key', async () => {
    const before = await pullRows(koeln(), 'kommune-status', KOELN);
    const [a, b] = [before.rows[0]!, before.rows[1]!];
    const file = await editFile(await exportFile(koeln(), 'kommune-status', KOELN), (sheet) => {
      cellAt(sheet, a.id, 'Status').value = 'in Planung';
      // Typed as Excel does: a date, and text in a text-formatted cell.
      cellAt(sheet, a.id, 'Zieltermin').value = new Date('2027-06-30T00:00:00Z');
      cellAt(sheet, b.id, 'Zieltermin').value = '15.01.2028';
      cellAt(sheet, b.id, 'Lösung').value = '=Formel als Text';
      cellAt(sheet, b.id, 'Reifegrad').value = 2;
    });

    const response = await importFile(koeln(), 'kommune-status', file);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      results: [
        { id: a.id, outcome: 'applied', version: a.version + 1, values: { ...a.values, status: 'in Planung', zieltermin: '2027-06-30' } },
        {
          id: b.id,
          outcome: 'applied',
          version: b.version + 1,
          values: { ...b.values, zieltermin: '2028-01-15', loesung: '=Formel als Text', reifegrad: 2 },
        },
      ],
      cursor: expect.any(String),
      ungueltig: [],
      zeilen: [
        { zeile: 2, leistung: expect.stringContaining(String(a.values.ozg_id)), spalte: 'Status', wert: 'in Planung', ergebnis: 'übernommen', meldung: 'gespeichert: „in Planung“' },
        { zeile: 2, leistung: expect.stringContaining(String(a.values.ozg_id)), spalte: 'Zieltermin', wert: '30.06.2027', ergebnis: 'übernommen', meldung: 'gespeichert: „30.06.2027“' },
        expect.objectContaining({ zeile: 3, spalte: 'Reifegrad', wert: '2', ergebnis: 'übernommen' }),
        expect.objectContaining({ zeile: 3, spalte: 'Lösung', wert: '=Formel als Text', ergebnis: 'übernommen' }),
        expect.objectContaining({ zeile: 3, spalte: 'Zieltermin', wert: '15.01.2028', ergebnis: 'übernommen' }),
      ],
      hinweise: [],
    });

    const key = fileIdempotencyKey(file);
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const log = await logOf(key);
    expect(log.map(({ zeile_id, spalte, neu, quelle, akteur }) => ({ zeile_id, spalte, neu, quelle, akteur }))).toEqual(
      [
        { zeile_id: a.id, spalte: 'status', neu: 'in Planung', quelle: 'xlsx', akteur: KOELN_MEMBER },
        { zeile_id: a.id, spalte: 'zieltermin', neu: '2027-06-30', quelle: 'xlsx', akteur: KOELN_MEMBER },
        { zeile_id: b.id, spalte: 'loesung', neu: '=Formel als Text', quelle: 'xlsx', akteur: KOELN_MEMBER },
        { zeile_id: b.id, spalte: 'reifegrad', neu: 2, quelle: 'xlsx', akteur: KOELN_MEMBER },
        { zeile_id: b.id, spalte: 'zieltermin', neu: '2028-01-15', quelle: 'xlsx', akteur: KOELN_MEMBER },
      ].sort((x, y) => (x.zeile_id + x.spalte < y.zeile_id + y.spalte ? -1 : 1)),
    );
    const after = await pullRows(koeln(), 'kommune-status', KOELN);
    const untouched = after.rows.filter((row) => row.id !== a.id && row.id !== b.id);
    expect(untouched).toEqual(before.rows.filter((row) => row.id !== a.id && row.id !== b.id));
  });

  it('applies the same file only once', async () => {
    const row = (await pullRows(koeln(), 'kommune-status', KOELN)).rows[2]!;
    const file = await editFile(await exportFile(koeln(), 'kommune-status', KOELN), (sheet) => {
      cellAt(sheet, row.id, 'Bemerkung').value = 'einmal';
    });
    const first = await (await importFile(koeln(), 'kommune-status', file)).json();
    const count = await logCount();
    const second = await (await importFile(koeln(), 'kommune-status', file)).json();
    expect(second).toEqual(first);
    expect(await logCount()).toBe(count);
    expect(await logOf(fileIdempotencyKey(file))).toHaveLength(1);
    expect(rowOf(await pullRows(koeln(), 'kommune-status', KOELN), row.values.ozg_id as number).version).toBe(row.version + 1);
  });

  it('returns the workbook with applied, conflicting and invalid cells marked and a fresh base, ready to be fixed and sent again', async () => {
    const before = await pullRows(koeln(), 'kommune-status', KOELN);
    const [a, b, c, d] = before.rows.slice(3, 7) as [(typeof before.rows)[number], (typeof before.rows)[number], (typeof before.rows)[number], (typeof before.rows)[number]];
    const exported = await exportFile(koeln(), 'kommune-status', KOELN);
    // Meanwhile someone else sets a's status.
    await pushRows(admin(), 'kommune-status', { scope: KOELN, changes: [{ id: a.id, baseVersion: a.version, base: { status: 'offen' }, set: { status: 'online' } }] });

    const file = await editFile(exported, (sheet) => {
      cellAt(sheet, a.id, 'Status').value = 'in Planung';
      cellAt(sheet, b.id, 'Reifegradmodell').value = '1.1';
      cellAt(sheet, b.id, 'Reifegrad').value = 6;
      cellAt(sheet, b.id, 'Lösung').value = 'Eigenentwicklung';
      cellAt(sheet, c.id, 'Zieltermin').value = 'morgen';
      cellAt(sheet, d.id, 'Status').value = 'in Umsetzung';
    });
    const response = await importFile(koeln(), 'kommune-status', file, XLSX_TYPE);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(XLSX_TYPE);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="kommune-status-${KOELN}-ergebnis.xlsx"`);
    const workbook = await loadWorkbook(new Uint8Array(await response.arrayBuffer()));
    const sheet = dataSheet(workbook);

    const konflikt = cellAt(sheet, a.id, 'Status');
    expect([konflikt.value, argbOf(konflikt)]).toEqual(['online', 'FFFFC000']);
    expect(noteOf(konflikt)).toBe(
      `${KONFLIKT_TEXT}Auf dem Server steht inzwischen „online“; Ihr Wert „in Planung“ wurde nicht übernommen. Soll Ihr Wert gelten, tragen Sie ihn wieder ein und senden Sie die Datei erneut.`,
    );
    // A row the column rules refuse is not sent at all: the Reifegrad is marked with the server's reason,
    // the row's other edits are marked as held back, and all stay in the file to be sent once it is fixed.
    const refused = cellAt(sheet, b.id, 'Reifegrad');
    expect([refused.value, argbOf(refused)]).toEqual([6, 'FFFF7C80']);
    expect(noteOf(refused)).toBe(`${FEHLER_TEXT}Reifegrad 6 gibt es im Reifegradmodell 1.1 nicht (erlaubt: 0 bis 4).`);
    const sameRow = cellAt(sheet, b.id, 'Lösung');
    expect([sameRow.value, argbOf(sameRow), noteOf(sameRow)]).toEqual([
      'Eigenentwicklung',
      'FFFF7C80',
      `${FEHLER_TEXT}Nicht gesendet wegen eines Fehlers in „Reifegrad“ derselben Zeile.`,
    ]);
    const invalid = cellAt(sheet, c.id, 'Zieltermin');
    expect([invalid.value, argbOf(invalid), noteOf(invalid)]).toEqual(['morgen', 'FFFF7C80', `${FEHLER_TEXT}„morgen“ ist kein gültiges Datum.`]);
    const applied = cellAt(sheet, d.id, 'Status');
    expect([applied.value, argbOf(applied), noteOf(applied)]).toEqual(['in Umsetzung', 'FFC6EFCE', '']);
    expect(argbOf(cellAt(sheet, d.id, 'Leistung'))).toBe('FFEDEDED');

    const report = workbook.getWorksheet(ERGEBNIS_SHEET)!;
    const reportText = report.getSheetValues().flat().filter(Boolean).join('\n');
    expect(reportText).toContain('Zeilen übernommen: 1, unverändert: 0, mit Konflikt: 1, abgelehnt: 0; ungültige Zellen: 4.');
    expect(reportText).toContain('„morgen“ ist kein gültiges Datum.');

    // The fresh base is the server's current state; the kept entries are edits against it.
    const { binding, snapshot } = decodedBinding(workbook);
    const now = await pullRows(koeln(), 'kommune-status', KOELN);
    expect(binding.cursor).not.toBe(decodedBinding(await loadWorkbook(exported)).binding.cursor);
    expect(snapshot.get(d.id)).toEqual({ version: d.version + 1, values: rowOf(now, d.values.ozg_id as number).values });
    expect(snapshot.get(a.id)!.values.status).toBe('online');

    cellAt(sheet, b.id, 'Reifegrad').value = 3;
    cellAt(sheet, c.id, 'Zieltermin').value = '01.02.2028';
    const again = await (await importFile(koeln(), 'kommune-status', await saveWorkbook(workbook))).json();
    expect(again.ungueltig).toEqual([]);
    expect(again.results.map((r: { id: string; outcome: string }) => [r.id, r.outcome])).toEqual([
      [b.id, 'applied'],
      [c.id, 'applied'],
    ]);
    const final = await pullRows(koeln(), 'kommune-status', KOELN);
    const valuesOf = (id: string) => final.rows.find((row) => row.id === id)!.values;
    expect(valuesOf(a.id).status).toBe('online');
    expect(valuesOf(b.id)).toMatchObject({ reifegrad: 3, loesung: 'Eigenentwicklung' });
    expect(valuesOf(c.id).zieltermin).toBe('2028-02-01');
  });

  it('reports cells and rows the column rules refuse in JSON, with the server’s reasons, without applying them', async () => {
    const rows = (await pullRows(koeln(), 'kommune-status', KOELN)).rows;
    const [a, b] = [rows[7]!, rows[8]!];
    const file = await editFile(await exportFile(koeln(), 'kommune-status', KOELN), (sheet) => {
      cellAt(sheet, a.id, 'Reifegradmodell').value = '1.1';
      cellAt(sheet, a.id, 'Reifegrad').value = 5;
      cellAt(sheet, b.id, 'URL').value = 'keine Adresse';
      // A formula from the file is the text typed, never evaluated: no number here.
      cellAt(sheet, b.id, 'Reifegrad').value = { formula: '1+1', result: 2 };
    });
    const body = await (await importFile(koeln(), 'kommune-status', file)).json();
    expect(body.results).toEqual([]);
    expect(body.ungueltig).toEqual([
      { id: a.id, key: 'reifegrad', zeile: 9, spalte: 'Reifegrad', message: 'Reifegrad 5 gibt es im Reifegradmodell 1.1 nicht (erlaubt: 0 bis 4).' },
      { id: a.id, key: 'reifegrad_modell', zeile: 9, spalte: 'Reifegradmodell', message: 'Nicht gesendet wegen eines Fehlers in „Reifegrad“ derselben Zeile.' },
      { id: b.id, key: 'reifegrad', zeile: 10, spalte: 'Reifegrad', message: '„=1+1“ ist keine Zahl.' },
      { id: b.id, key: 'url', zeile: 10, spalte: 'URL', message: '„keine Adresse“ ist keine gültige Internetadresse (http:// oder https://).' },
    ]);
    // What the web page lists: each cell sent, with its row, column, the value as typed, and why.
    expect(body.zeilen).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ zeile: 10, spalte: 'URL', wert: 'keine Adresse', ergebnis: 'ungültig' }),
      ]),
    );
    expect(await logOf(fileIdempotencyKey(file))).toEqual([]);
  });

  it('stores a formula cell of a text column as the text typed', async () => {
    const row = (await pullRows(koeln(), 'kommune-status', KOELN)).rows[9]!;
    const file = await editFile(await exportFile(koeln(), 'kommune-status', KOELN), (sheet) => {
      cellAt(sheet, row.id, 'Bemerkung').value = { formula: 'SUMME(A1:A2)', result: 3 };
    });
    const body = await (await importFile(koeln(), 'kommune-status', file)).json();
    expect(body.results[0].values.bemerkung).toBe('=SUMME(A1:A2)');
  });

  it('reports added, deleted and duplicated rows, read-only edits and missing columns as hinweise, applying only the real edits', async () => {
    const rows = (await pullRows(koeln(), 'kommune-status', KOELN)).rows;
    const [edited, deleted, copied, readOnly] = [rows[10]!, rows[11]!, rows[12]!, rows[13]!];
    const file = await editFile(await exportFile(koeln(), 'kommune-status', KOELN), (sheet) => {
      cellAt(sheet, edited.id, 'Anbieter').value = 'ekom21';
      cellAt(sheet, readOnly.id, 'Leistung').value = 'Umbenannt';
      sheet.spliceRows(Number(cellAt(sheet, deleted.id, 'id').row), 1);
      const last = sheet.rowCount;
      sheet.getRow(last + 1).values = ['', '', 99999, 'Neue Leistung', '', 'offen'];
      sheet.getRow(last + 2).values = [copied.id, copied.version, copied.values.ozg_id as number, 'Kopie'];
      sheet.getRow(last + 3).values = ['0b6c1c1e-0000-4000-8000-000000000000', 1, 1, 'Fremd'];
      // Renamed, so that the column "Ansprechperson" is missing.
      sheet.getCell('N1').value = 'Kontakt';
    });
    const response = await importFile(koeln(), 'kommune-status', file);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.results.map((r: { id: string; outcome: string }) => [r.id, r.outcome])).toEqual([[edited.id, 'applied']]);
    expect(body.results[0].values.anbieter).toBe('ekom21');
    expect(body.hinweise).toEqual([
      'Die Spalte „Ansprechperson“ fehlt in der Tabelle; ihre Werte bleiben auf dem Server unverändert.',
      'Zeile 47: neue Zeile ohne ID, nicht übernommen. Zeilen legt nur der Katalog an; wenden Sie sich an die OZG-Koordinierungsstelle.',
      'Zeile 49: die ID „0b6c1c1e-0000-4000-8000-000000000000“ gehört nicht zu dieser Tabelle; die Zeile wurde nicht übernommen.',
      `Die Zeile „${copied.values.ozg_id} ${copied.values.leistung}“ steht mehrfach in der Tabelle (Zeilen 13, 48); keine davon wurde übernommen.`,
      `Die Zeile „${deleted.values.ozg_id} ${deleted.values.leistung}“ fehlt in der Tabelle; gelöschte Zeilen werden nicht übernommen, auf dem Server bleibt sie bestehen.`,
      `Zeile 14 („${readOnly.values.ozg_id} ${readOnly.values.leistung}“): die Spalte „Leistung“ ist schreibgeschützt; die Änderung wurde nicht übernommen.`,
    ]);
    const after = await pullRows(koeln(), 'kommune-status', KOELN);
    expect(after.rows.map((row) => row.id)).toEqual(rows.map((row) => row.id));
    expect(rowOf(after, readOnly.values.ozg_id as number)).toEqual(readOnly);
  });

  it('refuses files it cannot read with a German 400 and applies nothing', async () => {
    const exported = await exportFile(koeln(), 'kommune-status', KOELN);
    const row = (await pullRows(koeln(), 'kommune-status', KOELN)).rows[14]!;
    const edit = (change: (workbook: ExcelJS.Workbook) => void) =>
      editFile(exported, (sheet, workbook) => {
        cellAt(sheet, row.id, 'Bemerkung').value = 'darf nicht ankommen';
        change(workbook);
      });
    const plain = new ExcelJS.Workbook();
    plain.addWorksheet('Tabelle1').getCell('A1').value = 'Hallo';
    const bindingCell = (address: string, value: string) => (workbook: ExcelJS.Workbook) => {
      workbook.getWorksheet(BINDING_SHEET)!.getCell(address).value = value;
    };

    const cases: [string, Uint8Array, string][] = [
      ['no zip', new TextEncoder().encode('id;Status\n1;offen'), 'Die Datei ist keine lesbare Excel-Arbeitsmappe (.xlsx).'],
      ['cut off', exported.slice(0, exported.length / 2), 'Die Datei ist keine lesbare Excel-Arbeitsmappe (.xlsx).'],
      ['foreign workbook', await saveWorkbook(plain), 'Diese Arbeitsmappe ist nicht mit OZG-Sync verbunden. Senden Sie nur Dateien, die OZG-Sync exportiert hat'],
      ['damaged binding', await edit(bindingCell('A2', '{"kind": kaputt')), 'Die Verbindungsdaten dieser Arbeitsmappe sind beschädigt (Zeile 2 enthält keine gültige Verbindung).'],
      ['damaged snapshot', await edit(bindingCell('B4', 'zwei')), 'Die Verbindungsdaten dieser Arbeitsmappe sind beschädigt (Zeile 4: ungültige Version).'],
      ['other format', await edit(bindingCell('A1', 'ozg-sync/3')), 'mit einer anderen Version von OZG-Sync verbunden (Format „ozg-sync/3“'],
      [
        'id column gone',
        await edit((workbook) => (dataSheet(workbook).getCell('A1').value = 'Schlüssel')),
        'In der Tabelle fehlt die ausgeblendete Spalte „id“',
      ],
      [
        'data sheet gone',
        await edit((workbook) => workbook.removeWorksheet(dataSheet(workbook).id)),
        'In der Datei fehlt das Blatt „Köln, Stadt“ mit der Tabelle „OZG_Sync“.',
      ],
      [
        'other kind',
        await exportFile(koeln(), 'leistung-status', '14'),
        'Diese Datei gehört zur Tabellenart „leistung-status“ („Themenfeld-Übersicht: Unternehmensführung & -entwicklung“), nicht zu „kommune-status“.',
      ],
    ];
    const count = await logCount();
    for (const [what, file, message] of cases) {
      const response = await importFile(koeln(), 'kommune-status', file);
      const body = await response.json();
      expect({ what, status: response.status, code: body.error?.code }).toEqual({ what, status: 400, code: 'bad_request' });
      expect(body.error.message, what).toContain(message);
    }
    expect(await logCount()).toBe(count);
  });

  it('answers 403 for a scope the caller may only read, 413 beyond 10 MB, 404 for an unknown kind', async () => {
    const mettmann = await exportFile(koeln(), 'kommune-status', METTMANN);
    const row = (await pullRows(koeln(), 'kommune-status', METTMANN)).rows[0]!;
    const edited = await editFile(mettmann, (sheet) => (cellAt(sheet, row.id, 'Bemerkung').value = 'von Köln'));
    const forbidden = await importFile(koeln(), 'kommune-status', edited);
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error).toEqual({
      code: 'forbidden',
      message: `Sie dürfen die Tabelle „Umsetzungsstand einer Kommune“ für den Bereich ${METTMANN} nicht ändern, nur ansehen. Schreibrechte vergibt die OZG-Koordinierungsstelle.`,
    });
    expect((await importFile(apiAs(db(), METTMANN_MEMBER), 'kommune-status', edited)).status).toBe(200);
    expect(rowOf(await pullRows(koeln(), 'kommune-status', METTMANN), row.values.ozg_id as number).values.bemerkung).toBe('von Köln');

    const tooLarge = await importFile(koeln(), 'kommune-status', new Uint8Array(10 * 1024 * 1024 + 1));
    expect(tooLarge.status).toBe(413);
    expect((await tooLarge.json()).error.message).toBe(
      'Die Datei ist zu groß: höchstens 10 MB. Teilen Sie die Tabelle auf oder senden Sie über das Add-in.',
    );
    expect((await importFile(koeln(), 'tabelle', edited)).status).toBe(404);
    expect((await importFile(apiAs(db(), null), 'kommune-status', edited)).status).toBe(401);
  });
});
