import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullResponse } from '../../../core/contract.ts';
import { ERGEBNIS_SHEET } from '../../../server/xlsx/export.ts';
import { startServer, type RunningServer } from '../../helpers/server-process.ts';
import { argbOf, cellAt, dataSheet, decodedBinding, editFile, headerLabels, loadWorkbook, noteOf, saveWorkbook } from './workbooks.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KOELN_MEMBER = 'ozg@koeln.example';
const APPLIED = 'FFC6EFCE';
const REFUSED = 'FFFF7C80';

/** The id of the first row of a sheet whose cell in the named column holds the value, as a person finds a row by eye. */
function rowWhere(sheet: ExcelJS.Worksheet, label: string, value: string): string {
  const column = headerLabels(sheet).indexOf(label) + 1;
  for (let r = 2; r <= sheet.rowCount; r++) {
    if (sheet.getRow(r).getCell(column).value === value) return String(sheet.getRow(r).getCell(1).value);
  }
  throw new Error(`no row with ${label} ${value}`);
}

/** `npm run sheet -- …` as a user runs it: its own process, its exit code and what it prints. */
function sheet(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/sheet.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, OZG_SYNC_URL: '', OZG_SYNC_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

// Every run is a process of its own that loads the script through tsx: a case list of them takes longer than the default timeout on a busy machine.
describe('npm run sheet', { timeout: 120_000 }, () => {
  let dataDir: string;
  let work: string;
  let server: RunningServer;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-data-'));
    work = await mkdtemp(path.join(os.tmpdir(), 'ozg-sheet-'));
    server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '' });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });
  const at = (file: string) => path.join(work, file);
  const login = async (email: string) =>
    ((await (await fetch(`${server.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    })).json()) as { access_token: string }).access_token;

  it('exports a sheet, imports it filled in, and saves the marked result', async () => {
    const exported = await sheet(
      ['export', '--kind', 'kommune-status', '--scope', '05315000', '--out', at('koeln.xlsx'), '--server', server.url, '--email', KOELN_MEMBER],
    );
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toContain(`Tabelle gespeichert: ${at('koeln.xlsx')}.`);

    const file = new Uint8Array(await readFile(at('koeln.xlsx')));
    const [first, second] = [...decodedBinding(await loadWorkbook(file)).snapshot.keys()] as [string, string];
    await writeFile(
      at('koeln.xlsx'),
      await editFile(file, (data) => {
        cellAt(data, first, 'Status').value = 'in Planung';
        cellAt(data, second, 'Zieltermin').value = '31.02.2027';
      }),
    );
    const imported = await sheet(['import', at('koeln.xlsx'), '--out', at('ergebnis.xlsx'), '--email', KOELN_MEMBER], {
      OZG_SYNC_URL: server.url,
    });
    expect(imported.code).toBe(1);
    expect(imported.stdout).toContain('Umsetzungsstand einer Kommune: Köln, Stadt. Zeilen übernommen: 1, unverändert: 0, mit Konflikt: 0, abgelehnt: 0; ungültige Zellen: 1.');
    expect(imported.stdout).toMatch(/Ungültig: Zeile 3, \d+ .+, Spalte „Zieltermin“, Wert „31\.02\.2027“: „31\.02\.2027“ ist kein gültiges Datum\./);
    expect(imported.stdout).toContain(`Die Datei mit markierten Zellen und dem neuen Stand: ${at('ergebnis.xlsx')}`);
    expect(imported.stderr).toContain('Nicht alles wurde übernommen');

    const result = await loadWorkbook(new Uint8Array(await readFile(at('ergebnis.xlsx'))));
    expect(cellAt(dataSheet(result), first, 'Status').value).toBe('in Planung');
    expect(cellAt(dataSheet(result), second, 'Zieltermin').value).toBe('31.02.2027');
    // A file of one table gets the result sheet of a single table: no sheet to name.
    expect(result.getWorksheet(ERGEBNIS_SHEET)!.getCell('A2').value).toContain('Zeilen übernommen: 1');
    expect(result.getWorksheet(ERGEBNIS_SHEET)!.getColumn(1).values).not.toContain('Blatt');

    // The same file again is the same push: the same answer, nothing written twice.
    const token = await login(KOELN_MEMBER);
    const version = async () => {
      const response = await fetch(`${server.url}/api/sheets/kommune-status/rows?scope=05315000`, { headers: { authorization: `Bearer ${token}` } });
      return ((await response.json()) as PullResponse).rows.find((row) => row.id === first)!.version;
    };
    const applied = await version();
    const again = await sheet(['import', at('koeln.xlsx'), '--server', server.url], { OZG_SYNC_TOKEN: token });
    expect(again.stdout).toContain('Zeilen übernommen: 1,');
    expect(await version()).toBe(applied);
  });

  it('exports several tables into one file and imports it filled in: each table is sent for itself, its result printed, and the marked file keeps every sheet it may send again', async () => {
    const tables = ['kommune-status:05315000', 'kommune-status:05158', 'kommune-status:05158024', 'leistung-kommunen:10177'];
    const exported = await sheet(
      ['export', ...tables.flatMap((table) => ['--sheet', table]), '--out', at('sammel.xlsx'), '--server', server.url, '--email', KOELN_MEMBER],
    );
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout).toContain(`4 Tabellen gespeichert: ${at('sammel.xlsx')}, jede auf einem eigenen Blatt:`);
    expect(exported.stdout).toContain('  „Umsetzungsstand der Kommunen eines Kreises: Mettmann“ (Blatt „Mettmann“)');

    const workbook = await loadWorkbook(new Uint8Array(await readFile(at('sammel.xlsx'))));
    expect(workbook.worksheets.slice(0, 3).map((ws) => ws.name)).toEqual(['Köln, Stadt', 'Mettmann', 'Mettmann, Stadt']);
    const koeln = workbook.getWorksheet('Köln, Stadt')!;
    const kreis = workbook.getWorksheet('Mettmann')!;
    const [first, second] = [koeln.getRow(2).getCell(1).value, koeln.getRow(3).getCell(1).value].map(String) as [string, string];
    const ratingen = rowWhere(kreis, 'Kommune', 'Ratingen, Stadt');
    cellAt(koeln, first, 'Bemerkung').value = 'aus der Sammeldatei';
    cellAt(koeln, second, 'Zieltermin').value = '31.02.2027';
    cellAt(kreis, ratingen, 'Bemerkung').value = 'Köln schreibt bei Ratingen';
    const mettmann = workbook.getWorksheet('Mettmann, Stadt')!;
    cellAt(mettmann, String(mettmann.getRow(2).getCell(1).value), 'Bemerkung').value = 'Köln schreibt bei Mettmann';
    await writeFile(at('sammel.xlsx'), await saveWorkbook(workbook));

    const imported = await sheet(['import', at('sammel.xlsx'), '--out', at('sammel-ergebnis.xlsx'), '--server', server.url, '--email', KOELN_MEMBER]);
    expect(imported.code).toBe(1);
    const lines = imported.stdout.split('\n');
    expect(lines).toContain(
      'Umsetzungsstand einer Kommune: Köln, Stadt (Blatt „Köln, Stadt“). Zeilen übernommen: 1, unverändert: 0, mit Konflikt: 0, abgelehnt: 0; ungültige Zellen: 1.',
    );
    expect(imported.stdout).toMatch(/Ungültig: Blatt „Köln, Stadt“, Zeile 3, \d+ .+, Spalte „Zieltermin“, Wert „31\.02\.2027“: „31\.02\.2027“ ist kein gültiges Datum\./);
    expect(lines).toContain(
      'Umsetzungsstand der Kommunen eines Kreises: Mettmann (Blatt „Mettmann“). Zeilen übernommen: 0, unverändert: 0, mit Konflikt: 0, abgelehnt: 1; ungültige Zellen: 0.',
    );
    expect(imported.stdout).toMatch(
      /Abgelehnt: Blatt „Mettmann“, Zeile \d+, .+, Spalte „Bemerkung“, Wert „Köln schreibt bei Ratingen“: Diese Zeile gehört zu Ratingen, Stadt; Sie dürfen sie nur ansehen, nicht ändern\./,
    );
    expect(lines).toContain(
      'Umsetzungsstand einer Kommune: Mettmann, Stadt (Blatt „Mettmann, Stadt“): nicht übernommen. Sie dürfen die Tabelle „Umsetzungsstand einer Kommune“ für den Bereich 05158024 nicht ändern, nur ansehen. Schreibrechte vergibt die OZG-Koordinierungsstelle.',
    );
    expect(imported.stdout).toMatch(
      /^Eine Leistung in allen Kommunen: .+ \(Blatt „.+“\)\. Zeilen übernommen: 0, unverändert: 0, mit Konflikt: 0, abgelehnt: 0; ungültige Zellen: 0\.$/m,
    );
    expect(imported.stderr).toContain('Nicht alles wurde übernommen');

    const result = await loadWorkbook(new Uint8Array(await readFile(at('sammel-ergebnis.xlsx'))));
    const applied = cellAt(result.getWorksheet('Köln, Stadt')!, first, 'Bemerkung');
    expect([applied.value, argbOf(applied)]).toEqual(['aus der Sammeldatei', APPLIED]);
    const zieltermin = cellAt(result.getWorksheet('Köln, Stadt')!, second, 'Zieltermin');
    expect([zieltermin.value, argbOf(zieltermin)]).toEqual(['31.02.2027', REFUSED]);
    const bemerkung = cellAt(result.getWorksheet('Mettmann')!, ratingen, 'Bemerkung');
    expect([bemerkung.value, argbOf(bemerkung)]).toEqual(['Köln schreibt bei Ratingen', REFUSED]);
    expect(noteOf(bemerkung)).toContain('Diese Zeile gehört zu Ratingen, Stadt');
    expect(result.getWorksheet('Mettmann, Stadt')).toBeUndefined();
    const ergebnis = result.getWorksheet(ERGEBNIS_SHEET)!.getColumn(1).values.map(String);
    expect(ergebnis).toContain('„Umsetzungsstand einer Kommune: Mettmann, Stadt“ (Blatt „Mettmann, Stadt“): nicht übernommen. Sie dürfen die Tabelle „Umsetzungsstand einer Kommune“ für den Bereich 05158024 nicht ändern, nur ansehen. Schreibrechte vergibt die OZG-Koordinierungsstelle.');
  });

  it('names the tables a 401 or 403 refuses, with exit code 1', async () => {
    await writeFile(
      at('nur-mettmann.xlsx'),
      new Uint8Array(await (await fetch(`${server.url}/api/export.xlsx?sheet=kommune-status:05158024`, { headers: { authorization: `Bearer ${await login(KOELN_MEMBER)}` } })).arrayBuffer()),
    );
    const cases: [string[], string][] = [
      [
        ['export', '--sheet', 'kommune-status:05158', '--sheet', 'leistung-kommunen:10177', '--token', 'abgelaufen'],
        'Der Server antwortet mit 401 (kommune-status:05158, leistung-kommunen:10177): ',
      ],
      [['import', at('nur-mettmann.xlsx'), '--token', 'abgelaufen'], 'Der Server antwortet mit 401 („Umsetzungsstand einer Kommune: Mettmann, Stadt“ (Blatt „Mettmann, Stadt“)): '],
      [
        ['import', at('nur-mettmann.xlsx'), '--email', KOELN_MEMBER],
        'Der Server antwortet mit 403 („Umsetzungsstand einer Kommune: Mettmann, Stadt“ (Blatt „Mettmann, Stadt“)): Sie dürfen die Tabelle „Umsetzungsstand einer Kommune“ für den Bereich 05158024 nicht ändern, nur ansehen.',
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => sheet([...args, '--server', server.url])));
    cases.forEach(([args, message], index) => {
      expect({ args, code: runs[index]!.code }).toEqual({ args, code: 1 });
      expect(runs[index]!.stderr, args.join(' ')).toContain(message);
      expect(runs[index]!.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    });
  });

  it('says in German what went wrong, with exit code 1', async () => {
    const plain = new ExcelJS.Workbook();
    plain.addWorksheet('Tabelle1');
    await writeFile(at('fremd.xlsx'), await saveWorkbook(plain));
    const cases: [string[], Record<string, string>, string][] = [
      [[], {}, 'Es fehlt der Befehl (export oder import).'],
      [['drucken'], {}, 'Unbekannter Befehl „drucken“.'],
      [['export'], {}, 'Für den Export fehlt die Tabelle: --sheet <Tabellenart>:<Bereich> oder --kind und --scope.'],
      [['export', '--kind', 'kommune-status'], {}, '--kind und --scope gehören zusammen: es fehlt --scope.'],
      [['export', '--kind', 'kommune-status', '--scope', '05315000', '--server', server.url], {}, 'Kein Anmelde-Token'],
      [['export', '--kind', 'kommune-status', '--scope', '0531'], {}, 'kommune-status:0531: Ungültiger Bereich „0531“. Der Bereich ist der AGS einer Kommune'],
      [['export', '--sheet', 'kommune-status:05315000', '--sheet', '05158'], {}, '„05158“ ist keine Tabelle: erwartet wird Tabellenart:Bereich, z. B. kommune-status:05315000'],
      [['export', '--sheet', 'kommune-status:'], {}, '„kommune-status:“ ist keine Tabelle'],
      [['export', '--sheet', 'gemeinde-status:05315000'], {}, 'Die Tabellenart „gemeinde-status“ (in „gemeinde-status:05315000“) gibt es nicht. Es gibt: kommune-status, leistung-status, kommunaler-vollzug, leistung-kommunen.'],
      [['export', '--sheet', 'kommune-status:dl:x'], {}, 'kommune-status:dl:x: Ungültiger Bereich „dl:x“.'],
      [['export', '--sheet', 'leistung-kommunen:05315000'], {}, 'leistung-kommunen:05315000: Ungültiger Bereich „05315000“. Der Bereich ist die OZG-ID einer Leistung'],
      [['export', '--sheet', 'kommune-status:09999999', '--server', server.url, '--email', KOELN_MEMBER], {}, 'Der Server antwortet mit 404: Den Bereich 09999999'],
      [['export', '--sheet', 'kommune-status:05158', '--sheet', 'kommune-status:05158', '--server', server.url, '--email', KOELN_MEMBER], {}, 'Der Server antwortet mit 400: Die Tabelle kommune-status:05158 ist doppelt angegeben'],
      [['export', '--kind', 'kommune-status', '--scope', '05315000', '--token', 'x'], { OZG_SYNC_URL: 'http://127.0.0.1:9' }, 'Der Server http://127.0.0.1:9 ist nicht erreichbar'],
      [['import', at('fehlt.xlsx')], {}, `Die Datei ${at('fehlt.xlsx')} lässt sich nicht lesen (ENOENT).`],
      [['import', at('fremd.xlsx'), '--token', 'x'], {}, 'Diese Arbeitsmappe ist nicht mit OZG-Sync verbunden.'],
      [['import', at('fremd.xlsx'), '--gibts-nicht'], {}, 'Unbekannte Option „--gibts-nicht“.'],
      [['import', at('fremd.xlsx'), '--out'], {}, 'Die Option „--out“ braucht einen Wert.'],
    ];
    const runs = await Promise.all(cases.map(([args, env]) => sheet(args, env)));
    cases.forEach(([args, , message], index) => {
      expect({ args, code: runs[index]!.code }).toEqual({ args, code: 1 });
      expect(runs[index]!.stderr, args.join(' ')).toContain(message);
      expect(runs[index]!.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    });
  });
});
