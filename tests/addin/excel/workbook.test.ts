import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BaseRow, Column } from '../../../core/index.ts';
import {
  BINDING_SHEET,
  freeSlot,
  slotOf,
  slotOfBindingSheet,
  slotSheets,
  FIRST_SNAPSHOT_ROW,
  FORMAT_MARKER,
  MAX_CELL_CHARS,
  NOT_BOUND,
  dataSheetName,
  decodeBindingSheet,
  encodeBindingSheet,
  placedRowCells,
  tableColumns,
  tableLayout,
  tableRowOf,
  validationLists,
  type Binding,
} from '../../../core/workbook.ts';
import { columnsArb, rowValuesArb } from '../../core/arbitraries.ts';
import { COLUMNS } from './fixtures.ts';

const bindingArb = (columns: Column[]) =>
  fc.record(
    {
      kind: fc.constantFrom('kommune-status', 'leistung-status'),
      scope: fc.string(),
      server: fc.webUrl(),
      cursor: fc.string(),
      title: fc.string(),
      columns: fc.constant(columns),
      dataSheet: fc.string({ minLength: 1, maxLength: 31 }),
      table: fc.constant('OZG_Sync'),
      syncedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    },
    { requiredKeys: ['kind', 'scope', 'server', 'cursor', 'title', 'columns', 'dataSheet', 'table'] },
  );

const snapshotArb = (columns: Column[]) =>
  fc
    .uniqueArray(fc.record({ id: fc.string({ minLength: 1 }), version: fc.nat(), values: rowValuesArb(columns) }), { selector: (row) => row.id, maxLength: 6 })
    .map((rows) => new Map<string, BaseRow>(rows.map(({ id, version, values }) => [id, { version, values }])));

/** What Excel gives back for what was written: a rectangle, versions possibly as the text of a text cell. */
function asReadFromExcel(rows: (string | number)[][], versionsAsText: boolean): unknown[][] {
  const width = Math.max(...rows.map((row) => row.length));
  return rows.map((row, i) =>
    [...row, ...Array<string>(width - row.length).fill('')].map((cell, c) => (versionsAsText && i >= FIRST_SNAPSHOT_ROW && c === 1 ? String(cell) : cell)),
  );
}

const binding: Binding = {
  kind: 'kommune-status',
  scope: '05315000',
  server: 'https://ozg.example.de',
  cursor: 'c',
  title: 'Köln',
  columns: COLUMNS,
  dataSheet: 'Köln',
  table: 'OZG_Sync',
};

describe('the binding sheet', () => {
  it('gives back every binding and snapshot it stores (decode ∘ encode = id), also as Excel reads it back', () => {
    fc.assert(
      fc.property(
        columnsArb.chain((columns) => fc.tuple(bindingArb(columns), snapshotArb(columns), fc.boolean())),
        ([stored, snapshot, versionsAsText]) => {
          const decoded = decodeBindingSheet(asReadFromExcel(encodeBindingSheet(stored, snapshot), versionsAsText));
          expect(decoded).toEqual({ ok: true, binding: stored, snapshot, format: 2 });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('puts the marker in A1, the binding in row 2 and one row per snapshot row from row 4 on', () => {
    const rows = encodeBindingSheet(binding, new Map([['r1', { version: 3, values: { status: 'offen' } }]]));
    expect(rows[0]).toEqual([FORMAT_MARKER]);
    expect(JSON.parse(rows[1]!.join(''))).toMatchObject({ kind: 'kommune-status', dataSheet: 'Köln', table: 'OZG_Sync' });
    expect(rows[2]).toEqual([]);
    expect(rows[3]).toEqual(['r1', 3, '{"status":"offen"}']);
  });

  it('keeps only the binding’s own fields', () => {
    const rows = encodeBindingSheet({ ...binding, token: 'geheim' } as Binding, new Map());
    expect(rows[1]!.join('')).not.toContain('geheim');
  });

  it('continues JSON longer than a cell holds in the cells to its right, never halving a character', () => {
    // An emoji across the cut: a lone surrogate would make the workbook unsavable.
    const long = 'x'.repeat(MAX_CELL_CHARS - 15) + '😀'.repeat(20_000);
    const snapshot = new Map([['r1', { version: 1, values: { bemerkung: long } }]]);
    const rows = encodeBindingSheet(binding, snapshot);
    const pieces = rows[3]!.slice(2) as string[];
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(MAX_CELL_CHARS);
      expect(piece).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
    expect(decodeBindingSheet(asReadFromExcel(rows, false))).toEqual({ ok: true, binding, snapshot, format: 2 });
  });

  it('says in German when a workbook is not bound, bound by another version, or damaged', () => {
    const good = encodeBindingSheet(binding, new Map([['r1', { version: 1, values: {} }]]));
    const withRow = (index: number, row: unknown[]) => good.map((r, i) => (i === index ? row : r));
    const cases: [unknown[][], string][] = [
      [[], NOT_BOUND],
      [[['Meine Notizen']], NOT_BOUND],
      [withRow(0, ['ozg-sync/3']), 'mit einer anderen Version von OZG-Sync verbunden (Format „ozg-sync/3“'],
      [withRow(1, ['{"kind": "kommune-status"']), 'Zeile 2 enthält keine gültige Verbindung'],
      [withRow(1, [JSON.stringify({ ...binding, columns: [{ key: 'x' }] })]), 'Zeile 2 enthält keine gültige Verbindung'],
      [withRow(3, ['r1', 1, '{"status": ']), 'Zeile 4: ungültige Werte'],
      [withRow(3, ['r1', 1, '{"status": {"nested": true}}']), 'Zeile 4: ungültige Werte'],
      [withRow(3, ['r1', 'eins', '{}']), 'Zeile 4: ungültige Version'],
      [withRow(3, ['', 1, '{}']), 'Zeile 4: Zeilen-ID fehlt'],
    ];
    for (const [values, message] of cases) {
      const decoded = decodeBindingSheet(values);
      expect(decoded.ok).toBe(false);
      expect(decoded.ok ? '' : decoded.message).toContain(message);
    }
    const damaged = decodeBindingSheet(withRow(1, ['kein JSON']));
    expect(damaged).toEqual({ ok: false, message: expect.stringMatching(/^Die Verbindungsdaten dieser Arbeitsmappe sind beschädigt \(.*\)\. Bitte rufen Sie die Tabelle neu ab\.$/) });
  });

  it('reads a sheet that panes wrote row by row: empty rows skipped, an id on two rows with its higher version', () => {
    const rows = encodeBindingSheet(binding, new Map());
    const values = [...rows, ['r1', 3, '{"status":"offen"}'], [], ['r2', 1, '{}'], ['r1', 4, '{"status":"online"}'], ['r2', 1, '{"status":"später"}']];
    expect(decodeBindingSheet(values)).toEqual({
      ok: true,
      binding,
      format: 2,
      snapshot: new Map([
        ['r1', { version: 4, values: { status: 'online' } }],
        ['r2', { version: 1, values: {} }],
      ]),
    });
  });

  it('is named as the format says', () => {
    expect([BINDING_SHEET, FORMAT_MARKER]).toEqual(['OZG-Sync', 'ozg-sync/2']);
  });

  it('reads a binding sheet of the first format, one table per workbook, as slot 1 of this one', () => {
    const rows = encodeBindingSheet(binding, new Map([['r1', { version: 2, values: { status: 'offen' } }]]));
    const decoded = decodeBindingSheet([['ozg-sync/1'], ...rows.slice(1)]);
    expect(decoded).toMatchObject({ ok: true, format: 1, binding });
    expect(slotOf(binding)).toEqual(slotSheets(1));
  });
});

describe('the slots of a workbook with several bound tables', () => {
  it('names slot 1 as the first format did and every further slot within Excel’s limits', () => {
    expect(slotSheets(1)).toEqual({ slot: 1, binding: 'OZG-Sync', lists: 'OZG-Sync-Listen', openItems: 'OZG-Sync-Offen', table: 'OZG_Sync' });
    expect(slotSheets(12)).toEqual({ slot: 12, binding: 'OZG-Sync 12', lists: 'OZG-Sync-Listen 12', openItems: 'OZG-Sync-Offen 12', table: 'OZG_Sync_12' });
    const widest = slotSheets(999_999);
    // Excel's limit for sheet names; table names are defined names (letters, digits, underscores).
    for (const name of [widest.binding, widest.lists, widest.openItems, `${widest.binding} (neu)`]) expect(name.length).toBeLessThanOrEqual(31);
    expect(widest.table).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
  });

  it('finds a binding sheet’s slot by its name, and nothing in other sheets’ names', () => {
    expect(['OZG-Sync', 'OZG-Sync 2', 'OZG-Sync 17', 'OZG-Sync-Listen 2', 'OZG-Sync 1', 'OZG-Sync 02', 'Köln'].map(slotOfBindingSheet)).toEqual([
      1, 2, 17, undefined, undefined, undefined, undefined,
    ]);
    expect(slotOf({ table: 'OZG_Sync_3' }).binding).toBe('OZG-Sync 3');
  });

  it('gives a new table the lowest slot none of whose names the workbook uses, ignoring case as Excel does', () => {
    expect(freeSlot(['Tabelle1'], []).slot).toBe(1);
    expect(freeSlot(['Köln', 'OZG-Sync', 'OZG-Sync-Listen'], ['OZG_Sync']).slot).toBe(2);
    expect(freeSlot(['ozg-sync', 'OZG-Sync 3'], ['OZG_Sync_2']).slot).toBe(4);
  });

  it('keeps data sheets off the names of the slots’ sheets', () => {
    expect(dataSheetName('OZG-Sync 2', [])).toBe('OZG-Sync 2 (2)');
    expect(dataSheetName('OZG-Sync-Offen', [])).toBe('OZG-Sync-Offen (2)');
  });
});

describe('the data table', () => {
  it('puts id and version first, then the server’s columns under their German labels', () => {
    const columns = tableColumns(COLUMNS);
    expect(columns.map((c) => c.label)).toEqual(['id', 'version', ...COLUMNS.map((c) => c.label)]);
    expect(columns.map((c) => c.numberFormat)).toEqual(['@', '0', '@', '@', '@', 'General', 'dd.mm.yyyy', '@', '@', '@', '@']);
  });

  it('refuses labels Excel would rename: repeated (ignoring case) or empty', () => {
    expect(() => tableColumns([...COLUMNS, { key: 'x', label: 'status', type: 'text', editable: true }])).toThrow(/„status“ leer oder doppelt/);
    expect(() => tableColumns([{ key: 'x', label: 'ID', type: 'text', editable: true }])).toThrow(/„ID“/);
    expect(() => tableColumns([{ key: 'x', label: ' ', type: 'text', editable: true }])).toThrow(/leer oder doppelt/);
  });

  it('finds columns by their header wherever the user moved them, ignoring columns of their own', () => {
    const header = ['Meine Notiz', 'Status', 'version', 'id', 'OZG-ID', 'bemerkung', 'Noch eine'];
    const found = tableLayout(COLUMNS, header);
    expect(found).toEqual({ ok: true, layout: { id: 3, columns: new Map([['ozg_id', 4], ['status', 1], ['bemerkung', 5]]) } });
    const layout = found.ok ? found.layout : undefined;
    expect(tableRowOf(layout!, ['privat', 'offen', 2, ' r1 ', 'OZG-1', '', 'auch privat'])).toEqual({
      id: 'r1',
      values: { ozg_id: 'OZG-1', status: 'offen', bemerkung: '' },
    });
    expect(tableRowOf(layout!, ['nur privat', '', '', '', '', '', 'x'])).toBeUndefined();
    expect(placedRowCells(layout!, 7, { id: 'r2', values: { status: 'online', ozg_id: 'OZG-2' } })).toEqual(['', 'online', '', 'r2', 'OZG-2', '', '']);
  });

  it('cannot read a table whose id column is gone, and says so in German', () => {
    expect(tableLayout(COLUMNS, ['version', 'OZG-ID'])).toEqual({ ok: false, message: expect.stringContaining('fehlt die ausgeblendete Spalte „id“') });
  });

  it('keeps vocabularies on the lists sheet, one column per enum column', () => {
    const lists = validationLists([
      ...COLUMNS,
      { key: 'stufe', label: 'Stufe', type: 'enum', editable: true, values: ['1', '2'] },
      { key: 'frei', label: 'Frei', type: 'enum', editable: true },
    ]);
    expect(lists.map(({ key, position, source }) => [key, position, source])).toEqual([
      ['status', 0, "='OZG-Sync-Listen'!$A$1:$A$5"],
      ['stufe', 1, "='OZG-Sync-Listen'!$B$1:$B$2"],
    ]);
  });
});

describe('the data sheet’s name', () => {
  it('follows Excel’s rules for sheet names', () => {
    expect(dataSheetName('Köln: Status [alle]/neu?', [])).toBe('Köln- Status -alle--neu-');
    expect(dataSheetName("'Bonn'", [])).toBe('Bonn');
    expect(dataSheetName('A'.repeat(40), [])).toHaveLength(31);
    expect(dataSheetName('   ', [])).toBe('OZG-Daten');
    expect(dataSheetName('history', [])).toBe('history (2)');
  });

  it('does not take a name in use, ignoring case as Excel does', () => {
    expect(dataSheetName('Köln', ['köln'])).toBe('Köln (2)');
    expect(dataSheetName('OZG-Sync', [])).toBe('OZG-Sync (2)');
    expect(dataSheetName('B'.repeat(31), ['B'.repeat(31)])).toBe(`${'B'.repeat(27)} (2)`);
  });
});
