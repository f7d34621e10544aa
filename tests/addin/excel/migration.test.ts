import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExcelHost, writeSheet } from '../../../addin/src/excel/index.ts';
import { diffTable } from '../../../core/index.ts';
import { BINDING_SHEET, DATA_TABLE, FIRST_FORMAT_MARKER, FORMAT_MARKER } from '../../../core/workbook.ts';
import { NEW_BINDING, pullOf, rowsUpTo, workbook } from './fixtures.ts';
import { openXlsx } from './open-xlsx.ts';

afterEach(() => vi.unstubAllGlobals());

/** Köln's sheet as exported before a workbook could hold several tables (see tests/fixtures/workbooks/README.md). */
const OLD_FILE = new Uint8Array(readFileSync(new URL('../../fixtures/workbooks/ozg-sync-1-koeln.xlsx', import.meta.url)));

async function openedOldFile() {
  const book = workbook();
  await openXlsx(book, OLD_FILE);
  return { book, host: createExcelHost((batch) => book.run(batch)) };
}

describe('a workbook of the first format (one bound table), stored by an earlier version', () => {
  it('is the file it claims to be: the first format’s marker on its binding sheet', async () => {
    const { book } = await openedOldFile();
    expect(book.sheet(BINDING_SHEET).value(0, 0)).toBe(FIRST_FORMAT_MARKER);
  });

  it('opens with its binding, its base and no edit waiting, and gets the new format’s marker on first open', async () => {
    const { book, host } = await openedOldFile();
    const loaded = await host.load();
    expect(loaded).toHaveLength(1);
    const [{ binding, state }] = loaded as [(typeof loaded)[number]];
    expect(binding).toMatchObject({ kind: 'kommune-status', scope: '05315000', table: DATA_TABLE, dataSheet: 'Köln, Stadt' });
    expect(state.base.size).toBe(46);
    const { rows } = await host.readTable(binding);
    expect(diffTable(state.columns, state.base, rows).changes).toEqual([]);
    expect(book.sheet(BINDING_SHEET).value(0, 0)).toBe(FORMAT_MARKER);
  });

  it('sends what the user typed into it: an edit is found against the stored base', async () => {
    const { book, host } = await openedOldFile();
    const [{ binding, state }] = (await host.load()) as [Awaited<ReturnType<typeof host.load>>[number]];
    const [header, ...body] = book.rows(DATA_TABLE);
    const reisepass = body.find((cells) => cells[header!.indexOf('OZG-ID')] === 10177)!;
    book.type(String(reisepass[header!.indexOf('id')]), 'Bemerkung', 'aus der alten Mappe');
    const { changes } = diffTable(state.columns, state.base, (await host.readTable(binding)).rows);
    expect(changes).toEqual([expect.objectContaining({ id: reisepass[header!.indexOf('id')], set: { bemerkung: 'aus der alten Mappe' } })]);
  });

  it('takes a further table beside its own after migrating, leaving the first one as it was', async () => {
    const { book, host } = await openedOldFile();
    const [first] = await host.load();
    const before = book.rows(DATA_TABLE);
    const second = await writeSheet(book.context(), pullOf(rowsUpTo(3)), { ...NEW_BINDING, title: 'Mettmann' }, new Map());
    expect(second.table).toBe('OZG_Sync_2');
    expect(book.rows(DATA_TABLE)).toEqual(before);
    const reloaded = await createExcelHost((batch) => book.run(batch)).load();
    expect(reloaded.map(({ binding }) => binding.table)).toEqual([first!.binding.table, 'OZG_Sync_2']);
  });
});
