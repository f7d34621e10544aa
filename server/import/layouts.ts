/**
 * The column layouts of the catalogue files, as in KDN's OZG database export and the Destatis
 * Gemeindeverzeichnis (../shared/data). A file is recognised by its header row, in any column order.
 */
export const LAYOUTS = {
  themenfelder: { title: 'Themenfelder', columns: ['id', 'name'] },
  lagen: { title: 'Lagen', columns: ['id', 'themenfeld_id', 'name'] },
  ozg_leistungen: {
    title: 'OZG-Leistungen',
    columns: ['ozg_id', 'name', 'lage_id', 'themenfeld_id', 'leika_anzahl', 'leika_typen'],
  },
  leika_leistungen: {
    title: 'LeiKa-Leistungen',
    columns: ['leika_schluessel', 'name', 'ozg_id', 'leika_typ', 'rechtsgrundlage'],
  },
  kreise: { title: 'Kreise', columns: ['kreisschluessel', 'name', 'typ', 'regierungsbezirk'] },
  gemeinden: { title: 'Kommunen', columns: ['ags', 'name', 'kreisschluessel', 'kreis', 'typ'] },
  kommunen_kdn: { title: 'KDN-Kommunenliste', columns: ['name', 'url'] },
  it_dienstleister: { title: 'IT-Dienstleister', columns: ['name', 'ort', 'url'] },
} as const satisfies Record<string, { title: string; columns: readonly string[] }>;

export type LayoutName = keyof typeof LAYOUTS;

export const LAYOUT_NAMES = Object.keys(LAYOUTS) as LayoutName[];

export function headerKey(cell: string): string {
  return cell.replace(/^\uFEFF/, '').trim().toLowerCase();
}

/** Columns a file may add to its layout: admins' decision on kommunaler Vollzug, which KDN's export lacks. */
export const OPTIONAL_COLUMNS: { [L in LayoutName]?: readonly string[] } = { ozg_leistungen: ['kommunaler_vollzug'] };
const optionalColumns = (name: LayoutName): readonly string[] => OPTIONAL_COLUMNS[name] ?? [];

/** The layout whose columns the header has, each once, plus none or some of its optional ones. */
export function recogniseLayout(header: string[]): LayoutName | undefined {
  return LAYOUT_NAMES.find((name) => {
    const optional = optionalColumns(name);
    const required = header.filter((column) => !optional.includes(column));
    return new Set(header).size === header.length && [...required].sort().join(',') === [...LAYOUTS[name].columns].sort().join(',');
  });
}

/** The layout a file name suggests (ozg_leistungen.csv, Kreise.xlsx), to explain a header that fits none. */
export function layoutOfFileName(fileName: string): LayoutName | undefined {
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.(csv|xlsx)$/i, '').toLowerCase();
  return LAYOUT_NAMES.find((name) => name === base);
}
