import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { LAYOUTS, headerKey, layoutOfFileName, recogniseLayout, type LayoutName } from './layouts.ts';

export interface ImportFile {
  name: string;
  content: Uint8Array;
  /** Found while scanning a folder: a file of no known layout there is skipped, not an error. */
  fromFolder?: boolean;
}

/** A finding about one file, or one line of it (line 1 is the header row). */
export interface Meldung {
  datei: string;
  zeile?: number;
  text: string;
}

export interface FileRow {
  zeile: number;
  werte: { [column: string]: string };
}

export interface ReadFile {
  datei: string;
  layout: LayoutName;
  rows: FileRow[];
}

export interface ReadResult {
  files: ReadFile[];
  fehler: Meldung[];
  hinweise: Meldung[];
}

/** Excel drops the leading zero of a code typed as a number (05315000 becomes 5315000). */
const FIXED_WIDTH: { [column: string]: number } = { ags: 8, kreisschluessel: 5 };

const isXlsx = (file: ImportFile) =>
  /\.xlsx$/i.test(file.name) || (file.content[0] === 0x50 && file.content[1] === 0x4b && file.content[2] === 0x03);

export async function readFiles(input: ImportFile[]): Promise<ReadResult> {
  const result: ReadResult = { files: [], fehler: [], hinweise: [] };
  for (const file of input) {
    const table = isXlsx(file) ? await readXlsx(file) : readCsv(file);
    if ('fehler' in table) {
      result.fehler.push(...table.fehler);
      continue;
    }
    const layout = recogniseLayout(table.header);
    if (!layout) {
      const expected = layoutOfFileName(file.name);
      const found = table.header.join(', ') || '(leer)';
      const semicolon = table.header.length === 1 && table.header[0]!.includes(';') ? ' Das Trennzeichen ist ein Semikolon; erwartet wird ein Komma.' : '';
      if (expected) {
        result.fehler.push({
          datei: file.name,
          zeile: 1,
          text: `Die Kopfzeile passt nicht zu ${LAYOUTS[expected].title}: erwartet ${LAYOUTS[expected].columns.join(', ')}, gefunden ${found}.${semicolon}`,
        });
      } else if (file.fromFolder) {
        result.hinweise.push({ datei: file.name, text: `übersprungen: die Kopfzeile (${found}) gehört zu keiner Katalogtabelle.` });
      } else {
        result.fehler.push({
          datei: file.name,
          zeile: 1,
          text: `Die Kopfzeile (${found}) gehört zu keiner Katalogtabelle. Erkannt werden: ${Object.values(LAYOUTS)
            .map((l) => `${l.title} (${l.columns.join(', ')})`)
            .join('; ')}.${semicolon}`,
        });
      }
      continue;
    }
    const width = table.header.length;
    const rows: FileRow[] = [];
    for (const { zeile, cells } of table.rows) {
      if (cells.length !== width) {
        result.fehler.push({ datei: file.name, zeile, text: `Die Zeile hat ${cells.length} Spalten, die Kopfzeile ${width}.` });
        continue;
      }
      rows.push({ zeile, werte: Object.fromEntries(table.header.map((column, i) => [column, cells[i]!.trim()])) });
    }
    result.files.push({ datei: file.name, layout, rows });
  }
  for (const layout of new Set(result.files.map((f) => f.layout))) {
    const files = result.files.filter((f) => f.layout === layout);
    if (files.length > 1) {
      result.fehler.push({
        datei: files[1]!.datei,
        text: `${LAYOUTS[layout].title} kommen in mehreren Dateien vor (${files.map((f) => f.datei).join(', ')}); bitte nur eine angeben.`,
      });
    }
  }
  return result;
}

interface RawTable {
  header: string[];
  rows: { zeile: number; cells: string[] }[];
}

/** csv-parse's messages for the mistakes hand-edited files make, in German. */
const CSV_ERRORS: { [code: string]: string } = {
  CSV_QUOTE_NOT_CLOSED: 'Ein Anführungszeichen wird bis zum Dateiende nicht geschlossen.',
  CSV_INVALID_CLOSING_QUOTE: 'Nach einem schließenden Anführungszeichen folgt kein Komma.',
  INVALID_OPENING_QUOTE: 'Ein Anführungszeichen steht mitten in einem Feld; Felder mit Anführungszeichen ganz in "…" setzen und innere verdoppeln.',
};

function readCsv(file: ImportFile): RawTable | { fehler: Meldung[] } {
  const text = decodeUtf8(file);
  if (typeof text !== 'string') return { fehler: [text] };
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    // With info, each record comes wrapped with its position; the typings do not know that.
    parsed = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as typeof parsed;
  } catch (error) {
    const { lines: zeile, code } = error as { lines?: number; code?: string };
    const text = CSV_ERRORS[code ?? ''] ?? (error as Error).message;
    return { fehler: [{ datei: file.name, zeile, text: `Die Datei ist kein gültiges CSV: ${text}` }] };
  }
  // info.lines is the record's last line; a quoted field may span several.
  const rows = parsed.map(({ record, info }) => ({
    zeile: info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0),
    cells: record,
  }));
  const [header, ...body] = rows;
  return { header: header ? header.cells.map(headerKey) : [], rows: body };
}

function decodeUtf8(file: ImportFile): string | Meldung {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(file.content);
  } catch {
    let zeile = 1;
    let start = 0;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i <= file.content.length; i++) {
      if (i < file.content.length && file.content[i] !== 0x0a) continue;
      try {
        decoder.decode(file.content.subarray(start, i));
      } catch {
        break;
      }
      zeile++;
      start = i + 1;
    }
    return {
      datei: file.name,
      zeile,
      text: 'Die Datei ist nicht UTF-8-kodiert (vermutlich Windows-1252). Bitte in Excel als „CSV UTF-8 (durch Trennzeichen getrennt)“ speichern.',
    };
  }
}

async function readXlsx(file: ImportFile): Promise<RawTable | { fehler: Meldung[] }> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(file.content) as unknown as Parameters<typeof workbook.xlsx.load>[0]);
  } catch {
    return { fehler: [{ datei: file.name, text: 'Die Datei ist keine lesbare Excel-Arbeitsmappe (.xlsx).' }] };
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return { fehler: [{ datei: file.name, text: 'Die Arbeitsmappe hat kein Tabellenblatt.' }] };
  const cellsOf = (row: ExcelJS.Row, columns: (string | undefined)[]) =>
    Array.from({ length: Math.max(row.cellCount, columns.length) }, (_, i) => cellText(row.getCell(i + 1).value, columns[i]));
  const header = cellsOf(sheet.getRow(1), []).map(headerKey);
  while (header.length && header.at(-1) === '') header.pop();
  const rows: RawTable['rows'] = [];
  for (let r = 2; r <= sheet.rowCount; r++) {
    const cells = cellsOf(sheet.getRow(r), header);
    if (cells.every((cell) => cell.trim() === '')) continue;
    // Empty cells right of the table are no extra columns.
    while (cells.length > header.length && cells.at(-1)!.trim() === '') cells.pop();
    rows.push({ zeile: r, cells });
  }
  return { header, rows };
}

function cellText(value: ExcelJS.CellValue, column: string | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    const width = column === undefined ? undefined : FIXED_WIDTH[column];
    return width && Number.isInteger(value) ? String(value).padStart(width, '0') : String(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('hyperlink' in value) return String(value.text);
  if ('result' in value) return value.result === undefined ? '' : cellText(value.result as ExcelJS.CellValue, column);
  if ('error' in value) return String(value.error);
  return '';
}
