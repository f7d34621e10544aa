import JSZip from 'jszip';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, KOELN } from '../../helpers/members.ts';
import { pullRows } from '../../helpers/sheets.ts';
import { PDFTOTEXT, SOFFICE, convert, printedPages } from './libreoffice.ts';
import { exportFile, loadWorkbook } from './workbooks.ts';

const SKIPPED = 'übersprungen: LibreOffice (soffice) oder poppler-utils (pdftotext) ist nicht installiert';
const FELD = 16;
const KOELN_AGS = '05315000';
const LEISTUNGEN = 60;

/**
 * 60 more municipal OZG-Leistungen (10101-10160) in a Themenfeld of their own, so that Köln's
 * status table and the progress workbook's Leistungen run over more than one printed page,
 * and two Stichtage with the Themenfeld's share at the OZG threshold counted by hand:
 *   Stichtag "Erhebung 01.01.2026": nothing done yet                        → 0 of 720 rows, 0.0 %
 *   Stichtag "Erhebung 01.07.2026": Köln online at Reifegrad 3 everywhere   → 60 of 720, 8.3 %
 *   today: Mettmann, too, online at Reifegrad 3 for 10101-10130             → 90 of 720, 12.5 %
 * Today Leistung 10101 has, of its 12 Kommunen, 10 offen and 2 online at Reifegrad 3 (16.7 %).
 */
const SETUP = `
  insert into public.themenfeld (id, name) values (${FELD}, 'Drucktest');
  insert into public.ozg_leistung (ozg_id, name, themenfeld_id, kommunaler_vollzug)
  select 10100 + n, 'Drucktest-Leistung ' || n, ${FELD}, true from generate_series(1, ${LEISTUNGEN}) n;
`;
const onlineAt3 = (ags: string, bis: number) => `
  update public.kommune_status s set status = 'online', reifegrad = 3, reifegrad_modell = '1.1'
  from public.ozg_leistung l where l.id = s.ozg_leistung_id and s.ags = '${ags}' and l.ozg_id between 10101 and ${10100 + bis}`;

/** The footer every printed page carries: the sheet's name left, "Seite p von n" right. */
const FOOTER = /^(\S.*?)\s{2,}Seite (\d+) von (\d+)\s*$/;

/** The printed pages by sheet, in order, each page's lines without its footer. */
function pagesBySheet(pages: string[]): Map<string, string[][]> {
  const bySheet = new Map<string, string[][]>();
  pages.forEach((page, index) => {
    const lines = page.split('\n').filter((line) => line.trim() !== '');
    const footer = FOOTER.exec(lines.at(-1) ?? '');
    if (!footer) throw new Error(`page ${index + 1} has no footer: ${lines.at(-1)}`);
    expect([Number(footer[2]), Number(footer[3])]).toEqual([index + 1, pages.length]);
    bySheet.set(footer[1]!, [...(bySheet.get(footer[1]!) ?? []), lines.slice(0, -1)]);
  });
  return bySheet;
}

const words = (line: string) => line.trim().split(/\s+/).join(' ');
/** Lines that start a table row with an OZG-ID, as printed. */
const ozgIds = (lines: string[]) => lines.flatMap((line) => /^\s*(1\d{4})\s/.exec(line)?.[1] ?? []).map(Number);

describe.skipIf(!SOFFICE || !PDFTOTEXT)(`Printing through LibreOffice${SOFFICE && PDFTOTEXT ? '' : ` (${SKIPPED})`}`, () => {
  describeEachDatabase('status export and progress workbook as PDF', ({ db }) => {
    beforeAll(async () => {
      await db().exec(SETUP);
      const stichtag = async (datum: string, bezeichnung: string) => {
        const response = await apiAs(db(), ADMIN).request('/api/stichtage', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ datum, bezeichnung }),
        });
        expect(response.status).toBe(201);
      };
      await stichtag('2026-01-01', 'Erhebung 01.01.2026');
      await db().exec(onlineAt3(KOELN_AGS, LEISTUNGEN));
      await stichtag('2026-07-01', 'Erhebung 01.07.2026');
      await db().exec(onlineAt3('05158024', 30));
    });

    it('prints the status export landscape in one column of pages: every column on page 1, the header row again on page 2', async () => {
      const api = apiAs(db(), KOELN);
      const pull = await pullRows(api, 'kommune-status', KOELN_AGS);
      const pages = pagesBySheet(await printedPages(await exportFile(api, 'kommune-status', KOELN_AGS)));
      expect([...pages.keys()]).toEqual(['Köln, Stadt', 'Anleitung', 'Reifegrade']);

      const data = pages.get('Köln, Stadt')!;
      const header = new RegExp(`^${pull.columns.map((column) => column.label).join('\\s+')}$`);
      expect(pull.columns.map((column) => column.label)).toContain('Bemerkung');
      // the header row, with all columns side by side, heads every page (the title rows repeat)
      for (const page of data) expect(words(page[0]!)).toMatch(header);
      expect(data.length).toBeGreaterThan(1);
      // one column of pages: every row printed once, in order; no page holds only the right-hand columns
      const printed = data.map(ozgIds);
      // (a Leistung of the seed has no OZG-ID yet: its row prints, but without a number to find it by)
      expect(printed.flat()).toEqual(pull.rows.map((row) => row.values.ozg_id).filter((id) => id !== null));
      expect(data).toHaveLength(Math.ceil(pull.rows.length / printed[0]!.length));
      // all of a row's cells on the same line as its OZG-ID
      const row = data[0]!.find((line) => /^\s*10101\s/.test(line))!;
      expect(words(row)).toBe('10101 Drucktest-Leistung 1 Drucktest online 3 1.1');
      expect(pages.get('Reifegrade')![0]![0]).toMatch(/^Reifegradmodell\s+Stufe\s+Bezeichnung\s+Erklärung\s+OZG-konform$/);
    });

    it('prints every table of the progress workbook as wide as a landscape page, the header row repeated', async () => {
      const response = await apiAs(db()).request('/api/reports/progress.xlsx');
      expect(response.status).toBe(200);
      const pages = pagesBySheet(await printedPages(new Uint8Array(await response.arrayBuffer())));
      expect([...pages.keys()]).toEqual(['Verlauf', 'Themenfelder', 'OZG-Leistungen', 'Kommunen', 'Kreise']);

      const leistungen = pages.get('OZG-Leistungen')!;
      expect(leistungen[0]![0]).toMatch(/^Fortschritt je OZG-Leistung/);
      // names, not keys: the Themenfeld by its name; every figure of the row on page 1 (hand-counted above)
      const row = leistungen[0]!.find((line) => /^\s*10101\s/.test(line))!;
      expect(words(row)).toBe('10101 Drucktest-Leistung 1 Drucktest 12 10 0 0 2 10 0 0 0 2 0 0 0 0 2 16.7% 0 ja nein');
      const printed = leistungen.map(ozgIds);
      expect(printed.flat()).toEqual([...printed.flat()].sort());
      expect(printed.flat()).toContain(10160);
      expect(leistungen.length).toBeGreaterThan(1);
      expect(leistungen).toHaveLength(Math.ceil(printed.flat().length / printed[0]!.length));
      // page 2 starts with the header row (wrapped over lines, ending with the last column's words), not the title
      const page2 = leistungen[1]!;
      const firstRow = page2.findIndex((line) => /^\s*1\d{4}\s/.test(line));
      expect(page2.slice(0, firstRow).join(' ')).toMatch(/OZG-ID\s+OZG-Leistung\s+Themenfeld/);
      expect(page2.slice(0, firstRow).join(' ')).toContain('flächendeckend');
      expect(page2.join('\n')).not.toContain('Fortschritt je OZG-Leistung');

      // the Kreis by its name next to the Kommune
      const koeln = pages.get('Kommunen')![0]!.find((line) => line.includes(KOELN_AGS))!;
      expect(words(koeln)).toMatch(/^05315000 Köln, Stadt Köln, Stadt \d+ /);
      const mettmann = pages.get('Kommunen')![0]!.find((line) => line.includes('05158024'))!;
      expect(words(mettmann)).toMatch(/^05158024 Mettmann, Stadt Mettmann \d+ /);
      // who reported last, in full on the same page: date and time (not ###), the author, the rows changed
      expect(words(koeln)).toMatch(/ \d\d\.\d\d\.\d{4} \d\d:\d\d \S+ \d+$/);
      for (const sheet of ['Themenfelder', 'Kommunen', 'Kreise']) expect(pages.get(sheet)).toHaveLength(1);
    });

    it('draws the trend as a native line chart that LibreOffice renders and keeps, in a file ExcelJS still reads', async () => {
      const bytes = new Uint8Array(await (await apiAs(db()).request(`/api/reports/progress.xlsx?themenfeld=${FELD}`)).arrayBuffer());

      const workbook = await loadWorkbook(bytes);
      const verlauf = workbook.getWorksheet('Verlauf')!;
      expect((verlauf.getRow(3).values as unknown[]).slice(1)).toEqual(['Themenfeld', 'Erhebung 01.01.2026', 'Erhebung 01.07.2026', expect.stringMatching(/^heute \(\d\d\.\d\d\.\d{4}\)$/)]);
      expect((verlauf.getRow(4).values as unknown[]).slice(1)).toEqual(['Drucktest', 0, 0.0833, 0.125]);

      const [page] = pagesBySheet(await printedPages(bytes)).get('Verlauf')!;
      const text = page!.join('\n');
      expect(words(page!.find((line) => line.startsWith('Drucktest'))!)).toBe('Drucktest 0.0% 8.3% 12.5%');
      // only the chart prints the value axis (whole percent) and its title
      expect(text).toMatch(/^\s*10%\s*$/m);
      expect(text).toMatch(/^\s*0%\s*$/m);
      expect(text).toMatch(/^\s*Anteil OZG-konform\s*$/m);
      // the legend: the series named after the Themenfeld, right of the plot (on the line of an axis label at most)
      expect(text).toMatch(/^(\s*\d+%)?\s{20,}Drucktest\s*$/m);

      // saved again by LibreOffice, the chart is still a line chart over the sheet's cells
      const saved = await JSZip.loadAsync(await convert(bytes, 'xlsx', 'xlsx'));
      const charts = saved.file(/^xl\/charts\/chart\d+\.xml$/);
      expect(charts).toHaveLength(1);
      const chart = await charts[0]!.async('string');
      expect(chart).toContain('<c:lineChart>');
      expect(chart).toMatch(/<c:f>'?Verlauf'?!\$B\$4:\$D\$4<\/c:f>/);
    });
  });
});
