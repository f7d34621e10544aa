import type { WorkbookHost } from '../ui/controller.ts';
import { loadBinding, saveBinding } from './binding.ts';
import { markCells, selectCell } from './marks.ts';
import { loadOpenItems, saveOpenItems } from './offen.ts';
import { writeReport } from './report.ts';
import { rescueTable } from './rescue.ts';
import { readTable } from './table.ts';
import { applyTableUpdate } from './update.ts';
import { writeSheet } from './writeSheet.ts';

/** Runs a batch against the workbook: Excel.run inside Office, a fake in tests. */
export type ExcelRun = <T>(batch: (context: Excel.RequestContext) => Promise<T>) => Promise<T>;

/**
 * The workbook as the task pane sees it. Open Konflikte and rejected cells are stored with the
 * binding (excel/offen.ts), so that the pane lists them again after the workbook was reopened.
 */
export function createExcelHost(run: ExcelRun = (batch) => Excel.run(batch)): WorkbookHost {
  return {
    async load() {
      const loaded = await run(loadBinding);
      if (!loaded) return null;
      const { binding, snapshot } = loaded;
      const { konflikte, fehler } = await run(loadOpenItems);
      // Only those of rows still in the snapshot: a Konflikt of a row gone from the scope has nothing left to settle.
      const known = <T extends { id: string }>(items: T[]) => items.filter((item) => snapshot.has(item.id));
      return { binding, state: { columns: binding.columns, base: snapshot, cursor: binding.cursor, konflikte: known(konflikte), fehler: known(fehler) } };
    },
    save: (binding, state) =>
      run(async (context) => {
        await saveBinding(context, binding, state.base);
        await saveOpenItems(context, state);
      }),
    writeSheet: (pull, binding) => run((context) => writeSheet(context, pull, binding)),
    readTable: (binding) => run((context) => readTable(context, binding)),
    rescueTable: (binding) => run((context) => rescueTable(context, binding)),
    applyTableUpdate: (binding, update) => run((context) => applyTableUpdate(context, binding, update)),
    markCells: (binding, konflikte, fehler) => run((context) => markCells(context, binding, konflikte, fehler)),
    selectCell: (binding, address) => run((context) => selectCell(context, binding, address)),
    writeReport: (report) => run((context) => writeReport(context, report)),
  };
}
