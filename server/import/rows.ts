import { URL_PATTERN } from '../../core/rules.ts';
import type { FileRow, Meldung, ReadFile } from './files.ts';
import type { LayoutName } from './layouts.ts';

/** The LeiKa types in KDN's data, in the order they are stored. */
export const LEIKA_TYPEN = ['1', '2', '2/3', '4', '5', '6'] as const;
/** A bundle with any of these types may be executed by the municipalities (kommunaler Vollzug). */
export const KOMMUNALE_LEIKA_TYPEN: readonly string[] = ['2/3', '4', '5'];

export const OZG_ID = { min: 10000, max: 10601 } as const;
export const NICHT_IM_LEIKA = 'nicht im LeiKa';
export const isLeikaKey = (key: string) => /^\d{14}$/.test(key);

export interface Herkunft {
  datei: string;
  zeile: number;
}

export interface Themenfeld extends Herkunft {
  id: number;
  name: string;
}
export interface Lage extends Herkunft {
  id: number;
  themenfeld_id: number;
  name: string;
}
export interface OzgLeistung extends Herkunft {
  ozg_id: number;
  name: string;
  lage_id: number | null;
  themenfeld_id: number;
  leika_anzahl: number | null;
  leika_typen: string[];
  /** The file's decision on kommunaler Vollzug; null: derive from the LeiKa types; undefined: keep the database's. */
  kommunaler_vollzug?: boolean | null;
}
export interface LeikaLeistung extends Herkunft {
  leika_schluessel: string;
  name: string;
  ozg_id: number | null;
  leika_typ: string | null;
  rechtsgrundlage: string | null;
}
export interface Kreis extends Herkunft {
  kreisschluessel: string;
  name: string;
  typ: 'Kreis' | 'kreisfreie Stadt';
  regierungsbezirk: string | null;
}
export interface Kommune extends Herkunft {
  ags: string;
  name: string;
  typ: 'kreisfreie Stadt' | 'kreisangehörige Gemeinde';
}
export interface KdnKommune extends Herkunft {
  name: string;
  url: string | null;
}
export interface ItDienstleister extends Herkunft {
  name: string;
  ort: string;
  url: string | null;
}

/** The valid rows of each file given; a table whose file was not given stays undefined. */
export interface CatalogueInput {
  themenfelder?: Themenfeld[];
  lagen?: Lage[];
  leistungen?: OzgLeistung[];
  leika?: LeikaLeistung[];
  kreise?: Kreis[];
  kommunen?: Kommune[];
  kdn?: KdnKommune[];
  dienstleister?: ItDienstleister[];
}

/** Checks one line's cells, collecting what is wrong instead of stopping at the first problem. */
class Line {
  ok = true;
  constructor(
    private readonly row: FileRow,
    private readonly datei: string,
    private readonly fehler: Meldung[],
    private readonly hinweise: Meldung[],
  ) {}

  get herkunft(): Herkunft {
    return { datei: this.datei, zeile: this.row.zeile };
  }

  error(text: string) {
    this.ok = false;
    this.fehler.push({ ...this.herkunft, text });
  }

  note(text: string) {
    this.hinweise.push({ ...this.herkunft, text });
  }

  raw(column: string): string {
    return this.row.werte[column] ?? '';
  }

  text(column: string, label: string, max: number): string {
    const value = this.raw(column);
    if (!value) this.error(`${label} fehlt.`);
    else if (value.length > max) this.error(`${label} ist länger als ${max} Zeichen.`);
    return value;
  }

  optionalText(column: string, label: string, max: number): string | null {
    const value = this.raw(column);
    if (value.length > max) this.error(`${label} ist länger als ${max} Zeichen.`);
    return value || null;
  }

  integer(column: string, label: string, range: { min: number; max: number }, optional = false): number | null {
    const value = this.raw(column);
    if (!value) {
      if (!optional) this.error(`${label} fehlt.`);
      return null;
    }
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= range.min && n <= range.max)) {
      this.error(`${label} „${value}“ ist ungültig: erwartet eine ganze Zahl von ${range.min} bis ${range.max}.`);
      return null;
    }
    return n;
  }

  ozgId(column: string, optional = false): number | null {
    return this.integer(column, 'Die OZG-ID', OZG_ID, optional);
  }

  /** LeiKa types, separated by spaces or commas; unknown ones are reported and left out. */
  leikaTypen(column: string): string[] {
    const tokens = this.raw(column).split(/[\s,]+/).filter(Boolean);
    for (const token of tokens) {
      if (!(LEIKA_TYPEN as readonly string[]).includes(token)) {
        this.note(`Unbekannter LeiKa-Typ „${token}“ (bekannt: ${LEIKA_TYPEN.join(', ')}); er wird ausgelassen.`);
      }
    }
    return LEIKA_TYPEN.filter((t) => tokens.includes(t));
  }

  /** ja or nein set kommunaler Vollzug by hand, abgeleitet returns it to the LeiKa types, empty keeps it. */
  vollzug(column: string): { kommunaler_vollzug?: boolean | null } {
    const value = this.raw(column).toLowerCase();
    if (!value) return {};
    if (value in VOLLZUG) return { kommunaler_vollzug: VOLLZUG[value as keyof typeof VOLLZUG] };
    this.error(`Kommunaler Vollzug „${this.raw(column)}“ ist unbekannt; erlaubt: ja, nein, abgeleitet (aus den LeiKa-Typen) oder leer (bleibt, wie er ist).`);
    return {};
  }

  oneOf<T extends string>(column: string, label: string, values: { [given: string]: T }): T {
    const value = this.raw(column);
    const found = values[value.toLowerCase()];
    if (!found) this.error(`${label} „${value}“ ist unbekannt; erlaubt: ${[...new Set(Object.values(values))].join(', ')}.`);
    return found!;
  }
}

const VOLLZUG = { ja: true, nein: false, abgeleitet: null } as const;

const KREIS_TYP = { kreis: 'Kreis', 'kreisfreie-stadt': 'kreisfreie Stadt', 'kreisfreie stadt': 'kreisfreie Stadt' } as const;
const KOMMUNE_TYP = {
  'kreisfreie-stadt': 'kreisfreie Stadt',
  'kreisfreie stadt': 'kreisfreie Stadt',
  'kreisangehoerige-gemeinde': 'kreisangehörige Gemeinde',
  'kreisangehörige gemeinde': 'kreisangehörige Gemeinde',
} as const;

/** KDN's list gives most addresses without scheme ("ahaus.de"); browsers open those with https. */
export function normaliseUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url : `https://${url}`;
}

/** The url column as a web address with scheme; a malformed one is reported and left out, not refused. */
function webAddress(line: Line): string | null {
  const given = line.optionalText('url', 'Die Adresse', 2000);
  const url = given && normaliseUrl(given);
  if (url && !URL_PATTERN.test(url)) line.note(`Die Adresse „${given}“ ist keine gültige Web-Adresse; sie wird nicht übernommen.`);
  return url && URL_PATTERN.test(url) ? url : null;
}

type Parsers = { [L in LayoutName]: (line: Line) => Omit<NonNullable<CatalogueInput[KeyOf<L>]>[number], keyof Herkunft> };
type KeyOf<L extends LayoutName> = (typeof TARGET)[L];

const TARGET = {
  themenfelder: 'themenfelder',
  lagen: 'lagen',
  ozg_leistungen: 'leistungen',
  leika_leistungen: 'leika',
  kreise: 'kreise',
  gemeinden: 'kommunen',
  kommunen_kdn: 'kdn',
  it_dienstleister: 'dienstleister',
} as const satisfies { [L in LayoutName]: keyof CatalogueInput };

const PARSERS: Parsers = {
  themenfelder: (line) => ({
    id: line.integer('id', 'Die Themenfeld-ID', { min: 1, max: 32767 })!,
    name: line.text('name', 'Der Name', 200),
  }),
  lagen: (line) => ({
    id: line.integer('id', 'Die Lage-ID', { min: 1, max: 2147483647 })!,
    themenfeld_id: line.integer('themenfeld_id', 'Die Themenfeld-ID', { min: 1, max: 32767 })!,
    name: line.text('name', 'Der Name', 300),
  }),
  ozg_leistungen: (line) => ({
    ozg_id: line.ozgId('ozg_id')!,
    name: line.text('name', 'Der Name', 500),
    lage_id: line.integer('lage_id', 'Die Lage-ID', { min: 1, max: 2147483647 }, true),
    themenfeld_id: line.integer('themenfeld_id', 'Die Themenfeld-ID', { min: 1, max: 32767 })!,
    leika_anzahl: line.integer('leika_anzahl', 'Die LeiKa-Anzahl', { min: 0, max: 1_000_000 }, true),
    leika_typen: line.leikaTypen('leika_typen'),
    ...line.vollzug('kommunaler_vollzug'),
  }),
  leika_leistungen: (line) => {
    const leika_schluessel = line.text('leika_schluessel', 'Der LeiKa-Schlüssel', 100);
    if (leika_schluessel && !isLeikaKey(leika_schluessel) && leika_schluessel !== NICHT_IM_LEIKA) {
      line.note(
        `Der LeiKa-Schlüssel „${leika_schluessel}“ hat nicht 14 Ziffern; die Zeile wird wie „${NICHT_IM_LEIKA}“ über OZG-ID und Namen abgeglichen.`,
      );
    }
    const typen = line.leikaTypen('leika_typ');
    return {
      leika_schluessel,
      name: line.text('name', 'Der Name', 500),
      ozg_id: line.ozgId('ozg_id', true),
      leika_typ: typen.length ? typen.join(', ') : null,
      rechtsgrundlage: line.optionalText('rechtsgrundlage', 'Die Rechtsgrundlage', 4000),
    };
  },
  kreise: (line) => {
    const kreisschluessel = line.raw('kreisschluessel');
    if (!/^05\d{3}$/.test(kreisschluessel)) {
      line.error(`Der Kreisschlüssel „${kreisschluessel}“ ist ungültig: 5 Ziffern, in NRW beginnend mit 05.`);
    }
    return {
      kreisschluessel,
      name: line.text('name', 'Der Name', 200),
      typ: line.oneOf('typ', 'Der Typ', KREIS_TYP),
      regierungsbezirk: line.optionalText('regierungsbezirk', 'Der Regierungsbezirk', 200),
    };
  },
  gemeinden: (line) => {
    const ags = line.raw('ags');
    if (!/^05\d{6}$/.test(ags)) {
      line.error(`Der AGS „${ags}“ ist ungültig: 8 Ziffern, in NRW beginnend mit 05 (z. B. 05315000).`);
    } else if (line.raw('kreisschluessel') !== ags.slice(0, 5)) {
      line.error(`Der Kreisschlüssel „${line.raw('kreisschluessel')}“ passt nicht zum AGS ${ags} (erwartet ${ags.slice(0, 5)}).`);
    }
    return { ags, name: line.text('name', 'Der Name', 200), typ: line.oneOf('typ', 'Der Typ', KOMMUNE_TYP) };
  },
  kommunen_kdn: (line) => ({ name: line.text('name', 'Der Name', 200), url: webAddress(line) }),
  it_dienstleister: (line) => ({ name: line.text('name', 'Der Name', 200), ort: line.text('ort', 'Der Ort', 200), url: webAddress(line) }),
};

/** Natural keys that must be unique within a file, with the words to report a duplicate. */
const UNIQUE: { [L in LayoutName]?: { label: string; key: (row: { [column: string]: unknown }) => string | undefined }[] } = {
  themenfelder: [
    { label: 'Themenfeld-ID', key: (r) => String(r.id) },
    { label: 'Name', key: (r) => String(r.name) },
  ],
  lagen: [{ label: 'Lage-ID', key: (r) => String(r.id) }],
  ozg_leistungen: [{ label: 'OZG-ID', key: (r) => String(r.ozg_id) }],
  leika_leistungen: [
    { label: 'LeiKa-Schlüssel', key: (r) => (isLeikaKey(String(r.leika_schluessel)) ? String(r.leika_schluessel) : undefined) },
  ],
  kreise: [{ label: 'Kreisschlüssel', key: (r) => String(r.kreisschluessel) }],
  gemeinden: [{ label: 'AGS', key: (r) => String(r.ags) }],
  // KDN lists two providers named Südwestfalen-IT, in Hemer and in Siegen.
  it_dienstleister: [{ label: 'Name und Ort', key: (r) => `${String(r.name)}, ${String(r.ort)}` }],
};

export function validateRows(files: ReadFile[], fehler: Meldung[], hinweise: Meldung[]): CatalogueInput {
  const input: CatalogueInput = {};
  for (const file of files) {
    const valid: { [column: string]: unknown }[] = [];
    const seen = new Map<string, number>();
    for (const row of file.rows) {
      const line = new Line(row, file.datei, fehler, hinweise);
      const parsed: { [column: string]: unknown } = { ...PARSERS[file.layout](line), ...line.herkunft };
      if (file.layout === 'leika_leistungen' && line.ok && !isLeikaKey(String(parsed.leika_schluessel))) {
        const identity = JSON.stringify([parsed.leika_schluessel, parsed.ozg_id, parsed.name]);
        const first = seen.get(identity);
        if (first !== undefined) line.note(`Gleicht Zeile ${first} (ohne LeiKa-Schlüssel, gleiche OZG-ID und gleicher Name); beide werden übernommen.`);
        else seen.set(identity, row.zeile);
      }
      for (const unique of UNIQUE[file.layout] ?? []) {
        const key = unique.key(parsed);
        if (key === undefined || !line.ok) continue;
        const first = seen.get(`${unique.label}:${key}`);
        if (first !== undefined) line.error(`Doppelt: ${unique.label} „${key}“ steht schon in Zeile ${first}.`);
        else seen.set(`${unique.label}:${key}`, row.zeile);
      }
      if (line.ok) valid.push(parsed);
    }
    (input as { [table: string]: unknown })[TARGET[file.layout]] = valid;
  }
  return input;
}
