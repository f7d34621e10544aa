import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { beforeAll, expect, it } from 'vitest';
import type { ProgressResponse, ProgressTable } from '../../../server/review/contract.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, FREMD, KOELN, METTMANN, MOBILITAET } from '../../helpers/members.ts';
import { authenticateAs, inRollback } from '../../helpers/rls.ts';
import { pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';
import { SOFFICE, convert } from '../xlsx/libreoffice.ts';

const FELD = 17;
const KOELN_AGS = '05315000';
const METTMANN_AGS = '05158024';
const REISEPASS = 10177; // Themenfeld 9, coordinated by MOBILITAET
const [A, B, C] = [10201, 10202, 10203];

/** Three municipal OZG-Leistungen in a Themenfeld nobody coordinates, so that only admins see changes to them. */
const SETUP = `
  insert into public.themenfeld (id, name) values (${FELD}, 'Meldetest');
  insert into public.ozg_leistung (ozg_id, name, themenfeld_id, kommunaler_vollzug) values
    (${A}, 'Meldung A', ${FELD}, true), (${B}, 'Meldung B', ${FELD}, true), (${C}, 'Meldung C', ${FELD}, true);
`;

const kommune = (table: ProgressTable, ags: string) => {
  const found = table.zeilen.find((zeile) => zeile.schluessel === ags);
  if (!found) throw new Error(`${ags} not in ${table.titel}`);
  return found;
};

describeEachDatabase('Who has reported', ({ db }) => {
  /** Instants on the database's clock: before all pushes, and between Mettmann's and Köln's. */
  let vorher = '';
  let dazwischen = '';

  const clock = async () => {
    const [{ jetzt }] = (await db().query<{ jetzt: Date | string }>('select clock_timestamp() as jetzt')) as [{ jetzt: Date | string }];
    return new Date(jetzt).toISOString();
  };

  /** One push of a member into its own Kommune's rows, one change per OZG-Leistung. */
  async function melden(email: string, ags: string, changes: [number, Record<string, unknown>][]) {
    const api = apiAs(db(), email);
    const pull = await pullRows(api, 'kommune-status', ags);
    const { results } = await pushRows(api, 'kommune-status', {
      scope: ags,
      changes: changes.map(([ozgId, set]) => {
        const row = rowOf(pull, ozgId);
        return { id: row.id, baseVersion: row.version, base: Object.fromEntries(Object.keys(set).map((k) => [k, row.values[k]])), set };
      }),
    });
    expect(results.map((r) => r.outcome)).toEqual(changes.map(() => 'applied'));
  }

  beforeAll(async () => {
    await db().exec(SETUP);
    vorher = await clock();
    // Mettmann: three cells in two pushes, but only two rows
    await melden(METTMANN, METTMANN_AGS, [[A, { bemerkung: 'in Arbeit' }], [B, { ansprechperson: 'Herr M.' }]]);
    await melden(METTMANN, METTMANN_AGS, [[A, { ansprechperson: 'Frau M.' }]]);
    dazwischen = await clock();
    await melden(KOELN, KOELN_AGS, [[A, { bemerkung: 'Köln 1' }], [B, { bemerkung: 'Köln 2' }], [C, { bemerkung: 'Köln 3' }]]);
    await melden(KOELN, KOELN_AGS, [[REISEPASS, { status: 'in Planung' }]]);
  });

  const report = async (query: string, email = ADMIN): Promise<ProgressResponse> => {
    const response = await apiAs(db(), email).request(`/api/reports/progress${query}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json();
  };
  const seit = (iso: string) => `seit=${encodeURIComponent(iso)}`;

  it('gives admins, per Kommune, the time and author of its last change and the rows it changed since a date', async () => {
    const { kommunen, meldungen } = await report(`?${seit(vorher)}`);
    expect(meldungen).toEqual({ seit: vorher });
    expect(kommunen.spalten.slice(-3).map(({ key, type }) => [key, type])).toEqual([
      ['letzte_meldung', 'zeitpunkt'],
      ['gemeldet_von', 'text'],
      ['zeilen_seit', 'number'],
    ]);
    const koeln = kommune(kommunen, KOELN_AGS);
    const mettmann = kommune(kommunen, METTMANN_AGS);
    expect(koeln).toMatchObject({ gemeldet_von: KOELN, zeilen_seit: 4 });
    expect(mettmann).toMatchObject({ gemeldet_von: METTMANN, zeilen_seit: 2 });
    expect(Date.parse(String(koeln.letzte_meldung))).toBeGreaterThan(Date.parse(dazwischen));
    expect(Date.parse(String(mettmann.letzte_meldung))).toBeGreaterThan(Date.parse(vorher));
    expect(Date.parse(String(mettmann.letzte_meldung))).toBeLessThan(Date.parse(dazwischen));
  });

  it('counts no rows for a Kommune that has not reported since the date, but still names its last change', async () => {
    const { kommunen } = await report(`?${seit(dazwischen)}`);
    expect(kommune(kommunen, METTMANN_AGS)).toMatchObject({ gemeldet_von: METTMANN, zeilen_seit: 0 });
    expect(kommune(kommunen, KOELN_AGS)).toMatchObject({ zeilen_seit: 4 });
    const stumm = kommunen.zeilen.filter((zeile) => zeile.zeilen_seit === 0).map((zeile) => zeile.schluessel);
    expect(stumm).toContain(METTMANN_AGS);
    expect(stumm).not.toContain(KOELN_AGS);
  });

  it('counts only the chosen Themenfeld and lists only the chosen Kreis', async () => {
    const feld = await report(`?themenfeld=${FELD}&${seit(vorher)}`);
    expect(kommune(feld.kommunen, KOELN_AGS)).toMatchObject({ zeilen_seit: 3 });
    const kreis = await report(`?kreis=05158&${seit(vorher)}`);
    expect(kreis.kommunen.zeilen.every((zeile) => String(zeile.schluessel).startsWith('05158'))).toBe(true);
    expect(kommune(kreis.kommunen, METTMANN_AGS)).toMatchObject({ zeilen_seit: 2 });
  });

  it('shows every member who has reported, as each may read every Kommune’s rows', async () => {
    for (const email of [MOBILITAET, KOELN]) {
      const { kommunen, meldungen } = await report(`?${seit(vorher)}`, email);
      expect(meldungen, email).toEqual({ seit: vorher });
      expect(kommune(kommunen, KOELN_AGS), email).toMatchObject({ gemeldet_von: KOELN, zeilen_seit: 4 });
      expect(kommune(kommunen, METTMANN_AGS), email).toMatchObject({ gemeldet_von: METTMANN, zeilen_seit: 2 });
    }
  });

  it('counts with a Themenfeld only the rows of its OZG-Leistungen, and names the last change among them', async () => {
    const { kommunen } = await report(`?themenfeld=9&${seit(vorher)}`, MOBILITAET);
    expect(kommune(kommunen, KOELN_AGS)).toMatchObject({ gemeldet_von: KOELN, zeilen_seit: 1 });
    expect(kommune(kommunen, METTMANN_AGS)).toMatchObject({ zeilen_seit: 0 });
    expect(kommune(kommunen, METTMANN_AGS).gemeldet_von).not.toBe(METTMANN);
  });

  it('leaves who has reported out of a Stichtag’s frozen figures', async () => {
    const response = await apiAs(db()).request('/api/stichtage', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ datum: '2026-01-01', bezeichnung: 'Meldetest' }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    const { id } = (await response.json()) as { id: number };
    const { kommunen, meldungen } = await report(`?stichtag=${id}&${seit(vorher)}`);
    expect(meldungen).toBeNull();
    expect(kommunen.spalten.map((s) => s.key)).not.toContain('letzte_meldung');
  });

  it('reads a date as midnight in Germany and says so in the column label; without a date it counts every change', async () => {
    const winter = await report('?seit=2000-01-01');
    expect(winter.meldungen?.seit).toBe('1999-12-31T23:00:00.000Z');
    expect(winter.kommunen.spalten.at(-1)!.label).toBe('geänderte Zeilen seit 01.01.2000');
    const sommer = await report('?seit=2000-07-01T08:30:00');
    expect(sommer.meldungen?.seit).toBe('2000-07-01T06:30:00.000Z');
    expect(sommer.kommunen.spalten.at(-1)!.label).toBe('geänderte Zeilen seit 01.07.2000, 08:30');
    const insgesamt = await report('');
    expect(insgesamt.meldungen?.seit).toBeNull();
    expect(insgesamt.kommunen.spalten.at(-1)!.label).toBe('geänderte Zeilen insgesamt');
    expect(kommune(insgesamt.kommunen, KOELN_AGS).zeilen_seit).toBe(kommune(winter.kommunen, KOELN_AGS).zeilen_seit);
    expect(kommune(insgesamt.kommunen, KOELN_AGS).zeilen_seit).toBeGreaterThanOrEqual(4);
  });

  it('answers a malformed or unstorable date with a German error', async () => {
    for (const bad of ['gestern', '2026-13-01', '0000-01-01']) {
      const response = await apiAs(db()).request(`/api/reports/progress?seit=${bad}`);
      expect(response.status, bad).toBe(400);
      expect((await response.json()).error.message).toMatch(/^Ungültiger Parameter „seit“: seit (ist ein Datum oder Zeitpunkt nach ISO 8601|liegt außerhalb)/);
    }
  });

  it('counts in the database only for members, as row-level security lets them read the rows', async () => {
    const zeilenSeit = async (email: string) => {
      let zeilen = new Map<string, number>();
      await inRollback(db(), async (tx) => {
        await authenticateAs(tx, email);
        const rows = await tx.query<{ ags: string; zeilen_seit: number }>('select ags, zeilen_seit from public.meldungen($1::timestamptz)', [vorher]);
        zeilen = new Map(rows.map((row) => [row.ags, Number(row.zeilen_seit)]));
      });
      return zeilen;
    };
    expect((await zeilenSeit(KOELN)).get(KOELN_AGS)).toBe(4);
    expect((await zeilenSeit(FREMD)).get(KOELN_AGS) ?? 0).toBe(0);
  });

  it('puts the three columns into the Kommunen sheet of progress.xlsx, the last change as a date and time', async () => {
    const json = await report(`?${seit(dazwischen)}`);
    const response = await apiAs(db()).request(`/api/reports/progress.xlsx?${seit(dazwischen)}`);
    expect(response.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    const sheet = workbook.getWorksheet('Kommunen')!;
    const header = (sheet.getRow(3).values as unknown[]).slice(1);
    const label = json.kommunen.spalten.at(-1)!.label;
    expect(header.slice(-3)).toEqual(['Letzte Meldung', 'gemeldet von', label]);
    const at = (name: string) => header.indexOf(name) + 1;
    const zeile = [...Array(sheet.rowCount - 3).keys()].map((i) => sheet.getRow(4 + i)).find((row) => row.getCell(1).value === METTMANN_AGS)!;
    expect(zeile.getCell(at('gemeldet von')).value).toBe(METTMANN);
    expect(zeile.getCell(at(label)).value).toBe(0);
    expect(zeile.getCell(at('Letzte Meldung')).value).toBeInstanceOf(Date);
    expect(zeile.getCell(at('Letzte Meldung')).numFmt).toBe('dd.mm.yyyy hh:mm');
  });

  it.skipIf(!SOFFICE)('shows the last change in LibreOffice as the German wall-clock time', async () => {
    const json = await report(`?${seit(dazwischen)}`);
    const response = await apiAs(db()).request(`/api/reports/progress.xlsx?${seit(dazwischen)}`);
    // CSV filter options: cells as shown (9th), the fourth sheet (12th): Verlauf, Themenfelder, OZG-Leistungen, Kommunen
    const filter = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,4';
    const csv = new TextDecoder().decode(await convert(new Uint8Array(await response.arrayBuffer()), 'xlsx', filter));
    const [, , header, ...zeilen] = parse(csv, { relax_column_count: true }) as string[][];
    const mettmann = zeilen.find((zeile) => zeile[0] === METTMANN_AGS)!;
    const shown = mettmann[header!.indexOf('Letzte Meldung')];
    const expected = new Date(String(kommune(json.kommunen, METTMANN_AGS).letzte_meldung));
    const teil = (options: Intl.DateTimeFormatOptions) => expected.toLocaleString('de-DE', { timeZone: 'Europe/Berlin', ...options });
    expect(shown).toBe(`${teil({ day: '2-digit', month: '2-digit', year: 'numeric' })} ${teil({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}`);
    expect(mettmann[header!.indexOf('gemeldet von')]).toBe(METTMANN);
  });
});
