import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** LibreOffice's command, found on PATH as a shell would; undefined when it is not installed. */
export const SOFFICE = ['soffice', 'libreoffice']
  .flatMap((name) => (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)))
  .find((path) => existsSync(path));

const TIMEOUT_MS = 60_000;

/**
 * Runs LibreOffice headless with a profile of its own, so that calls never share or lock one,
 * and kills its whole process group (soffice starts soffice.bin) when it overruns.
 */
async function run(args: string[]): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'ozg-lo-profil-'));
  try {
    const child = spawn(SOFFICE!, [`-env:UserInstallation=${pathToFileURL(profile).href}`, '--headless', '--norestore', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        process.kill(-child.pid!, 'SIGKILL');
        reject(new Error(`LibreOffice did not finish within ${TIMEOUT_MS / 1000} s: ${args.join(' ')}\n${output}`));
      }, TIMEOUT_MS);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`LibreOffice exited with ${code}: ${args.join(' ')}\n${output}`));
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/**
 * Converts a file with LibreOffice, as "Speichern unter" would: `filter` is the target for
 * --convert-to, e.g. "xlsx", "fods" or a CSV filter with options. Returns the converted bytes.
 */
export async function convert(bytes: Uint8Array | string, from: string, filter: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'ozg-lo-datei-'));
  try {
    const input = join(dir, `eingabe.${from}`);
    await writeFile(input, bytes);
    const out = join(dir, 'aus');
    await run(['--convert-to', filter, '--outdir', out, input]);
    const extension = filter.split(':')[0]!;
    // A CSV filter that picks one sheet (12th option) names the file after it: eingabe-Themenfelder.csv.
    const [written] = await readdir(out);
    if (!written || !written.startsWith(basename(input, extname(input))) || !written.endsWith(`.${extension}`)) {
      throw new Error(`LibreOffice wrote ${written ?? 'nothing'} for ${filter}`);
    }
    return new Uint8Array(await readFile(join(out, written)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Replaces one cell of a flat ODF spreadsheet (.fods), found by the sheet, the text of the row's
 * first cell (the id) and the column number (0-based), as typing into LibreOffice Calc would.
 * Repeated cells are expanded first, so that any column can be addressed.
 */
export function editFodsCell(fods: string, sheet: string, id: string, column: number, cell: (old: string) => string): string {
  const start = fods.indexOf(`<table:table table:name="${sheet}"`);
  const end = fods.indexOf('</table:table>', start);
  if (start < 0 || end < 0) throw new Error(`no sheet ${sheet}`);
  const table = fods.slice(start, end);
  const rowStart = table.indexOf(`<text:p>${id}</text:p>`);
  if (rowStart < 0) throw new Error(`no row ${id}`);
  const from = table.lastIndexOf('<table:table-row', rowStart);
  const to = table.indexOf('</table:table-row>', rowStart);
  const row = table.slice(from, to);
  const open = row.slice(0, row.indexOf('>') + 1);
  const cells = (row.match(/<table:table-cell\b[^>]*\/>|<table:table-cell\b[^>]*>[\s\S]*?<\/table:table-cell>/g) ?? []).flatMap((xml) => {
    const repeated = /table:number-columns-repeated="(\d+)"/.exec(xml);
    const single = xml.replace(/\s*table:number-columns-repeated="\d+"/, '');
    return Array.from({ length: repeated ? Number(repeated[1]) : 1 }, () => single);
  });
  if (column >= cells.length) throw new Error(`row ${id} has ${cells.length} cells`);
  cells[column] = cell(cells[column]!);
  const edited = table.slice(0, from) + open + cells.join('') + table.slice(to);
  return fods.slice(0, start) + edited + fods.slice(end);
}

export const fodsText = (text: string) =>
  `<table:table-cell office:value-type="string" calcext:value-type="string"><text:p>${text.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</text:p></table:table-cell>`;
export const fodsNumber = (value: number) =>
  `<table:table-cell office:value-type="float" office:value="${value}" calcext:value-type="float"><text:p>${value}</text:p></table:table-cell>`;
export const fodsDate = (iso: string) =>
  `<table:table-cell office:value-type="date" office:date-value="${iso}" calcext:value-type="date"><text:p>${iso.split('-').reverse().join('.')}</text:p></table:table-cell>`;
export const fodsFormula = (formula: string, result: number) =>
  `<table:table-cell table:formula="of:${formula}" office:value-type="float" office:value="${result}" calcext:value-type="float"><text:p>${result}</text:p></table:table-cell>`;
export const FODS_EMPTY = '<table:table-cell/>';

const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)).find((path) => existsSync(path));
/** poppler-utils' text extraction and rasteriser; undefined when they are not installed. */
export const PDFTOTEXT = onPath('pdftotext');
export const PDFTOPPM = onPath('pdftoppm');

function poppler(command: string, args: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}

/** One page of a PDF as a PNG at 110 dpi, as a reader sees it on screen. */
export async function pageImage(pdf: Uint8Array, page: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'ozg-png-'));
  try {
    await writeFile(join(dir, 'seite.pdf'), pdf);
    await poppler(PDFTOPPM!, ['-f', String(page), '-l', String(page), '-r', '110', '-png', '-singlefile', join(dir, 'seite.pdf'), join(dir, 'seite')]);
    return await readFile(join(dir, 'seite.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A workbook printed to PDF by LibreOffice, as its print dialog would (all visible sheets, each
 * with its own page setup), read back as the text of each page laid out as printed (pdftotext
 * -layout keeps a table row on one line, its columns in order).
 */
export async function printedPages(bytes: Uint8Array): Promise<string[]> {
  const pdf = await convert(bytes, 'xlsx', 'pdf');
  const dir = await mkdtemp(join(tmpdir(), 'ozg-pdf-'));
  try {
    const input = join(dir, 'druck.pdf');
    await writeFile(input, pdf);
    await poppler(PDFTOTEXT!, ['-layout', '-enc', 'UTF-8', input, join(dir, 'druck.txt')]);
    // pdftotext ends every page with a form feed
    return (await readFile(join(dir, 'druck.txt'), 'utf8')).split('\f').slice(0, -1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
