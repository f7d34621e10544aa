import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { passendeBereiche, type Bereich } from '../../../addin/src/ui/Katalog.tsx';
import { SHARED_DATA, SHARED_DATA_PRESENT } from '../../server/import/helpers.ts';

const SKIPPED = `übersprungen: ${SHARED_DATA} fehlt (Referenzdaten, siehe ../shared/data/README.md)`;

describe.skipIf(!SHARED_DATA_PRESENT)(`The Kommune search over the real Gemeindeverzeichnis${SHARED_DATA_PRESENT ? '' : ` (${SKIPPED})`}`, () => {
  async function kommunen(): Promise<Bereich[]> {
    const rows: { ags: string; name: string; kreis: string }[] = parse(await readFile(path.join(SHARED_DATA, 'gemeinden-nrw/gemeinden.csv')), {
      columns: true,
    });
    // as the pane names them
    return rows.map((k) => ({ value: k.ags, text: `${k.name} (${k.ags})`, hint: k.kreis }));
  }

  it('lists all 396 Kommunen before anything is typed, not only the first 50', async () => {
    const all = await kommunen();
    expect(all).toHaveLength(396);
    expect(passendeBereiche(all, '')).toHaveLength(396);
    expect(passendeBereiche(all, '   ')).toHaveLength(396);
  });

  it('finds every Kommune by its AGS and by its name, whatever the case', async () => {
    const all = await kommunen();
    for (const kommune of all) {
      expect(passendeBereiche(all, kommune.value).map((b) => b.value)).toEqual([kommune.value]);
      const name = kommune.text.slice(0, kommune.text.lastIndexOf(' ('));
      expect(passendeBereiche(all, name.toUpperCase()).map((b) => b.value)).toContain(kommune.value);
    }
  });

  it('finds a name typed without umlauts or ß', async () => {
    const all = await kommunen();
    expect(passendeBereiche(all, 'Koeln').map((b) => b.text)).toContain('Köln, Stadt (05315000)');
    expect(passendeBereiche(all, 'vettweiss').map((b) => b.text)).toEqual(['Vettweiß (05358060)']);
  });

  it('finds a Kreis’s Kommunen by the first digits of the AGS, more than 50 at once where there are', async () => {
    const all = await kommunen();
    expect(passendeBereiche(all, '05158').map((b) => b.value)).toEqual(all.filter((k) => k.value.startsWith('05158')).map((k) => k.value));
    expect(passendeBereiche(all, 'Stadt').length).toBeGreaterThan(50);
  });
});
