import type { WorkbookHost } from '../ui/controller.ts';
import { loadBinding, saveBinding } from './binding.ts';
import { markCells, selectCell } from './marks.ts';
import { writeReport } from './report.ts';
import { rescueTable } from './rescue.ts';
import { readTable } from './table.ts';
import { applyTableUpdate } from './update.ts';
import { writeSheet } from './writeSheet.ts';

/** Runs a batch against the workbook: Excel.run inside Office, a fake in tests. */
export type ExcelRun = <T>(batch: (context: Excel.RequestContext) => Promise<T>) => Promise<T>;

/**
 * The workbook as the task pane sees it. Open Konflikte and rejections are not stored in the
 * workbook: after reopening, the next push reports the Konflikte again, since their cells keep
 * the base they had.
 */
export function createExcelHost(run: ExcelRun = (batch) => Excel.run(batch)): WorkbookHost {
  return {
    async load() {
      const loaded = await run(loadBinding);
      if (!loaded) return null;
      const { binding, snapshot } = loaded;
      return { binding, state: { columns: binding.columns, base: snapshot, cursor: binding.cursor, konflikte: [], fehler: [] } };
    },
    save: (binding, state) => run((context) => saveBinding(context, binding, state.base)),
    writeSheet: (pull, binding) => run((context) => writeSheet(context, pull, binding)),
    readTable: (binding) => run((context) => readTable(context, binding)),
    rescueTable: (binding) => run((context) => rescueTable(context, binding)),
    applyTableUpdate: (binding, update) => run((context) => applyTableUpdate(context, binding, update)),
    markCells: (binding, konflikte, fehler) => run((context) => markCells(context, binding, konflikte, fehler)),
    selectCell: (binding, address) => run((context) => selectCell(context, binding, address)),
    writeReport: (report) => run((context) => writeReport(context, report)),
  };
}
