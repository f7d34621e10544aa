import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffTable, fromCell, sameCellValue, toCell, type BaseRow } from '../../core/index.ts';
import { column, columnsArb, editsArb, permutationArb, rowsArb, tableOf, type Row } from './arbitraries.ts';

const RUNS = { numRuns: 200 };

const snapshotOf = (rows: Row[]) => new Map<string, BaseRow>(rows.map(({ id, version, values }) => [id, { version, values }]));

const editedTable = columnsArb.chain((columns) =>
  rowsArb(columns).chain((rows) =>
    fc.record({
      columns: fc.constant(columns),
      rows: fc.constant(rows),
      edits: fc.array(editsArb(columns), { minLength: rows.length, maxLength: rows.length }),
      order: permutationArb(rows.length),
    }),
  ),
);

describe('diffTable', () => {
  it('finds nothing in a table as pulled, however it is sorted', () => {
    fc.assert(
      fc.property(
        columnsArb.chain((columns) => rowsArb(columns).chain((rows) => fc.tuple(fc.constant(columns), fc.constant(rows), permutationArb(rows.length)))),
        ([columns, rows, order]) => {
          const diff = diffTable(columns, snapshotOf(rows), tableOf(columns, rows, [], order));
          expect(diff).toEqual({ changes: [], invalid: [], readOnlyEdits: [], rowsWithoutId: [], unknownRows: [], duplicateIds: [] });
        },
      ),
      RUNS,
    );
  });

  it('sends exactly the edited editable cells, against the base they were edited from', () => {
    fc.assert(
      fc.property(editedTable, ({ columns, rows, edits, order }) => {
        const base = snapshotOf(rows);
        const table = tableOf(columns, rows, edits, order);
        const diff = diffTable(columns, base, table);

        expect(new Set(diff.changes.map((c) => c.id)).size).toBe(diff.changes.length);
        for (const change of diff.changes) {
          const before = base.get(change.id)!;
          expect(change.baseVersion).toBe(before.version);
          expect(Object.keys(change.base)).toEqual(Object.keys(change.set));
          expect(Object.keys(change.set).length).toBeGreaterThan(0);
          for (const [key, value] of Object.entries(change.set)) {
            const c = columns.find((col) => col.key === key)!;
            expect(c.editable).toBe(true);
            expect(change.base[key]).toEqual(before.values[key]);
            expect(sameCellValue(value, before.values[key])).toBe(false);
          }
        }

        // The base with each change's `set` applied is the table, in every editable cell that holds a value.
        for (const row of table) {
          const change = diff.changes.find((c) => c.id === row.id);
          const after = { ...base.get(row.id)!.values, ...change?.set };
          for (const c of columns.filter((col) => col.editable)) {
            const parsed = fromCell(c, row.values[c.key]!);
            if (parsed.ok) expect(sameCellValue(parsed.value, after[c.key])).toBe(true);
            else expect(diff.invalid).toContainEqual({ id: row.id, key: c.key, message: parsed.message });
          }
        }

        // Read-only edits are reported with the value that restores them, never sent.
        const readOnlyEdits = table.flatMap((row) =>
          columns
            .filter((c) => !c.editable)
            .filter((c) => {
              const parsed = fromCell(c, row.values[c.key]!);
              return !parsed.ok || !sameCellValue(parsed.value, base.get(row.id)!.values[c.key]);
            })
            .map((c) => ({ id: row.id, key: c.key, value: toCell(c, base.get(row.id)!.values[c.key]!) })),
        );
        expect(diff.readOnlyEdits).toEqual(readOnlyEdits);
      }),
      RUNS,
    );
  });

  it('reports rows it cannot send instead of sending them', () => {
    const status = column('enum', true, ['offen', 'online']);
    const base = new Map<string, BaseRow>([
      ['a', { version: 3, values: { enum: 'offen' } }],
      ['b', { version: 1, values: { enum: 'offen' } }],
    ]);
    const diff = diffTable([status], base, [
      { id: '', values: { enum: 'online' } },
      { id: 'b', values: { enum: 'online' } },
      { id: 'x', values: { enum: 'online' } },
      { id: 'a', values: { enum: 'online' } },
      { id: 'b', values: { enum: 'offen' } },
    ]);
    expect(diff.changes).toEqual([{ id: 'a', baseVersion: 3, base: { enum: 'offen' }, set: { enum: 'online' } }]);
    expect(diff.rowsWithoutId).toEqual([0]);
    expect(diff.unknownRows).toEqual([{ index: 2, id: 'x' }]);
    expect(diff.duplicateIds).toEqual(['b']);
  });

  it('takes a column missing from the sheet for no edit, rather than for emptied cells', () => {
    const base = new Map<string, BaseRow>([['a', { version: 1, values: { text: 'Formular', number: 2 } }]]);
    const diff = diffTable([column('text'), column('number')], base, [{ id: 'a', values: { number: 3 } }]);
    expect(diff.changes).toEqual([{ id: 'a', baseVersion: 1, base: { number: 2 }, set: { number: 3 } }]);
  });

  it('reports invalid cells with the reason and sends the valid edits of the same row', () => {
    const base = new Map<string, BaseRow>([['a', { version: 1, values: { date: '2024-05-01', text: null } }]]);
    const diff = diffTable([column('date'), column('text')], base, [{ id: 'a', values: { date: '31.02.2024', text: 'neu' } }]);
    expect(diff.invalid).toEqual([{ id: 'a', key: 'date', message: '„31.02.2024“ ist kein gültiges Datum.' }]);
    expect(diff.changes).toEqual([{ id: 'a', baseVersion: 1, base: { text: null }, set: { text: 'neu' } }]);
  });
});
