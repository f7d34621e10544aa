/** The only code that touches Office.js: it carries out in the workbook what core/ decides. */
export { loadBinding, loadBindings, saveBaseRows, saveBinding } from './binding.ts';
export { MAX_BATCH_BYTES, MAX_BATCH_CELLS, MAX_BATCH_ROWS } from './batch.ts';
export { createExcelHost, type ExcelRun } from './host.ts';
export { clearMarks, markCells, selectCell } from './marks.ts';
export { REPORT_TABLE, TREND_TABLE, writeReport } from './report.ts';
export { readTable, readTableAndBase } from './table.ts';
export { applyTableUpdate } from './update.ts';
export { writeSheet, type NewBinding } from './writeSheet.ts';
