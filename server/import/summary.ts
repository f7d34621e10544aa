import type { Meldung } from './files.ts';
import type { ImportBericht } from './catalogue.ts';

const zahl = (n: number) => n.toLocaleString('de-DE');

/** The text lists at most this many rows per kind (errors: more); the JSON report has them all. */
function liste<T>(items: T[], zeile: (item: T) => string, hoechstens = 20): string[] {
  const lines = items.slice(0, hoechstens).map((item) => `    ${zeile(item)}`);
  if (items.length > hoechstens) lines.push(`    … und ${zahl(items.length - hoechstens)} weitere`);
  return lines;
}

const ort = (m: Meldung) => (m.zeile === undefined ? m.datei : `${m.datei}, Zeile ${m.zeile}`);

function tabelle(bericht: ImportBericht): string[] {
  const kopf = ['Tabelle', 'neu', 'geändert', 'unverändert', 'fehlend'];
  const zeilen = bericht.tabellen.map((t) => [t.titel, zahl(t.neu), zahl(t.geaendert), zahl(t.unveraendert), zahl(t.fehlend)]);
  const breite = kopf.map((k, i) => Math.max(k.length, ...zeilen.map((z) => z[i]!.length)));
  const format = (z: string[]) => `  ${z.map((c, i) => (i === 0 ? c.padEnd(breite[i]!) : c.padStart(breite[i]!))).join('  ')}`;
  return [format(kopf), ...zeilen.map(format)];
}

/** The German summary printed by npm run import and returned by POST /api/admin/import. */
export function summarise(bericht: ImportBericht): string {
  const out: string[] = [];
  if (bericht.fehler.length) {
    out.push(`Katalog-Import: ${zahl(bericht.fehler.length)} Fehler, nichts wurde übernommen.`);
  } else {
    out.push(bericht.angewendet ? 'Katalog-Import: übernommen.' : 'Katalog-Import: Probelauf, nichts wurde geändert.');
  }
  out.push('', 'Dateien:');
  out.push(...bericht.dateien.map((d) => `  ${d.datei}: ${d.titel}, ${zahl(d.zeilen)} Zeilen`));
  if (!bericht.dateien.length) out.push('  keine Katalogdatei erkannt');

  if (bericht.tabellen.length) {
    const titel = bericht.angewendet
      ? 'Änderungen:'
      : bericht.fehler.length
        ? 'Änderungen durch die fehlerfreien Zeilen, sobald die Fehler behoben sind:'
        : 'Änderungen, die ein Import mit Übernehmen machen würde:';
    out.push('', titel, ...tabelle(bericht));
  }
  const vollzug = bericht.kommunalerVollzug;
  if (vollzug) {
    out.push(
      '',
      `Kommunaler Vollzug (aus den LeiKa-Typen 2/3, 4 oder 5, außer wo von Hand festgelegt): ${zahl(vollzug.kommunal)} OZG-Leistungen` +
        `; neu kommunal ${zahl(vollzug.wirdKommunal)}, nicht mehr kommunal ${zahl(vollzug.nichtMehrKommunal)}` +
        (vollzug.nichtMehrKommunal ? ' (ihre Zeilen im Umsetzungsstand bleiben erhalten, ausgeblendet)' : '') +
        `, von Hand abweichend festgelegt ${zahl(vollzug.manuell)}.`,
    );
  }
  if (bericht.tabellen.length) {
    out.push(`Neue Zeilen für den Umsetzungsstand (kommune_status, je Kommune und kommunale OZG-Leistung): ${zahl(bericht.kommuneStatusNeu)}.`);
  }

  if (bericht.geaendert.length) {
    out.push('', 'Geändert:', ...liste(bericht.geaendert, (g) => `${g.tabelle} ${g.schluessel} „${g.name}“: ${g.spalten.join(', ')}`));
  }
  if (bericht.fehlend.length) {
    const ausgeblendet = bericht.tabellen.reduce((n, t) => n + t.ausgeblendet, 0);
    out.push(
      '',
      bericht.angewendet && ausgeblendet
        ? `Fehlend (in der Datenbank, nicht in den Dateien): ${zahl(ausgeblendet)} ausgeblendet, nichts gelöscht.`
        : 'Fehlend (in der Datenbank, nicht in den Dateien; nur gemeldet, ausgeblendet wird erst mit --hide-missing bzw. hideMissing=true):',
      ...liste(bericht.fehlend, (f) => `${f.tabelle} ${f.schluessel} „${f.name}“${f.schonAusgeblendet ? ' (schon ausgeblendet)' : ''}`),
    );
  }

  const abgleich = bericht.kommunenabgleich;
  if (abgleich) {
    out.push(
      '',
      `KDN-Kommunenliste (${abgleich.datei}): ${zahl(abgleich.eintraege)} Einträge; zugeordnet ${zahl(abgleich.exakt)} exakt, ` +
        `${zahl(abgleich.ohneZusatz)} über den Namen ohne Zusatz (z. B. „(Westf.)“, „, Hansestadt“), ` +
        `${zahl(abgleich.aehnlich.length)} ähnlich; ${zahl(abgleich.nichtZugeordnet.length)} nicht zugeordnet.`,
    );
    if (abgleich.aehnlich.length) {
      out.push('  Ähnlich geschrieben, zugeordnet (bitte prüfen):');
      out.push(...liste(abgleich.aehnlich, (a) => `Zeile ${a.zeile}: „${a.kdn}“ → ${a.kommune} (${a.ags}), Abstand ${a.abstand}`));
    }
    if (abgleich.nichtZugeordnet.length) {
      out.push('  Nicht zugeordnet (keine Adresse übernommen):');
      out.push(...liste(abgleich.nichtZugeordnet, (n) => `Zeile ${n.zeile}: „${n.kdn}“: ${n.grund}`));
    }
    if (abgleich.ohneEintrag.length) {
      out.push(`  Kommunen ohne Eintrag in der KDN-Liste (${zahl(abgleich.ohneEintrag.length)}):`);
      out.push(...liste(abgleich.ohneEintrag, (k) => `${k.name} (${k.ags})`));
    }
  }

  if (bericht.hinweise.length) out.push('', 'Hinweise:', ...liste(bericht.hinweise, (h) => `${ort(h)}: ${h.text}`));
  if (bericht.fehler.length) {
    out.push('', 'Fehler (nichts wurde übernommen):', ...liste(bericht.fehler, (f) => `${ort(f)}: ${f.text}`, 200));
  }
  return out.join('\n');
}
