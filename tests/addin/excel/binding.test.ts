import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_BATCH_BYTES, MAX_BATCH_ROWS, createExcelHost, loadBinding, saveBaseRows, saveBinding, type ExcelRun } from '../../../addin/src/excel/index.ts';
import type { BaseRow, Snapshot } from '../../../core/index.ts';
import { BINDING_SHEET, FORMAT_MARKER, type Binding } from '../../../core/workbook.ts';
import { PAYLOAD_LIMIT, type FakeWorkbook } from './fake-excel.ts';
import { COLUMNS, NEW_BINDING, pullOf, rowsUpTo, workbook, atEveryApiLevel } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

const binding: Binding = { ...NEW_BINDING, dataSheet: 'Köln', table: 'OZG_Sync', syncedAt: '2026-05-04T10:00:00.000Z' };
const snapshotOf = (count: number, values?: (i: number) => BaseRow['values']): Snapshot =>
  new Map(rowsUpTo(count).map((row, i) => [row.id, { version: row.version, values: values?.(i) ?? row.values }]));

/** A context whose n-th sync fails, as when Excel on the web loses its connection. */
function failingAt(book: FakeWorkbook, n: number): Excel.RequestContext {
  const context = book.context();
  const sync = context.sync.bind(context);
  let count = 0;
  context.sync = async () => {
    if (++count === n) throw new Error('Die Verbindung wurde unterbrochen.');
    return sync();
  };
  return context;
}

/** Lets `ticks` turns of the event loop pass, so that another pane's batches interleave. */
const ticks = (count: number) =>
  new Promise<void>((resolve) => {
    let n = 0;
    const step = () => (++n >= count ? resolve() : setImmediate(step));
    setImmediate(step);
  });

atEveryApiLevel(() => {
  describe('two panes on one workbook', () => {
    it('a pane opening while another saves sees the binding, the one before or the one after, never none and never a mix', async () => {
      const book = workbook();
      const before = snapshotOf(2_500);
      const after = snapshotOf(2_500, (i) => ({ ...rowsUpTo(1)[0]!.values, bemerkung: `neu ${i}` }));
      await saveBinding(book.context(), binding, before);
      const seen = new Set<string>();
      for (let delay = 0; delay <= 60; delay += 3) {
        const [, loaded] = await Promise.all([
          saveBinding(book.context(), { ...binding, cursor: `cursor-${delay}` }, delay % 2 ? before : after),
          ticks(delay + 1).then(() => loadBinding(book.context())),
        ]);
        expect(loaded).not.toBeNull();
        const { snapshot } = loaded!;
        expect([before, after].some((expected) => JSON.stringify([...expected]) === JSON.stringify([...snapshot]))).toBe(true);
        seen.add(loaded!.binding.cursor);
      }
      // The loads fell before, between and after the saves' batches, not all on one side.
      expect(seen.size).toBeGreaterThan(2);
    });
  });

  describe('saveBaseRows', () => {
    const row = (version: number, bemerkung: string): BaseRow => ({ version, values: { bemerkung } });

    it('writes only the rows given, in place, and clears the rows that left the base, keeping every other row', async () => {
      const book = workbook();
      const stored = snapshotOf(5);
      await saveBinding(book.context(), binding, stored);
      const ids = [...stored.keys()];
      const long = 'lang '.repeat(10_000);
      await saveBaseRows(book.context(), { ...binding, cursor: 'cursor-2' }, new Map([[ids[1]!, row(9, long)], [ids[3]!, null], ['neu', row(1, 'neu')]]));
      await saveBaseRows(book.context(), binding, new Map([[ids[1]!, row(10, 'kurz')]]));

      const loaded = (await loadBinding(book.context()))!;
      expect(loaded.binding.cursor).toBe('cursor-1');
      expect(loaded.snapshot).toEqual(new Map([[ids[0]!, stored.get(ids[0]!)!], [ids[1]!, row(10, 'kurz')], [ids[2]!, stored.get(ids[2]!)!], ['neu', row(1, 'neu')], [ids[4]!, stored.get(ids[4]!)!]]));
      // The row that left is empty, the new one follows the others, and the shorter value left no piece of the longer behind.
      expect([3, 4, 5, 6, 7, 8].map((r) => book.sheet(BINDING_SHEET).value(r, 0))).toEqual([ids[0], ids[1], ids[2], '', ids[4], 'neu']);
      expect(book.sheet(BINDING_SHEET).value(4, 3)).toBe('');
    });

    it('two panes saving at the same moment keep each other’s new rows and the newer version of a row both wrote', async () => {
      for (let delay = 0; delay <= 8; delay++) {
        const book = workbook();
        await saveBinding(book.context(), binding, snapshotOf(2));
        const [shared] = snapshotOf(2).keys();
        await Promise.all([
          saveBaseRows(book.context(), binding, new Map([['von-a', row(1, 'A')], [shared!, row(20, 'neuer')]])),
          ticks(delay).then(() => saveBaseRows(book.context(), binding, new Map([['von-b', row(1, 'B')], [shared!, row(19, 'älter')]]))),
        ]);
        const { snapshot } = (await loadBinding(book.context()))!;
        expect([...snapshot.keys()].sort()).toEqual([...snapshotOf(2).keys(), 'von-a', 'von-b'].sort());
        expect(snapshot.get(shared!)).toEqual(row(20, 'neuer'));
      }
    });
  });

  describe('saveBinding and loadBinding', () => {
    it('store the binding and snapshot on a very hidden sheet and give them back', async () => {
      const book = workbook();
      const snapshot = snapshotOf(20);
      await saveBinding(book.context(), binding, snapshot);

      const sheet = book.sheet(BINDING_SHEET);
      expect(sheet.visibility).toBe('VeryHidden');
      expect(sheet.value(0, 0)).toBe(FORMAT_MARKER);
      expect(book.sheets.map((s) => s.name)).toEqual(['Tabelle1', BINDING_SHEET]);
      expect(await loadBinding(book.context())).toEqual({ binding, snapshot });
    });

    it('store every cell as text, so JSON never turns into a number or a formula', async () => {
      const book = workbook();
      await saveBinding(book.context(), binding, new Map([['=1+1', { version: 2, values: { bemerkung: '=SUMME(A1)' } }]]));
      const sheet = book.sheet(BINDING_SHEET);
      expect(sheet.peek(3, 0)).toMatchObject({ value: '=1+1', numberFormat: '@' });
      expect(sheet.peek(3, 0)!.formula).toBeUndefined();
      expect((await loadBinding(book.context()))!.snapshot.get('=1+1')).toEqual({ version: 2, values: { bemerkung: '=SUMME(A1)' } });
    });

    it('find a workbook without the binding sheet, or with a sheet of that name holding something else, not bound', async () => {
      const book = workbook();
      expect(await loadBinding(book.context())).toBeNull();
      book.addSheet(BINDING_SHEET);
      expect(await loadBinding(book.context())).toBeNull();
      book.sheet(BINDING_SHEET).cell(0, 0).value = 'Notizen';
      expect(await loadBinding(book.context())).toBeNull();
    });

    it('report a damaged binding sheet in German', async () => {
      const book = workbook();
      await saveBinding(book.context(), binding, snapshotOf(3));
      book.sheet(BINDING_SHEET).cell(4, 2).value = '{"status": ';
      await expect(loadBinding(book.context())).rejects.toThrow('Die Verbindungsdaten dieser Arbeitsmappe sind beschädigt (Zeile 5: ungültige Werte). Bitte rufen Sie die Tabelle neu ab.');
      book.sheet(BINDING_SHEET).cell(0, 0).value = 'ozg-sync/3';
      await expect(loadBinding(book.context())).rejects.toThrow('mit einer anderen Version von OZG-Sync verbunden');
    });

    it('replace what was stored, however much shorter the new snapshot is', async () => {
      const book = workbook();
      await saveBinding(book.context(), binding, snapshotOf(50));
      await saveBinding(book.context(), { ...binding, cursor: 'cursor-2' }, snapshotOf(2));
      expect(await loadBinding(book.context())).toEqual({ binding: { ...binding, cursor: 'cursor-2' }, snapshot: snapshotOf(2) });
    });

    it('leave the previous binding intact when a save is cut short, and clean up at the next save', async () => {
      const book = workbook();
      await saveBinding(book.context(), binding, snapshotOf(10));
      for (const failing of [2, 3]) {
        await expect(saveBinding(failingAt(book, failing), { ...binding, cursor: 'cursor-2' }, snapshotOf(4))).rejects.toThrow('unterbrochen');
        expect(await loadBinding(book.context())).toEqual({ binding, snapshot: snapshotOf(10) });
      }
      await saveBinding(book.context(), { ...binding, cursor: 'cursor-3' }, snapshotOf(4));
      expect((await loadBinding(book.context()))!.binding.cursor).toBe('cursor-3');
      expect(book.sheets.map((s) => s.name)).toEqual(['Tabelle1', BINDING_SHEET]);
    });

    it('save and load 5,000 rows with long values in a constant number of syncs per run, no batch over 4 MB', async () => {
      const book = workbook();
      const long = 'Sehr lange Bemerkung. '.repeat(2_000);
      const snapshot = snapshotOf(5_000, (i) => ({ ...rowsUpTo(1)[0]!.values, bemerkung: i === 7 ? long : `${i} ${'Bemerkung. '.repeat(300)}` }));
      const save = await book.measure((context) => saveBinding(context, binding, snapshot));
      const load = await book.measure((context) => loadBinding(context));

      expect(load.result).toEqual({ binding, snapshot });
      const savedRuns = save.syncs.length - 2;
      expect(savedRuns).toBeGreaterThan(Math.ceil(5_000 / MAX_BATCH_ROWS));
      expect(savedRuns).toBeLessThanOrEqual(Math.ceil(JSON.stringify([...snapshot]).length / (MAX_BATCH_BYTES / 2)));
      for (const sync of [...save.syncs, ...load.syncs]) {
        expect(sync.valueBytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
        expect(sync.requestBytes).toBeLessThan(PAYLOAD_LIMIT);
      }
      // Reading guesses its first run; Excel refuses it at most once, and the run is halved.
      expect(load.syncs.filter((sync) => sync.responseBytes > PAYLOAD_LIMIT).length).toBeLessThanOrEqual(1);
    });
  });

  describe('createExcelHost', () => {
    it('runs each step in a batch of its own and gives the task pane the stored state back', async () => {
      const book = workbook();
      const run: ExcelRun = (batch) => batch(book.context());
      const host = createExcelHost(run);
      expect(await host.load()).toEqual([]);

      const rows = rowsUpTo(3);
      const written = await host.writeSheet(pullOf(rows), { ...NEW_BINDING, syncedAt: binding.syncedAt } as Binding);
      const snapshot: Snapshot = new Map(rows.map((row) => [row.id, { version: row.version, values: row.values }]));
      await host.save(written, { columns: COLUMNS, base: snapshot, cursor: 'cursor-1', konflikte: [], fehler: [] });

      expect(await host.load()).toEqual([
        {
          binding: { ...binding, dataSheet: 'Köln- Status der OZG-Leistungen' },
          state: { columns: COLUMNS, base: snapshot, cursor: 'cursor-1', konflikte: [], fehler: [] },
        },
      ]);
      expect((await host.readTable(written)).rows).toHaveLength(3);
    });
  });
});
