import { describe, expect, it } from 'vitest';
import { coreName, editDistance, normaliseName, reconcileKommunen, type AmtlicheKommune } from '../../../server/import/reconcile.ts';
import type { KdnKommune } from '../../../server/import/rows.ts';

const kdn = (...names: string[]): KdnKommune[] =>
  names.map((name, i) => ({ datei: 'kommunen_kdn.csv', zeile: i + 2, name, url: `https://${i}.example` }));
const amtlich = (...names: string[]): AmtlicheKommune[] =>
  names.map((name, i) => ({ ags: `05${String(i).padStart(6, '0')}`, name }));

describe('KDN-Kommunenliste gegen das Gemeindeverzeichnis', () => {
  it('normalises case, umlauts, ß, punctuation and the ", Stadt" of official names', () => {
    expect(normaliseName('Köln, Stadt')).toBe('koeln');
    expect(normaliseName('Nachrodt-Wiblingwerde')).toBe('nachrodt wiblingwerde');
    expect(normaliseName('  Großenbrück ')).toBe('grossenbrueck');
  });

  it('drops the official additions people leave out', () => {
    expect(coreName('Halle (Westf.), Stadt')).toBe('halle');
    expect(coreName('Mülheim an der Ruhr, Stadt')).toBe('muelheim');
    expect(coreName('Monheim am Rhein, Stadt')).toBe('monheim');
    expect(coreName('Fröndenberg/Ruhr, Stadt')).toBe('froendenberg');
    expect(coreName('Erkrath, Fundort des Neanderthalers, Stadt')).toBe('erkrath');
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('luedge', 'luegde')).toBe(1);
    expect(editDistance('kalll', 'kall')).toBe(1);
    expect(editDistance('sank ausgustin', 'sankt augustin')).toBe(2);
  });

  it('matches exactly, then without additions, then a unique close name, and reports the rest', () => {
    const result = reconcileKommunen(
      kdn('Köln', 'Halle', 'Kalll', 'Helbra'),
      amtlich('Köln, Stadt', 'Halle (Westf.), Stadt', 'Kall', 'Hemer, Stadt'),
    );
    expect(result.zugeordnet.map((z) => [z.kdn.name, z.kommune.name, z.art, z.abstand])).toEqual([
      ['Köln', 'Köln, Stadt', 'exakt', 0],
      ['Halle', 'Halle (Westf.), Stadt', 'ohne Zusatz', 0],
      ['Kalll', 'Kall', 'ähnlich', 1],
    ]);
    expect(result.nichtZugeordnet).toEqual([{ kdn: expect.objectContaining({ name: 'Helbra', zeile: 5 }), grund: expect.stringContaining('kein ähnlicher Name') }]);
    expect(result.ohneEintrag.map((k) => k.name)).toEqual(['Hemer, Stadt']);
  });

  it('guesses nothing when several names are equally close', () => {
    const result = reconcileKommunen(kdn('Menden'), amtlich('Minden, Stadt', 'Senden', 'Wenden'));
    expect(result.zugeordnet).toEqual([]);
    expect(result.nichtZugeordnet[0]!.grund).toMatch(/^nicht eindeutig \(nächste: Minden, Stadt .*, Abstand 1\)$/);
  });

  it('allows only one edit in short names, where two make another town', () => {
    expect(reconcileKommunen(kdn('Ense'), amtlich('Enger, Widukindstadt')).zugeordnet).toEqual([]);
  });

  it('gives each municipality one entry: the better match wins', () => {
    const result = reconcileKommunen(kdn('Kall', 'Kalll'), amtlich('Kall'));
    expect(result.zugeordnet.map((z) => z.kdn.name)).toEqual(['Kall']);
    expect(result.nichtZugeordnet).toEqual([{ kdn: expect.objectContaining({ name: 'Kalll' }), grund: expect.stringContaining('hat schon einen Eintrag („Kall“, Zeile 2)') }]);
  });
});
