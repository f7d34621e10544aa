import type { BaseRow, Snapshot, SyncState } from '../../../core/index.ts';
import type { WorkbookHost } from '../app/host.ts';
import { slotOf, type Binding } from '../../../core/workbook.ts';
import { loadBindings, saveBaseRows, saveBinding } from './binding.ts';
import { markCells, selectCell } from './marks.ts';
import { loadOpenItems, saveOpenItems } from './offen.ts';
import { writeReport } from './report.ts';
import { rescueTable } from './rescue.ts';
import { sharingSyncs } from './batch.ts';
import { readTableAndBase, readTableAndBinding } from './table.ts';
import { applyTableUpdate, writeCellUpdates } from './update.ts';
import { writeSheet } from './writeSheet.ts';

/** Runs a batch against the workbook: Excel.run inside Office, a fake in tests. */
export type ExcelRun = <T>(batch: (context: Excel.RequestContext) => Promise<T>) => Promise<T>;

/** The rows of `next` that differ from `known` (as written: a mere change of key order writes a row again), and null for the ids `next` no longer has. */
function changedRows(known: Snapshot, next: Snapshot): Map<string, BaseRow | null> {
  const changed = new Map<string, BaseRow | null>();
  for (const [id, row] of next) if (JSON.stringify(known.get(id)) !== JSON.stringify(row)) changed.set(id, row);
  for (const id of known.keys()) if (!next.has(id)) changed.set(id, null);
  return changed;
}

/**
 * The workbook as the task pane sees it. Open Konflikte and rejected cells are stored with the
 * binding (excel/offen.ts), so that the pane lists them again after the workbook was reopened.
 *
 * The host remembers each table's base as it last read or wrote it, so that a save writes only the rows
 * this pane changed since: a co-author's pane writes the same binding sheet, and its rows stay.
 * A full pull into a new table is saved whole, in place of that slot's previous binding.
 */
/** The open Konflikte and rejected cells as compared to decide whether they need saving again. */
const openItemsOf = ({ konflikte, fehler }: Pick<SyncState, 'konflikte' | 'fehler'>) => JSON.stringify([konflikte, fehler]);

export function createExcelHost(run: ExcelRun = (batch) => Excel.run(batch)): WorkbookHost {
  /** Per table name: the base as this pane last read or wrote it. */
  const known = new Map<string, Snapshot>();
  /** Per table name: the open items as this pane last loaded or saved them. */
  const knownOpen = new Map<string, string>();
  const NONE_OPEN = openItemsOf({ konflikte: [], fehler: [] });
  const remember = (binding: Binding, state: Pick<SyncState, 'base' | 'konflikte' | 'fehler'>) => {
    known.set(binding.table, state.base);
    knownOpen.set(binding.table, openItemsOf(state));
  };
  return {
    async load() {
      const tables = await run(loadBindings);
      const loaded = [];
      for (const { binding, snapshot } of tables) {
        const { konflikte, fehler } = await run((context) => loadOpenItems(context, slotOf(binding).openItems));
        // Only those of rows still in the snapshot: a Konflikt of a row gone from the scope has nothing left to settle.
        const ofKnownRows = <T extends { id: string }>(items: T[]) => items.filter((item) => snapshot.has(item.id));
        known.set(binding.table, snapshot);
        knownOpen.set(binding.table, openItemsOf({ konflikte, fehler }));
        loaded.push({ binding, state: { columns: binding.columns, base: snapshot, cursor: binding.cursor, konflikte: ofKnownRows(konflikte), fehler: ofKnownRows(fehler) } });
      }
      return loaded;
    },
    async save(binding, state) {
      const previous = known.get(binding.table);
      await run(async (context) => {
        await (previous ? saveBaseRows(context, binding, changedRows(previous, state.base)) : saveBinding(context, binding, state.base));
        await saveOpenItems(context, state, slotOf(binding).openItems);
      });
      remember(binding, state);
    },
    async writeSheet(pull, binding, state) {
      // With the state, the binding sheet goes into the data sheet's batches; a full pull leaves no open items.
      const written = await run((context) => writeSheet(context, pull, binding, state?.base));
      if (state) remember(written, state);
      else known.delete(written.table);
      if (state && state.konflikte.length + state.fehler.length > 0) await run((context) => saveOpenItems(context, state, slotOf(written).openItems));
      return written;
    },
    async readTable(binding) {
      const read = await run((context) => readTableAndBase(context, binding));
      known.set(binding.table, read.base);
      return read;
    },
    rescueTable: (binding) => run((context) => rescueTable(context, binding)),
    applyTableUpdate: (binding, update) => run((context) => applyTableUpdate(context, binding, update)),
    // One sync reads; one more writes the cells and the base rows together, while nobody sorts or
    // saves in between: each write checks what it met in its own batch and tries again if needed.
    async settlePush(binding, decide) {
      const state = await run(async (context) => {
        const read = await readTableAndBinding(context, binding);
        const decided = decide(read.rows, read.base);
        await sharingSyncs(context, [
          (sync) => writeCellUpdates(context, binding, read.data, read.ids, decided.cells, sync),
          (sync) => saveBaseRows(context, binding, changedRows(read.base, decided.state.base), { stored: read.stored, sync }),
        ]);
        if (openItemsOf(decided.state) !== (knownOpen.get(binding.table) ?? NONE_OPEN)) await saveOpenItems(context, decided.state, slotOf(binding).openItems);
        return decided.state;
      });
      remember(binding, state);
      return state;
    },
    markCells: (binding, konflikte, fehler) => run((context) => markCells(context, binding, konflikte, fehler, known.get(binding.table))),
    selectCell: (binding, address) => run((context) => selectCell(context, binding, address)),
    showSheet: (binding) =>
      run(async (context) => {
        // By the table, not the sheet's name: the user may have renamed the sheet.
        context.workbook.tables.getItem(binding.table).worksheet.activate();
        await context.sync();
      }),
    writeReport: (report) => run((context) => writeReport(context, report)),
  };
}
