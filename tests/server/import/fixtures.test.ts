import path from 'node:path';
import ExcelJS from 'exceljs';
import { expect, it } from 'vitest';
import type { ImportFile } from '../../../server/import/files.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { bilanz, count, csv, fixture, importAsOwner, MISSING_STATUS_ROWS } from './helpers.ts';

const where = (bericht: { fehler: { datei: string; zeile?: number; text: string }[] }) =>
  bericht.fehler.map((f) => [path.basename(f.datei), f.zeile, f.text]);

async function xlsx(name: string, rows: unknown[][]): Promise<ImportFile> {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Tabelle1').addRows(rows);
  return { name, content: new Uint8Array(await workbook.xlsx.writeBuffer()) };
}

const OZG_HEADER = 'ozg_id,name,lage_id,themenfeld_id,leika_anzahl,leika_typen';

describeEachDatabase('Katalogimport: fehlerhafte Zeilen', ({ db }) => {
  it('reports every invalid row with file and line, and applies nothing', async () => {
    const bericht = await importAsOwner(db(), await fixture('fehlerhaft'), { apply: true });
    expect(bericht.angewendet).toBe(false);
    expect(where(bericht)).toEqual([
      ['gemeinden.csv', 3, 'Der AGS „5158024“ ist ungültig: 8 Ziffern, in NRW beginnend mit 05 (z. B. 05315000).'],
      ['gemeinden.csv', 4, 'Der AGS „06411000“ ist ungültig: 8 Ziffern, in NRW beginnend mit 05 (z. B. 05315000).'],
      ['kreise.csv', 2, expect.stringContaining('nicht UTF-8-kodiert')],
      ['ozg_leistungen.csv', 3, 'Die OZG-ID „9999“ ist ungültig: erwartet eine ganze Zahl von 10000 bis 10601.'],
      ['ozg_leistungen.csv', 4, 'Unbekanntes Themenfeld 99.'],
      ['ozg_leistungen.csv', 5, 'Die Zeile hat 4 Spalten, die Kopfzeile 6.'],
      ['ozg_leistungen.csv', 6, 'Doppelt: OZG-ID „10177“ steht schon in Zeile 2.'],
    ]);
    // the valid rows of the same files are not applied either
    expect(await count(db(), 'select 1 from public.lage')).toBe(0);
    expect(await count(db(), `select 1 from public.kommune where ags = '05158024' and name = 'Mettmann, Stadt'`)).toBe(1);
  });

  it('reports duplicate LeiKa keys, broken quoting and files of no catalogue layout', async () => {
    const bericht = await importAsOwner(
      db(),
      [
        csv(
          'leika.csv',
          'leika_schluessel,name,ozg_id,leika_typ,rechtsgrundlage\n' +
            '99112001000000,Reisepass,10177,2/3,\n' +
            'nicht im LeiKa,Reisepass Verlust,10177,2/3,\n' +
            '99112001000000,Reisepass noch einmal,10177,2/3,\n',
        ),
        csv('lagen.csv', 'id,themenfeld_id,name\n1,9,"Reisen\n2,9,Mobilität\n'),
        csv('ansprechpersonen.csv', 'name,telefon\nKDN,0221 123\n'),
        csv('kreise.csv', 'kreisschluessel;name;typ;regierungsbezirk\n05315;Köln;kreisfreie-stadt;Köln\n'),
      ],
      { apply: true },
    );
    expect(where(bericht)).toEqual([
      ['ansprechpersonen.csv', 1, expect.stringContaining('Die Kopfzeile (name, telefon) gehört zu keiner Katalogtabelle.')],
      ['kreise.csv', 1, expect.stringMatching(/^Die Kopfzeile passt nicht zu Kreise: .* Semikolon/)],
      ['lagen.csv', 3, 'Die Datei ist kein gültiges CSV: Ein Anführungszeichen wird bis zum Dateiende nicht geschlossen.'],
      ['leika.csv', 4, 'Doppelt: LeiKa-Schlüssel „99112001000000“ steht schon in Zeile 2.'],
    ]);
    expect(await count(db(), 'select 1 from public.leika_leistung')).toBe(0);
  });

  it('refuses two files of the same table', async () => {
    const lagen = 'id,themenfeld_id,name\n41,9,Reisen\n';
    const bericht = await importAsOwner(db(), [csv('a/lagen.csv', lagen), csv('b/lagen.csv', lagen)]);
    expect(bericht.fehler).toEqual([{ datei: 'b/lagen.csv', text: expect.stringContaining('in mehreren Dateien vor (a/lagen.csv, b/lagen.csv)') }]);
  });

  it('reads xlsx: first sheet, header in any order, codes typed as numbers, row numbers in errors', async () => {
    const gemeinden = await xlsx('gemeinden.xlsx', [
      ['name', 'ags', 'kreisschluessel', 'kreis', 'typ'],
      ['Köln, Stadt', 5315000, 5315, 'Köln, Stadt', 'kreisfreie-stadt'],
      [],
      ['Erkrath, Fundort des Neanderthalers, Stadt', '05158004', '05158', 'Mettmann', 'kreisangehoerige-gemeinde'],
      ['Irgendwo', '0515', '05158', 'Mettmann', 'kreisangehoerige-gemeinde'],
      ['Hilden, Stadt', '05158016', '05158', 'Mettmann', 'kreisangehoerige-gemeinde', 'zu viel'],
    ]);
    const bericht = await importAsOwner(db(), [gemeinden]);
    expect(where(bericht)).toEqual([
      ['gemeinden.xlsx', 5, expect.stringContaining('Der AGS „0515“ ist ungültig')],
      ['gemeinden.xlsx', 6, 'Die Zeile hat 6 Spalten, die Kopfzeile 5.'],
    ]);
    // Erkrath new, Köln unchanged, the seed's other 11 Kommunen missing
    expect(bilanz(bericht).kommune).toEqual([1, 0, 1, 11]);
  });
});

describeEachDatabase('Katalogimport: fehlende Zeilen', ({ db }) => {
  const hidden = (table: string) => count(db(), `select 1 from public.${table} where ausgeblendet`);

  it('reports rows missing from the files and hides nothing without the flag', async () => {
    const bericht = await importAsOwner(db(), await fixture('klein'), { apply: true });
    expect(bericht.fehler).toEqual([]);
    // the seed's 45 Leistungen with OZG-ID, 10 Kreise and 12 Kommunen against the fixture's few
    expect(bilanz(bericht)).toEqual({
      lage: [2, 0, 0, 0],
      ozg_leistung: [0, 4, 0, 41],
      leika_leistung: [7, 0, 0, 0],
      kreis: [0, 0, 2, 8],
      kommune: [2, 1, 1, 10],
    });
    expect(bericht.fehlend).toContainEqual({ tabelle: 'ozg_leistung', schluessel: '10169', name: 'Führerschein', schonAusgeblendet: false });
    expect(await hidden('ozg_leistung')).toBe(0);
    expect(await hidden('kommune')).toBe(0);
  });

  it('hides missing OZG-Leistungen and Kommunen with the flag, and deletes nothing', async () => {
    const statusRows = await count(db(), 'select 1 from public.kommune_status');
    const bericht = await importAsOwner(db(), await fixture('klein'), { apply: true, hideMissing: true });
    expect(bericht.tabellen.map((t) => [t.tabelle, t.ausgeblendet])).toEqual([
      ['lage', 0],
      ['ozg_leistung', 41],
      ['leika_leistung', 0],
      ['kreis', 0],
      ['kommune', 10],
    ]);
    expect(await hidden('ozg_leistung')).toBe(41);
    expect(await hidden('kommune')).toBe(10);
    expect(await count(db(), 'select 1 from public.ozg_leistung')).toBe(46);
    expect(await count(db(), 'select 1 from public.kommune')).toBe(14);
    expect(await count(db(), 'select 1 from public.kommune_status')).toBe(statusRows);

    const again = await importAsOwner(db(), await fixture('klein'), { hideMissing: true });
    const hideable = again.fehlend.filter((f) => f.tabelle !== 'kreis');
    // 41 OZG-Leistungen and 10 Kommunen
    expect(hideable).toHaveLength(51);
    expect(hideable.every((f) => f.schonAusgeblendet)).toBe(true);
  });

  it('shows a hidden row again when a file lists it', async () => {
    const bericht = await importAsOwner(db(), [csv('ozg.csv', `${OZG_HEADER}\n10169,Führerschein,,9,58,1 2/3 4\n`)], { apply: true });
    expect(bericht.geaendert).toContainEqual(expect.objectContaining({ schluessel: '10169', spalten: expect.arrayContaining(['ausgeblendet']) }));
    expect(await count(db(), 'select 1 from public.ozg_leistung where ozg_id = 10169 and not ausgeblendet')).toBe(1);
  });
});

describeEachDatabase('Katalogimport: kommunaler Vollzug', ({ db }) => {
  const vollzug = async () =>
    Object.fromEntries(
      (
        await db().query<{ ozg_id: number; kommunaler_vollzug: boolean }>(
          'select ozg_id, kommunaler_vollzug from public.ozg_leistung where ozg_id in (10177, 10433) order by ozg_id',
        )
      ).map((r) => [r.ozg_id, r.kommunaler_vollzug]),
    );

  it('derives it from the LeiKa types of the bundle', async () => {
    const bericht = await importAsOwner(db(), await fixture('klein'), { apply: true });
    // 10433 has only type 1 (Bund regelt und vollzieht); the seed had it as municipal
    expect(bericht.kommunalerVollzug).toEqual({ kommunal: 3, wirdKommunal: 0, nichtMehrKommunal: 1, manuell: 0 });
    expect(await vollzug()).toEqual({ 10177: true, 10433: false });
  });

  it('keeps a manual decision, at once and through every re-import', async () => {
    await db().query(`update public.ozg_leistung set kommunaler_vollzug_manuell = (ozg_id = 10433) where ozg_id in (10177, 10433)`);
    expect(await vollzug()).toEqual({ 10177: false, 10433: true });
    expect(await count(db(), MISSING_STATUS_ROWS)).toBe(0);

    const bericht = await importAsOwner(db(), await fixture('klein'), { apply: true });
    expect(bilanz(bericht).ozg_leistung).toEqual([0, 0, 4, 41]);
    expect(bericht.kommunalerVollzug).toEqual({ kommunal: 3, wirdKommunal: 0, nichtMehrKommunal: 0, manuell: 2 });
    expect(await vollzug()).toEqual({ 10177: false, 10433: true });
  });
});

describeEachDatabase('Katalogimport: KDN-Kommunenliste allein', ({ db }) => {
  it('only adds addresses to the Kommunen already there and reports the rest', async () => {
    const files = (await fixture('klein')).filter((f) => f.name.endsWith('kommunen_kdn.csv'));
    const bericht = await importAsOwner(db(), files, { apply: true });
    expect(bilanz(bericht)).toEqual({ kommune: [0, 1, 0, 0] });
    expect(bericht.kommunenabgleich).toMatchObject({ exakt: 1, ohneZusatz: 0, aehnlich: [] });
    expect(bericht.kommunenabgleich!.nichtZugeordnet.map((n) => n.kdn)).toEqual(['Erkrath', 'Hildn', 'Kleinkleckersdorf']);
    expect(await db().query(`select url from public.kommune where ags = '05315000'`)).toEqual([{ url: 'https://www.stadt-koeln.de' }]);
  });
});

describeEachDatabase('Katalogimport: IT-Dienstleister', ({ db }) => {
  const HEADER = 'name,ort,url';
  const dienstleister = () =>
    db().query<{ name: string; ort: string; url: string | null }>('select name, ort, url from public.it_dienstleister order by name, ort');

  it('tells two providers of one name apart by their Ort, adds https:// and updates the seed’s provider in place, dry run first', async () => {
    const file = csv(
      'it_dienstleister.csv',
      `${HEADER}\nSüdwestfalen-IT,Hemer,citkomm.de\nSüdwestfalen-IT,Siegen,kdz-ws.net\nKreis Mettmann,Mettmann,https://www.kreis-mettmann.de\n`,
    );
    const probe = await importAsOwner(db(), [file]);
    expect([probe.angewendet, bilanz(probe)]).toEqual([false, { it_dienstleister: [2, 1, 0, 0] }]);
    expect(await dienstleister()).toEqual([{ name: 'Kreis Mettmann', ort: 'Mettmann', url: 'https://jkreis-mettmann.de' }]);

    const applied = await importAsOwner(db(), [file], { apply: true });
    expect(applied.geaendert).toEqual([{ tabelle: 'it_dienstleister', schluessel: 'Kreis Mettmann, Mettmann', name: 'Kreis Mettmann', spalten: ['url'] }]);
    expect(await dienstleister()).toEqual([
      { name: 'Kreis Mettmann', ort: 'Mettmann', url: 'https://www.kreis-mettmann.de' },
      { name: 'Südwestfalen-IT', ort: 'Hemer', url: 'https://citkomm.de' },
      { name: 'Südwestfalen-IT', ort: 'Siegen', url: 'https://kdz-ws.net' },
    ]);
    // the seed's assignments stay with the provider, whose id the upsert kept
    expect(await count(db(), `select 1 from public.kommune_dienstleister z join public.it_dienstleister d on d.id = z.dienstleister_id where d.name = 'Kreis Mettmann'`)).toBe(2);
  });

  it('refuses a provider listed twice with the same Ort, and keeps a missing one', async () => {
    const bericht = await importAsOwner(db(), [csv('it_dienstleister.csv', `${HEADER}\nKDN,Köln,kdn.de\nKDN,Köln,kdn.de\n`)], { apply: true });
    expect(where(bericht)).toEqual([['it_dienstleister.csv', 3, 'Doppelt: Name und Ort „KDN, Köln“ steht schon in Zeile 2.']]);
    expect(bericht.angewendet).toBe(false);
    const ohne = await importAsOwner(db(), [csv('it_dienstleister.csv', `${HEADER}\nKDN,Köln,kdn.de\n`)], { apply: true });
    expect(ohne.fehlend.map((f) => f.schluessel)).toContain('Kreis Mettmann, Mettmann');
    expect(await count(db(), `select 1 from public.it_dienstleister where name = 'Kreis Mettmann'`)).toBe(1);
  });
});
