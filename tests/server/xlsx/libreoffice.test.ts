import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { BINDING_SHEET, LISTS_SHEET, tableColumns } from '../../../core/workbook.ts';
import type { CellValue, Column } from '../../../core/types.ts';
import { fileIdempotencyKey } from '../../../server/xlsx/import.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';
import { FODS_EMPTY, SOFFICE, convert, editFodsCell, fodsDate, fodsFormula, fodsNumber, fodsText } from './libreoffice.ts';
import { cellAt, dataSheet, decodedBinding, exportFile, importFile, loadWorkbook, tableRange } from './workbooks.ts';

const KOELN = '05315000';
const KOELN_MEMBER = 'ozg@koeln.example';
const SKIPPED = 'übersprungen: LibreOffice (soffice oder libreoffice) ist nicht installiert';
/** UTF-8 (76), comma-separated, quoted text, from the first row: the data sheet as shown. */
const CSV_FILTER = 'csv:Text - txt - csv (StarCalc):44,34,76,1';

if (!SOFFICE) console.warn(`LibreOffice-Tests ${SKIPPED}.`);

/** A cell as LibreOffice shows it: dates the German way, lists as in the cell, ja/nein. */
function displayed(column: Column | null, value: CellValue | number | string): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.join('; ');
  if (typeof value === 'boolean') return value ? 'ja' : 'nein';
  if (column?.type === 'date') return String(value).split('-').reverse().join('.');
  return String(value);
}

describe.skipIf(!SOFFICE)(`xlsx files through LibreOffice${SOFFICE ? '' : ` (${SKIPPED})`}`, () => {
  describeEachDatabase('round trips', ({ db }) => {
    const koeln = () => apiAs(db(), KOELN_MEMBER);
    /** Cells a user would fill, among them text that a spreadsheet would otherwise take for a formula. */
    const filled = async () => {
      const row = rowOf(await pullRows(koeln(), 'kommune-status', KOELN), 10177);
      await pushRows(koeln(), 'kommune-status', {
        scope: KOELN,
        changes: [
          {
            id: row.id,
            baseVersion: row.version,
            set: {
              status: 'in Umsetzung',
              reifegrad: 3,
              reifegrad_modell: '2.0',
              loesung: '=SUMME(A1:A2)',
              url: 'https://example.org/a?b=1&c=2',
              anbieter: '+49 221 12345',
              zieltermin: '2027-03-31',
              ansprechperson: '@Kempen',
              bemerkung: '-',
            },
          },
        ],
      });
      return row.id;
    };

    it('converts an exported file to CSV showing the same values', async () => {
      await filled();
      const pull = await pullRows(koeln(), 'kommune-status', KOELN);
      const csv = new TextDecoder().decode(await convert(await exportFile(koeln(), 'kommune-status', KOELN), 'xlsx', CSV_FILTER));
      const columns = tableColumns(pull.columns);
      const expected = [
        columns.map((column) => column.label),
        ...pull.rows.map((row) => [row.id, String(row.version), ...pull.columns.map((column) => displayed(column, row.values[column.key] ?? null))]),
      ];
      expect(parse(csv, { bom: true, relaxColumnCount: true })).toEqual(expected);
      expect(csv).toContain('"=SUMME(A1:A2)","https://example.org/a?b=1&c=2","+49 221 12345",31.03.2027,,"@Kempen","-"');
    });

    it('imports a file opened and saved again by LibreOffice with zero changes; the binding survives', async () => {
      await filled();
      const exported = await exportFile(koeln(), 'kommune-status', KOELN);
      const saved = await convert(exported, 'xlsx', 'xlsx');
      expect(saved).not.toEqual(exported);

      const response = await importFile(koeln(), 'kommune-status', saved);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ results: [], cursor: expect.any(String), ungueltig: [], hinweise: [], zeilen: [] });

      const original = await loadWorkbook(exported);
      const workbook = await loadWorkbook(saved);
      const decoded = decodedBinding(workbook);
      expect(decoded.binding).toEqual(decodedBinding(original).binding);
      expect(decoded.snapshot).toEqual(decodedBinding(original).snapshot);
      // LibreOffice has no "very hidden": the technical sheets come back hidden, but intact.
      expect(workbook.worksheets.map((sheet) => [sheet.name, sheet.state])).toEqual([
        ['Köln, Stadt', 'visible'],
        ['Anleitung', 'visible'],
        ['Reifegrade', 'visible'],
        [LISTS_SHEET, 'hidden'],
        [BINDING_SHEET, 'hidden'],
      ]);
      const sheet = dataSheet(workbook);
      expect(tableRange(sheet)).toBe(tableRange(dataSheet(original)));
      expect([sheet.getColumn(1).hidden, sheet.getColumn(2).hidden]).toEqual([true, true]);
      const id = decoded.snapshot.keys().next().value!;
      const validation = cellAt(sheet, id, 'Status').dataValidation;
      expect([validation.type, validation.formulae[0]]).toEqual(['list', `'${LISTS_SHEET}'!$A$1:$A$4`]);
      expect(cellAt(sheet, id, 'Lösung').numFmt).toBe('@');
      expect(cellAt(sheet, id, 'Zieltermin').numFmt.toLowerCase()).toBe('dd.mm.yyyy');
    });

    it('imports exactly the edits made and saved by LibreOffice', async () => {
      const id = await filled();
      const pull = await pullRows(koeln(), 'kommune-status', KOELN);
      const before = pull.rows.find((row) => row.id === id)!;
      const other = rowOf(pull, 10169);
      const position = (label: string) => tableColumns(pull.columns).findIndex((column) => column.label === label);

      let fods = new TextDecoder().decode(await convert(await exportFile(koeln(), 'kommune-status', KOELN), 'xlsx', 'fods'));
      const edit = (rowId: string, label: string, cell: (old: string) => string) => {
        fods = editFodsCell(fods, 'Köln, Stadt', rowId, position(label), cell);
      };
      edit(id, 'Status', (old) => old.replace('<text:p>in Umsetzung</text:p>', '<text:p>online</text:p>'));
      edit(id, 'Zieltermin', () => fodsDate('2028-01-15'));
      edit(id, 'Ansprechperson', () => FODS_EMPTY);
      edit(id, 'Bemerkung', () => fodsFormula('=1+1', 2));
      edit(other.id, 'Reifegrad', () => fodsNumber(2));
      edit(other.id, 'Anbieter', () => fodsText('=HYPERLINK("x")'));
      edit(other.id, 'Inbetriebnahme', () => fodsDate('2026-12-01'));
      const saved = await convert(new TextEncoder().encode(fods), 'fods', 'xlsx');

      const response = await importFile(koeln(), 'kommune-status', saved);
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.ungueltig).toEqual([]);
      expect(body.hinweise).toEqual([]);
      expect(body.results).toEqual([
        {
          id: other.id,
          outcome: 'applied',
          version: other.version + 1,
          values: { ...other.values, reifegrad: 2, anbieter: '=HYPERLINK("x")', inbetriebnahme: '2026-12-01' },
        },
        {
          id,
          outcome: 'applied',
          version: before.version + 1,
          // A formula is taken as the text typed, never evaluated.
          values: { ...before.values, status: 'online', zieltermin: '2028-01-15', ansprechperson: null, bemerkung: '=1+1' },
        },
      ]);
      const log = await db().query<{ spalte: string; quelle: string }>(
        'select spalte, quelle from public.aenderung where push_schluessel = $1 order by spalte',
        [fileIdempotencyKey(saved)],
      );
      expect(log).toEqual(
        ['anbieter', 'ansprechperson', 'bemerkung', 'inbetriebnahme', 'reifegrad', 'status', 'zieltermin'].map((spalte) => ({ spalte, quelle: 'xlsx' })),
      );
    });
  });
});
