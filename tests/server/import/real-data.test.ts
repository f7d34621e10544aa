import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImportBericht } from '../../../server/import/catalogue.ts';
import type { ImportFile } from '../../../server/import/files.ts';
import { collectImportFiles } from '../../../server/import/folder.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { bilanz, count, importAsOwner, MISSING_STATUS_ROWS, SHARED_DATA, SHARED_DATA_PRESENT } from './helpers.ts';

const SKIPPED = `übersprungen: ${SHARED_DATA} fehlt (Referenzdaten, siehe ../shared/data/README.md)`;
if (!SHARED_DATA_PRESENT) console.warn(`Katalogimport mit den echten Daten ${SKIPPED}.`);

/** Rows per file, as ../shared/data/README.md counts them. */
const FILE_ROWS = { themenfeld: 14, lage: 55, ozg_leistung: 557, leika_leistung: 5251, kreis: 53, kommune: 396, it_dienstleister: 32 };

const TABLE_ROWS = `select
  (select count(*) from public.themenfeld)::int as themenfeld,
  (select count(*) from public.lage)::int as lage,
  (select count(*) from public.ozg_leistung where ozg_id is not null)::int as ozg_leistung,
  (select count(*) from public.leika_leistung)::int as leika_leistung,
  (select count(*) from public.kreis)::int as kreis,
  (select count(*) from public.kommune)::int as kommune,
  (select count(*) from public.it_dienstleister)::int as it_dienstleister,
  (select count(*) from public.kommune_status)::int as kommune_status`;

describe.skipIf(!SHARED_DATA_PRESENT)(`Katalogimport mit den echten Daten${SHARED_DATA_PRESENT ? '' : ` (${SKIPPED})`}`, () => {
  describeEachDatabase('Katalog', ({ db, kind }) => {
    let files: ImportFile[];
    let dryRun: ImportBericht;
    let applied: ImportBericht;
    let statusBefore: number;
    const tables = async () => (await db().query<Record<string, number>>(TABLE_ROWS))[0]!;

    it('reads the folders like npm run import, skipping files of no catalogue layout', async () => {
      files = await collectImportFiles([path.join(SHARED_DATA, 'ozg-katalog-nrw'), path.join(SHARED_DATA, 'gemeinden-nrw')]);
      dryRun = await importAsOwner(db(), files);
      expect(dryRun.fehler).toEqual([]);
      expect(dryRun.dateien.map((d) => [d.layout, d.zeilen]).sort()).toEqual(
        [
          ['gemeinden', 396],
          ['it_dienstleister', 32],
          ['kommunen_kdn', 390],
          ['kreise', 53],
          ['lagen', 55],
          ['leika_leistungen', 5251],
          ['ozg_leistungen', 557],
          ['themenfelder', 14],
        ].sort(),
      );
    });

    it('dry run: every row of every file is new, changed or unchanged, and nothing is written', async () => {
      const before = await tables();
      expect(dryRun.angewendet).toBe(false);
      for (const t of dryRun.tabellen) expect(t.neu + t.geaendert + t.unveraendert, t.tabelle).toBe(FILE_ROWS[t.tabelle]);
      // the seed has the 14 Themenfelder, 10 Kreise and 12 Kommunen with their official names, and
      // the provider Kreis Mettmann with the address as KDN lists it
      expect(bilanz(dryRun)).toMatchObject({
        themenfeld: [0, 0, 14, 0],
        lage: [55, 0, 0, 0],
        leika_leistung: [5251, 0, 0, 0],
        kreis: [43, 0, 10, 0],
        it_dienstleister: [31, 0, 1, 0],
      });
      expect(dryRun.kommunalerVollzug?.kommunal).toBe(460);
      expect(await tables()).toEqual(before);
      // KDN's own oddities are reported, not refused
      expect(dryRun.hinweise.map((h) => h.text)).toEqual(
        expect.arrayContaining([expect.stringContaining('„3233“ hat nicht 14 Ziffern'), expect.stringContaining('LeiKa-Typ „44“')]),
      );
    });

    it('applies in one transaction: the tables hold exactly the files, with a status row per Kommune and municipal Leistung', async () => {
      statusBefore = (await tables()).kommune_status!;
      const started = Date.now();
      applied = await importAsOwner(db(), files, { apply: true });
      console.log(`Katalogimport [${kind}]: Übernehmen ${Date.now() - started} ms, ${applied.kommuneStatusNeu} kommune_status-Zeilen`);
      expect(applied.angewendet).toBe(true);
      expect(bilanz(applied)).toEqual(bilanz(dryRun));
      const after = await tables();
      expect(after).toMatchObject(FILE_ROWS);
      expect(await count(db(), MISSING_STATUS_ROWS)).toBe(0);
      expect(after.kommune_status! - statusBefore).toBe(applied.kommuneStatusNeu);
      expect(applied.kommuneStatusNeu).toBe(dryRun.kommuneStatusNeu);
      const [{ kommunal }] = (await db().query<{ kommunal: number }>(
        'select count(*)::int as kommunal from public.ozg_leistung where ozg_id is not null and kommunaler_vollzug',
      )) as [{ kommunal: number }];
      expect(kommunal).toBe(460);
    }, 180_000);

    it('keeps LeiKa rows without key apart, even the one KDN lists twice', async () => {
      expect(await count(db(), `select 1 from public.leika_leistung where leika_schluessel = 'nicht im LeiKa'`)).toBe(436);
      const [row] = await db().query<{ leika_typ: string | null; ozg_id: number }>(
        `select k.leika_typ, l.ozg_id from public.leika_leistung k join public.ozg_leistung l on l.id = k.ozg_leistung_id
         where k.leika_schluessel = '99022001000000'`,
      );
      expect(row).toEqual({ leika_typ: '1, 2', ozg_id: 10056 });
    });

    it('a second apply changes nothing', async () => {
      const versions = `select (select sum(version) from public.ozg_leistung)::int as l, (select sum(version) from public.kommune)::int as k`;
      const before = await db().query(versions);
      const again = await importAsOwner(db(), files, { apply: true });
      for (const t of again.tabellen) expect([t.tabelle, t.neu, t.geaendert, t.fehlend]).toEqual([t.tabelle, 0, 0, 0]);
      expect(again.kommuneStatusNeu).toBe(0);
      expect(await db().query(versions)).toEqual(before);
    }, 120_000);

    it('reconciles KDN’s hand-typed list: typos matched and reported, the rest left unmatched', async () => {
      const abgleich = applied.kommunenabgleich!;
      expect(abgleich.eintraege).toBe(390);
      expect(abgleich.aehnlich).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kdn: 'Kalll', kommune: 'Kall', ags: '05366024', abstand: 1 }),
          expect.objectContaining({ kdn: 'Sank Ausgustin', kommune: 'Sankt Augustin, Stadt', ags: '05382056', abstand: 2 }),
          expect.objectContaining({ kdn: 'Lüdge', kommune: 'Lügde, Stadt der Osterräder' }),
        ]),
      );
      // Helbra (Sachsen-Anhalt) and the Bavarian Langenbach and Markt Lichtenau are no NRW municipalities
      expect(abgleich.nichtZugeordnet.map((n) => n.kdn)).toEqual(expect.arrayContaining(['Helbra', 'Langenbach', 'Markt Lichtenau']));
      expect(abgleich.exakt + abgleich.ohneZusatz + abgleich.aehnlich.length + abgleich.nichtZugeordnet.length).toBe(390);
      expect(await db().query('select ags, url from public.kommune where ags in ($1, $2) order by ags', ['05366024', '05754020'])).toEqual([
        { ags: '05366024', url: 'https://kall.de' },
        // "Herzebrock" is too far from Herzebrock-Clarholz to be guessed
        { ags: '05754020', url: null },
      ]);
      expect(await count(db(), `select 1 from public.kommune where url like '%helbra%'`)).toBe(0);
    });
  });
});
