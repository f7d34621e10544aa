import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { readCatalogue } from '../../../server/import/catalogue.ts';
import { collectImportFiles } from '../../../server/import/folder.ts';
import { KOMMUNALE_LEIKA_TYPEN } from '../../../server/import/rows.ts';
import { apiAs, testApp, testAuth } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, KOELN } from '../../helpers/members.ts';
import { pullRows } from '../../helpers/sheets.ts';
import { bilanz, count, csv, importAsOwner, SHARED_DATA, SHARED_DATA_PRESENT } from './helpers.ts';

const HEADER = 'ozg_id,name,lage_id,themenfeld_id,leika_anzahl,leika_typen,kommunaler_vollzug';
/**
 * Four of the seed's 46 Leistungen (all municipal there), as in the seed but for the last column:
 *   10177 Reisepass, types 1 2/3: "nein" — loses Vollzug by hand
 *   10436 Kraftfahrzeugkennzeichen, 2/3: empty — keeps it (derived, unchanged)
 *   10433 Gefahrguttransporterlaubnis, 1 2/3: "ja" — by hand now, same value as derived
 *   10334 Zollauktion, type 1 only: "abgeleitet" — the LeiKa types say not municipal, so it loses it
 */
const FILE = `${HEADER}
10177,Reisepass,,9,42,1 2/3,nein
10436,Kraftfahrzeugkennzeichen,,9,32,2/3,
10433,Gefahrguttransporterlaubnis,,9,3,1 2/3,Ja
10334,Zollauktion,,14,2,1,abgeleitet
`;

describeEachDatabase('Katalogimport: Spalte kommunaler_vollzug', ({ db }) => {
  const vollzug = async () =>
    (
      await db().query<{ ozg_id: number; kommunaler_vollzug: boolean; kommunaler_vollzug_manuell: boolean | null }>(
        `select ozg_id, kommunaler_vollzug, kommunaler_vollzug_manuell from public.ozg_leistung
         where ozg_id in (10177, 10436, 10433, 10334) order by ozg_id`,
      )
    ).map((r) => [r.ozg_id, r.kommunaler_vollzug, r.kommunaler_vollzug_manuell]);
  const seeded = [
    [10177, true, null],
    [10334, true, null],
    [10433, true, null],
    [10436, true, null],
  ];

  it('the dry run reports how many Leistungen gain and lose Vollzug, and changes nothing', async () => {
    const bericht = await importAsOwner(db(), [csv('ozg_leistungen.csv', FILE)]);
    expect(bericht.fehler).toEqual([]);
    expect(bericht.kommunalerVollzug).toEqual({ kommunal: 2, wirdKommunal: 0, nichtMehrKommunal: 2, manuell: 1 });
    // Sachkundenachweis has no OZG-ID, so 45 - 4 are missing from the file
    expect(bilanz(bericht).ozg_leistung).toEqual([0, 3, 1, 41]);
    expect(bericht.geaendert.map((g) => [g.schluessel, g.spalten])).toEqual([
      ['10177', ['kommunaler_vollzug', 'kommunaler_vollzug_manuell']],
      ['10433', ['kommunaler_vollzug_manuell']],
      ['10334', ['kommunaler_vollzug']],
    ]);
    expect(bericht.kommuneStatusNeu).toBe(0);
    expect(await vollzug()).toEqual(seeded);
  });

  it('sets Vollzug in bulk: the Leistungen leave the Kommune sheets, their status rows stay, every change is logged', async () => {
    await importAsOwner(db(), [csv('ozg_leistungen.csv', FILE)], { apply: true });
    expect(await vollzug()).toEqual([
      [10177, false, false],
      [10334, false, null],
      [10433, true, true],
      [10436, true, null],
    ]);
    const koeln = await pullRows(apiAs(db(), KOELN), 'kommune-status', '05315000');
    expect(koeln.rows).toHaveLength(44);
    expect(koeln.rows.map((r) => r.values.ozg_id)).not.toContain(10177);
    expect(await count(db(), `select 1 from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id where l.ozg_id in (10177, 10334)`)).toBe(24);
    const log = await db().query<{ ozg_id: number; quelle: string; alt: boolean; neu: boolean }>(
      `select ozg_id, quelle, alt, neu from public.aenderung_lesbar where tabelle = 'ozg_leistung' order by ozg_id`,
    );
    expect(log).toEqual([
      { ozg_id: 10177, quelle: 'import', alt: true, neu: false },
      { ozg_id: 10334, quelle: 'import', alt: true, neu: false },
    ]);
  });

  it('setting it again through the API reports no new status rows: the kept ones come back', async () => {
    const data = new FormData();
    data.append('dateien', new File([FILE.replace(',nein\n', ',ja\n')], 'ozg_leistungen.csv'));
    const response = await testApp(db()).request('/api/admin/import', {
      method: 'POST',
      body: data,
      headers: { authorization: `Bearer ${await testAuth.issueLocalToken!(ADMIN)}` },
    });
    expect(response.status).toBe(200);
    const bericht = await response.json();
    expect(bericht.kommunalerVollzug).toEqual({ kommunal: 3, wirdKommunal: 1, nichtMehrKommunal: 0, manuell: 0 });
    expect(bericht.kommuneStatusNeu).toBe(0);
    expect(bericht.zusammenfassung).toContain('neu kommunal 1, nicht mehr kommunal 0');
  });

  it('rejects any other value with file and line, in German', async () => {
    const bericht = await importAsOwner(db(), [csv('ozg_leistungen.csv', `${HEADER}\n10177,Reisepass,,9,42,1 2/3,vielleicht\n`)], { apply: true });
    expect(bericht.angewendet).toBe(false);
    expect(bericht.fehler).toEqual([
      {
        datei: 'ozg_leistungen.csv',
        zeile: 2,
        text: 'Kommunaler Vollzug „vielleicht“ ist unbekannt; erlaubt: ja, nein, abgeleitet (aus den LeiKa-Typen) oder leer (bleibt, wie er ist).',
      },
    ]);
  });
});

/**
 * The figures the README states beside each other: what the LeiKa-type rule marks, against the
 * Leistungen the Themenfeld coordination listed with municipal execution in its December 2019
 * tables (../shared/data/themenfeld-tabellen-2019.csv). Counted by hand from the CSV files.
 */
describe.skipIf(!SHARED_DATA_PRESENT)('Kommunaler Vollzug: Regel und Zählung der Koordination', () => {
  const read = (file: string) =>
    parse(readFileSync(path.join(SHARED_DATA, file)), { columns: true, skip_empty_lines: true }) as Record<string, string>[];

  it('the LeiKa-type rule of the import marks 460 of the 557 bundles, more than twice what the coordination listed in two Themenfelder', async () => {
    const catalogue = await readCatalogue(await collectImportFiles([path.join(SHARED_DATA, 'ozg-katalog-nrw', 'ozg_leistungen.csv')]));
    const leistungen = catalogue.input.leistungen!;
    const kommunal = leistungen.filter((l) => l.leika_typen.some((t) => KOMMUNALE_LEIKA_TYPEN.includes(t)));
    expect([leistungen.length, kommunal.length]).toEqual([557, 460]);

    const listed = read('themenfeld-tabellen-2019.csv');
    const themenfeld = new Map(read('ozg-katalog-nrw/themenfelder.csv').map((t) => [t.name!, Number(t.id)]));
    const perThemenfeld = [...themenfeld].flatMap(([name, id]) => {
      const rows = listed.filter((r) => r.themenfeld === name);
      if (!rows.length) return [];
      const ids = new Set(rows.map((r) => Number(r.ozg_id)).filter(Boolean));
      const derived = kommunal.filter((l) => l.themenfeld_id === id);
      return [[name, rows.length, ids.size, derived.length, derived.filter((l) => ids.has(l.ozg_id)).length]];
    });
    // Themenfeld, listed 2019, of these with OZG-ID, derived by the rule, listed and derived
    expect(perThemenfeld).toEqual([
      ['Mobilität & Reisen', 21, 21, 43, 21],
      ['Unternehmensführung & -entwicklung', 25, 24, 59, 23],
    ]);
    // the one listed but not derived: Zollauktion, LeiKa type 1 only
    const notDerived = listed.filter((r) => r.ozg_id && !kommunal.some((l) => l.ozg_id === Number(r.ozg_id)));
    expect(notDerived.map((r) => [r.ozg_id, r.leistung])).toEqual([['10334', 'Zollauktion']]);
  });
});
