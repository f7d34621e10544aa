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
import { cellAt, dataSheet, decodedBinding, editFile, loadWorkbook, saveWorkbook } from './workbooks.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KOELN_MEMBER = 'ozg@koeln.example';

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

describe('npm run sheet', () => {
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
    expect(imported.stdout).toMatch(/Ungültig: Zeile 3, \d+ .+, Spalte „Zieltermin“: „31\.02\.2027“ ist kein gültiges Datum\./);
    expect(imported.stdout).toContain(`Die Datei mit markierten Zellen und dem neuen Stand: ${at('ergebnis.xlsx')}`);
    expect(imported.stderr).toContain('Nicht alles wurde übernommen');

    const result = await loadWorkbook(new Uint8Array(await readFile(at('ergebnis.xlsx'))));
    expect(cellAt(dataSheet(result), first, 'Status').value).toBe('in Planung');
    expect(cellAt(dataSheet(result), second, 'Zieltermin').value).toBe('31.02.2027');
    expect(result.getWorksheet(ERGEBNIS_SHEET)!.getCell('A2').value).toContain('Zeilen übernommen: 1');

    // The same file again is the same push: the same answer, nothing written twice.
    const token = (await (await fetch(`${server.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: KOELN_MEMBER }),
    })).json()).access_token as string;
    const version = async () => {
      const response = await fetch(`${server.url}/api/sheets/kommune-status/rows?scope=05315000`, { headers: { authorization: `Bearer ${token}` } });
      return ((await response.json()) as PullResponse).rows.find((row) => row.id === first)!.version;
    };
    const applied = await version();
    const again = await sheet(['import', at('koeln.xlsx'), '--server', server.url], { OZG_SYNC_TOKEN: token });
    expect(again.stdout).toContain('Zeilen übernommen: 1,');
    expect(await version()).toBe(applied);
  });

  it('says in German what went wrong, with exit code 1', async () => {
    const plain = new ExcelJS.Workbook();
    plain.addWorksheet('Tabelle1');
    await writeFile(at('fremd.xlsx'), await saveWorkbook(plain));
    const cases: [string[], Record<string, string>, string][] = [
      [[], {}, 'Es fehlt der Befehl (export oder import).'],
      [['drucken'], {}, 'Unbekannter Befehl „drucken“.'],
      [['export', '--kind', 'kommune-status'], {}, 'Für den Export fehlen --kind und --scope.'],
      [['export', '--kind', 'kommune-status', '--scope', '05315000', '--server', server.url], {}, 'Kein Anmelde-Token'],
      [['export', '--kind', 'kommune-status', '--scope', '0531', '--server', server.url, '--email', KOELN_MEMBER], {}, 'Der Server antwortet mit 400: Ungültiger Bereich „0531“.'],
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
    });
  });
});
