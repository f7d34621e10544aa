import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyTableUpdate } from '../../../addin/src/excel/index.ts';
import type { TableUpdate } from '../../../core/index.ts';
import type { FakeWorkbook, Value } from './fake-excel.ts';
import { atEveryApiLevel, pulled, rowsUpTo, workbook } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

const NONE: TableUpdate = { cells: [], append: [], remove: [], deletedWithEdits: [] };
const LABELS = { leistung: 'Leistung', bemerkung: 'Bemerkung' } as const;
type Key = keyof typeof LABELS;

/** What a user can do in the table while the add-in waits between two syncs. */
type UserAction =
  | { kind: 'sort'; label: string; descending: boolean }
  | { kind: 'insert'; at: number; count: number }
  | { kind: 'delete'; at: number }
  | { kind: 'filter'; label: string };

const actionArb: fc.Arbitrary<UserAction> = fc.oneof(
  fc.record({ kind: fc.constant('sort' as const), label: fc.constantFrom('OZG-ID', 'Leistung', 'Bemerkung', 'Reifegrad'), descending: fc.boolean() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(20), count: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(20) }),
  fc.record({ kind: fc.constant('filter' as const), label: fc.constantFrom('Reifegrad', 'Online-Dienst') }),
);

function act(book: FakeWorkbook, action: UserAction): void {
  const rowCount = book.table().rowCount;
  if (action.kind === 'sort') {
    const sign = action.descending ? -1 : 1;
    book.sort(action.label, (a, b) => sign * String(a).localeCompare(String(b)));
  } else if (action.kind === 'insert') book.insertRows(action.at % (rowCount + 1), action.count);
  else if (action.kind === 'delete') book.deleteRows(action.at % rowCount);
  else book.filter(action.label, (value) => value !== 0 && value !== false);
}

/** Each id's cells by header, and the number of rows without an id. */
function byId(book: FakeWorkbook): { rows: Map<string, Record<string, Value>>; blank: Value[][] } {
  const [header, ...body] = book.rows();
  const id = header!.indexOf('id');
  const rows = new Map(body.filter((cells) => cells[id] !== '').map((cells) => [String(cells[id]), Object.fromEntries(header!.map((label, c) => [String(label), cells[c]!]))]));
  return { rows, blank: body.filter((cells) => cells[id] === '') };
}

atEveryApiLevel(() => {
  describe('writing into the table while the user works in it between two syncs', () => {
    it('puts every value into the row carrying its id and leaves every other cell as it was, whatever the user does between syncs', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 3, max: 12 }),
          fc.array(fc.tuple(fc.nat(11), fc.constantFrom<Key>('leistung', 'bemerkung')), { minLength: 1, maxLength: 10 }),
          fc.array(fc.tuple(fc.nat(3), actionArb), { maxLength: 6 }),
          async (count, picks, actions) => {
            const book = workbook();
            const binding = await pulled(book, rowsUpTo(count));
            const cells = [...new Map(picks.map(([i, key]) => [`${i % count}/${key}`, { id: rowsUpTo(count)[i % count]!.id, key, value: `neu ${i % count} ${key}` }])).values()];
            const before = byId(book);
            const start = book.syncs.length;
            book.betweenSyncs = (n) => {
              for (const [at, action] of actions) if (start + at === n) act(book, action);
            };
            await applyTableUpdate(book.context(), binding, { ...NONE, cells });
            book.betweenSyncs = undefined;

            const after = byId(book);
            for (const [id, row] of after.rows) {
              const expected = { ...before.rows.get(id)! };
              for (const cell of cells) if (cell.id === id) expected[LABELS[cell.key as Key]] = cell.value;
              expect(row).toEqual(expected);
            }
            // Rows the user inserted stay blank, and no row appears or goes but by the user's hand.
            for (const blank of after.blank) expect(blank.every((cell) => cell === '')).toBe(true);
            for (const id of after.rows.keys()) expect(before.rows.has(id)).toBe(true);
          },
        ),
        { numRuns: 60 },
      );
    });

    it('writes into the row that carries the id after a sort right before the write', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(6));
      const start = book.syncs.length;
      // Sync 0 finds the table, sync 1 reads the ids; the sort comes before the write.
      book.betweenSyncs = (n) => n === start + 2 && book.sort('OZG-ID', (a, b) => String(b).localeCompare(String(a)));
      await applyTableUpdate(book.context(), binding, { ...NONE, cells: [{ id: 'id-00001', key: 'bemerkung', value: 'für 1' }] });
      expect(book.cellAt('id-00001', 'Bemerkung')!.value).toBe('für 1');
      expect(book.cellAt('id-00003', 'Bemerkung')!.value).toBe('Bemerkung zu 3');
      expect(book.rows().slice(1).filter((cells) => cells.includes('für 1'))).toHaveLength(1);
    });

    it('gives the cells back what they held when a column is deleted before the write, and says in German that the id column is gone', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(4));
      const start = book.syncs.length;
      book.betweenSyncs = (n) => n === start + 2 && book.deleteColumn('id');
      const before = book.rows();
      await expect(applyTableUpdate(book.context(), binding, { ...NONE, cells: [{ id: 'id-00002', key: 'bemerkung', value: 'für 2' }] })).rejects.toThrow(
        'In der Tabelle fehlt die ausgeblendete Spalte „id“',
      );
      const header = before[0]!;
      const without = (rows: Value[][]) => rows.map((cells) => cells.filter((_, c) => c !== header.indexOf('id')));
      expect(book.rows().map((cells) => cells.slice(0, header.length - 1))).toEqual(without(before));
    });

    it('still writes into the table the user renamed between two syncs, and says in German that it is gone at the next update', async () => {
      const book = workbook();
      const binding = await pulled(book, rowsUpTo(4));
      const start = book.syncs.length;
      // The table object of the batch is the table itself, not its name.
      book.betweenSyncs = (n) => n === start + 2 && book.renameTable('Meine_Tabelle');
      await applyTableUpdate(book.context(), binding, { ...NONE, cells: [{ id: 'id-00002', key: 'bemerkung', value: 'für 2' }] });
      expect(book.cellAt('id-00002', 'Bemerkung', 'Meine_Tabelle')!.value).toBe('für 2');
      await expect(applyTableUpdate(book.context(), binding, { ...NONE, cells: [{ id: 'id-00002', key: 'bemerkung', value: 'x' }] })).rejects.toThrow(
        'Die Tabelle „OZG_Sync“ fehlt in dieser Arbeitsmappe',
      );
    });
  });
});
