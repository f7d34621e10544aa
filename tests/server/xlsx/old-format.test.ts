import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planImport, readSheetFile, readUploadBinding } from '../../../server/xlsx/import.ts';
import { cellAt, dataSheet, loadWorkbook, saveWorkbook } from './workbooks.ts';

/** Köln's sheet as exported in the first workbook format (see tests/fixtures/workbooks/README.md). */
const OLD_FILE = new Uint8Array(readFileSync(new URL('../../fixtures/workbooks/ozg-sync-1-koeln.xlsx', import.meta.url)));

describe('the import of a file in the first workbook format', () => {
  it('reads its binding, base and table as it reads a file of the current format', async () => {
    const upload = await readSheetFile(OLD_FILE);
    expect(upload.binding).toMatchObject({ kind: 'kommune-status', scope: '05315000', table: 'OZG_Sync' });
    expect(upload.snapshot.size).toBe(46);
    expect(upload.rows).toHaveLength(46);
    expect(planImport(upload)).toEqual({ changes: [], ungueltig: [], hinweise: [] });
  });

  it('finds what was typed into it, as a change to push against its stored base', async () => {
    const workbook = await loadWorkbook(OLD_FILE);
    const upload = await readSheetFile(OLD_FILE);
    const reisepass = [...upload.snapshot].find(([, row]) => row.values.ozg_id === 10177)![0];
    cellAt(dataSheet(workbook), reisepass, 'Bemerkung').value = 'aus der alten Datei';
    const plan = planImport(await readSheetFile(await saveWorkbook(workbook)));
    expect(plan.changes).toEqual([expect.objectContaining({ id: reisepass, set: { bemerkung: 'aus der alten Datei' } })]);
  });
});

describe('the import of a workbook bound to several tables', () => {
  it('is sent to POST /api/import with a German reason by the single-table reader instead of taking the first table and dropping the others’ edits', async () => {
    const workbook = await loadWorkbook(OLD_FILE);
    // What the add-in adds for a second table: a binding sheet of slot 2 beside the first.
    const second = workbook.addWorksheet('OZG-Sync 2');
    workbook.getWorksheet('OZG-Sync')!.eachRow((row, number) => (second.getRow(number).values = row.values));
    const bytes = await saveWorkbook(workbook);
    const reason = 'Diese Datei enthält 2 verbundene Tabellen. Senden Sie sie an POST /api/import';
    await expect(readUploadBinding(bytes)).rejects.toThrow(reason);
    await expect(readSheetFile(bytes)).rejects.toThrow(reason);
  });
});
