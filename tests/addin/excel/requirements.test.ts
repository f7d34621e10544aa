import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MINIMUM_API, NEWEST_API, OfficeError, REQUIREMENT_SETS, UngatedCall } from './fake-excel.ts';
import { pulled, rowsUpTo, workbook } from './fixtures.ts';

afterEach(() => vi.unstubAllGlobals());

/** Microsoft's reference as @types/office-js carries it: the "[Api set: ExcelApi 1.x]" of a member of a class. */
const reference = readFileSync(new URL('../../../node_modules/@types/office-js/index.d.ts', import.meta.url), 'utf8');
const excel = reference.slice(reference.indexOf('declare namespace Excel {'));

function documentedSet(member: string): string | undefined {
  const [className, name] = member.split('.') as [string, string];
  const start = excel.indexOf(`\n    class ${className} extends OfficeExtension.ClientObject {`);
  if (start < 0) return undefined;
  const body = excel.slice(start, excel.indexOf('\n    }\n', start));
  if (name === 'items') {
    // A collection's items carry no annotation of their own: they come with the collection.
    return /\[Api set: ExcelApi ([\d.]+)/.exec(excel.slice(excel.lastIndexOf('/**', start), start))?.[1];
  }
  const declaration = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*?)\\*/\\s*\\n\\s+(?:readonly\\s+)?${name}\\s*[(:?<]`).exec(body);
  return declaration ? /\[Api set: ExcelApi ([\d.]+)/.exec(declaration[1]!)?.[1] : undefined;
}

describe('the Office stand-in’s requirement sets', () => {
  it('records for every member it models the set Microsoft’s reference gives', () => {
    // isNullObject is ClientObject's, annotated nowhere; it comes with the *OrNullObject accessors (ExcelApi 1.4).
    const annotated = Object.entries(REQUIREMENT_SETS).filter(([member]) => !member.endsWith('.isNullObject'));
    const differing = annotated.filter(([member, set]) => documentedSet(member) !== set);
    expect(differing).toEqual([]);
    expect(Object.keys(REQUIREMENT_SETS).length).toBeGreaterThan(50);
  });

  it('takes the minimum from the manifest', () => {
    const manifest = readFileSync(new URL('../../../manifest.xml', import.meta.url), 'utf8');
    expect(manifest).toContain(`<Set Name="ExcelApi" MinVersion="${MINIMUM_API}"/>`);
    expect(manifest).toContain(`<Sets DefaultMinVersion="${MINIMUM_API}">`);
  });

  it('fails a test that calls a member above the manifest’s minimum without asking isSetSupported, even on the newest host', async () => {
    const book = workbook(NEWEST_API);
    await pulled(book, rowsUpTo(2));
    const context = book.context();
    const range = (context.workbook as Excel.Workbook).worksheets.getItem(book.table().sheet.name).getRangeByIndexes(1, 0, 1, 1);
    expect(() => {
      range.format.font.strikethrough = true;
    }).toThrow(UngatedCall);
  });

  it('does not take a check for another set as the gate', async () => {
    const book = workbook(NEWEST_API);
    await pulled(book, rowsUpTo(2));
    const context = book.context();
    expect(Office.context.requirements.isSetSupported('ExcelApi', '1.18')).toBe(true);
    const sheet = (context.workbook as Excel.Workbook).worksheets.getItem(book.table().sheet.name);
    expect(() => sheet.comments).toThrow(/Worksheet.comments needs ExcelApi 1.10/);
  });

  it('lets a gated call through where the host has the set, and refuses it as Excel does where it has not', async () => {
    for (const [version, outcome] of [
      [NEWEST_API, 'done'],
      [MINIMUM_API, 'ApiNotFound'],
    ] as const) {
      const book = workbook(version);
      await pulled(book, rowsUpTo(2));
      const context = book.context();
      Office.context.requirements.isSetSupported('ExcelApi', '1.9');
      const sheet = (context.workbook as Excel.Workbook).worksheets.getItem(book.table().sheet.name);
      sheet.getRangeByIndexes(1, 0, 1, 1).format.font.strikethrough = true;
      const result = await context.sync().then(
        () => 'done',
        (error: unknown) => (error instanceof OfficeError ? error.code : String(error)),
      );
      expect(result).toBe(outcome);
      expect(book.table().sheet.peek(1, 0)?.format['font.strikethrough']).toBe(outcome === 'done' ? true : undefined);
    }
  });
});

describe('the Office stand-in’s charts', () => {
  it('refuses a chart type Excel.ChartType does not name, and "Invalid", which only reports a chart Excel cannot name', async () => {
    const book = workbook(NEWEST_API);
    await pulled(book, rowsUpTo(2));
    const context = book.context();
    const sheet = (context.workbook as Excel.Workbook).worksheets.getItem(book.table().sheet.name);
    const range = sheet.getRangeByIndexes(0, 0, 2, 1);
    expect(() => sheet.charts.add('Linie' as Excel.ChartType, range, 'Columns')).toThrow('Excel.ChartType has no Linie');
    expect(() => sheet.charts.add('Invalid', range, 'Columns')).toThrow('Excel.ChartType has no Invalid');
    sheet.charts.add('LineMarkers', range, 'Columns');
    await context.sync();
    expect(book.charts.map((chart) => chart.type)).toEqual(['LineMarkers']);
  });
});
