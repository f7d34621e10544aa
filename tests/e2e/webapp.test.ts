import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KONFLIKT_TEXT } from '../../core/workbook.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { argbOf, cellAt, dataSheet, editFile, loadWorkbook, noteOf, saveWorkbook, XLSX_TYPE } from '../server/xlsx/workbooks.ts';
import { buildPane, CHROMIUM, expectAccessible as expectAccessibleIn, launchChromium } from './browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const KOELN = '05315000';
const METTMANN = '05158024';
const RATINGEN = '05158028';
const VELBERT = '05158032';

interface Row {
  id: string;
  version: number;
  values: Record<string, unknown>;
}

describe.skipIf(!existsSync(CHROMIUM))(`The web app in Chromium${existsSync(CHROMIUM) ? '' : ' (übersprungen: /usr/bin/chromium fehlt)'}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let pane: Awaited<ReturnType<typeof buildPane>> | undefined;

  const shot = async (name: string) => {
    if (process.env.OZG_SCREENSHOTS === '1') await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };

  const expectAccessible = (where: string) => expectAccessibleIn(page, where);

  async function asAdmin() {
    const response = await fetch(`${server.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@ozg-sync.example' }),
    });
    const { access_token } = (await response.json()) as { access_token: string };
    return { authorization: `Bearer ${access_token}` };
  }

  async function koelnRows(): Promise<Row[]> {
    const response = await fetch(`${server.url}/api/sheets/kommune-status/rows?scope=${KOELN}`, { headers: await asAdmin() });
    return ((await response.json()) as { rows: Row[] }).rows;
  }

  async function signIn(email: RegExp) {
    await page.getByRole('combobox', { name: 'Mitglied' }).click();
    await page.getByRole('option', { name: email }).click();
    await page.getByRole('button', { name: 'Anmelden' }).click();
  }

  async function downloaded(click: () => Promise<void>): Promise<{ name: string; bytes: Uint8Array }> {
    const [download] = await Promise.all([page.waitForEvent('download'), click()]);
    return { name: download.suggestedFilename(), bytes: new Uint8Array(await readFile((await download.path())!)) };
  }

  beforeAll(async () => {
    pane = await buildPane();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-web-'));
    server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', ADDIN_DIR: pane.dir });
    if (process.env.OZG_SCREENSHOTS === '1') await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 }, locale: 'de-DE', acceptDownloads: true });
    // Below the test's own 30 s, so that a step that never comes names its locator instead of a bare timeout.
    page.setDefaultTimeout(15_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await pane?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('shows the sign-in at / of a freshly started server, keeps the session over a reload and signs out', async () => {
    await page.goto(`${server.url}/`);
    await page.getByText('Lokaler Betrieb ohne Supabase').waitFor();
    await page.getByRole('combobox', { name: 'Mitglied' }).click();
    await page.getByRole('option', { name: /ozg@koeln\.example/ }).click();
    await shot('20-web-anmeldung');
    await expectAccessible('Anmelden');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByText('Angemeldet als ozg@koeln.example').waitFor();

    await page.reload();
    await page.getByText('Angemeldet als ozg@koeln.example').waitFor();
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.getByText('Lokaler Betrieb ohne Supabase').waitFor();
  });

  it('lets Köln’s clerk download the sheet, upload it filled, see 1 übernommen and 1 Konflikt, and get the marked result', async () => {
    await page.goto(`${server.url}/`);
    await signIn(/ozg@koeln\.example/);
    await page.getByRole('heading', { name: 'Meine Tabellen' }).waitFor();
    await shot('21-web-tabellen');
    await expectAccessible('Meine Tabellen');
    await page.getByRole('button', { name: 'Umsetzungsstand einer Kommune: Köln, Stadt' }).click();
    await page.getByRole('heading', { name: 'Umsetzungsstand einer Kommune: Köln, Stadt' }).waitFor();
    await expectAccessible('Tabelle');

    const file = await downloaded(() => page.getByRole('button', { name: 'Herunterladen', exact: true }).click());
    expect(file.name).toBe(`kommune-status-${KOELN}.xlsx`);
    const [mine, theirs] = (await koelnRows()).slice(0, 2) as [Row, Row];

    // Meanwhile a colleague writes a Bemerkung into the second row, through the API.
    const colleague = await fetch(`${server.url}/api/sheets/kommune-status/changes`, {
      method: 'POST',
      headers: { ...(await asAdmin()), 'content-type': 'application/json' },
      body: JSON.stringify({
        scope: KOELN,
        idempotencyKey: crypto.randomUUID(),
        source: 'api',
        changes: [{ id: theirs.id, baseVersion: theirs.version, base: { bemerkung: theirs.values.bemerkung }, set: { bemerkung: 'Termin mit dem Bürgerbüro' } }],
      }),
    });
    expect(colleague.status).toBe(200);

    const filled = await editFile(file.bytes, (sheet) => {
      cellAt(sheet, mine.id, 'Bemerkung').value = 'Im Browser hochgeladen';
      cellAt(sheet, theirs.id, 'Bemerkung').value = 'Aus der Datei';
    });
    await page.locator('input[type="file"]').setInputFiles({ name: 'koeln-ausgefuellt.xlsx', mimeType: XLSX_TYPE, buffer: Buffer.from(filled) });
    const counts = page.getByRole('list', { name: 'Zeilen und Zellen nach Ergebnis' });
    await counts.getByText('1 übernommen', { exact: true }).waitFor();
    await counts.getByText('1 Konflikt', { exact: true }).waitFor();
    await expect.poll(() => counts.getByText('0 abgelehnt', { exact: true }).count()).toBe(1);
    const table = page.getByRole('table', { name: 'Ergebnis je Zelle' });
    await table.getByRole('row', { name: /Aus der Datei.*Konflikt.*Termin mit dem Bürgerbüro/ }).waitFor();
    await table.getByRole('row', { name: /Im Browser hochgeladen.*übernommen/ }).waitFor();
    await shot('22-web-ergebnis');
    await expectAccessible('Ergebnis');

    const result = await downloaded(() => page.getByRole('button', { name: 'Ergebnis herunterladen' }).click());
    expect(result.name).toBe(`kommune-status-${KOELN}-ergebnis.xlsx`);
    const sheet = dataSheet(await loadWorkbook(result.bytes));
    const applied = cellAt(sheet, mine.id, 'Bemerkung');
    expect([applied.value, argbOf(applied)]).toEqual(['Im Browser hochgeladen', 'FFC6EFCE']);
    const konflikt = cellAt(sheet, theirs.id, 'Bemerkung');
    expect([konflikt.value, argbOf(konflikt)]).toEqual(['Termin mit dem Bürgerbüro', 'FFFFC000']);
    expect(noteOf(konflikt)).toContain(`${KONFLIKT_TEXT}Auf dem Server steht inzwischen „Termin mit dem Bürgerbüro“; Ihr Wert „Aus der Datei“`);

    // The same file once more: the same answer, and nothing stored twice.
    const afterFirst = (await koelnRows()).find((row) => row.id === mine.id)!;
    await page.getByRole('button', { name: 'Noch einmal senden' }).click();
    await counts.getByText('1 übernommen', { exact: true }).waitFor();
    await counts.getByText('1 Konflikt', { exact: true }).waitFor();
    const afterSecond = (await koelnRows()).find((row) => row.id === mine.id)!;
    expect([afterSecond.version, afterSecond.values.bemerkung]).toEqual([afterFirst.version, 'Im Browser hochgeladen']);
    expect(afterFirst.version).toBe(mine.version + 1);
  });

  it('shows the upload in Prüfen to the admin, as the pane does, with its source Excel-Datei', async () => {
    expect(await page.getByRole('tab', { name: 'Prüfen' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await signIn(/admin@ozg-sync\.example/);
    await page.getByRole('tab', { name: 'Prüfen' }).click();
    await page.getByRole('combobox', { name: 'Tabellenart' }).click();
    await page.getByRole('option', { name: 'Umsetzungsstand', exact: true }).click();
    const pushes = page.locator('.sendevorgang');
    await expect.poll(async () => (await pushes.allTextContents()).some((text) => /ozg@koeln\.example · .* · Excel-Datei · 1 Zelle/.test(text))).toBe(true);
    await shot('23-web-pruefen');
    await expectAccessible('Prüfen');
  });

  /**
   * Prüfen's changes of one kind opened to their sentences, until `satz` shows: the list loads again when the
   * kind is chosen, and a push opened in the list before that is replaced, closed, by the filtered one.
   */
  async function showLogged(kind: string, hasText: string, satz: string) {
    await page.getByRole('tab', { name: 'Prüfen' }).click();
    await page.getByRole('combobox', { name: 'Tabellenart' }).click();
    await page.getByRole('option', { name: kind, exact: true }).click();
    const pushes = page.locator('.sendevorgang', { hasText });
    await pushes.first().waitFor();
    await expect
      .poll(async () => {
        for (const push of await pushes.all()) {
          const anzeigen = push.getByRole('button', { name: 'Zellen anzeigen' });
          if (await anzeigen.count()) await anzeigen.click();
        }
        return page.getByText(satz, { exact: true }).count();
      }, { timeout: 15_000 })
      .toBeGreaterThan(0);
  }

  const showMemberships = (email: string, satz: string) => showLogged('Mitgliedschaften', email, satz);

  it('lets the admin add a membership in Mitglieder, read it as a sentence in Prüfen, and remove it again', async () => {
    await page.getByRole('tab', { name: 'Mitglieder' }).click();
    await page.getByRole('table', { name: 'Mitgliedschaften' }).getByText('ozg@koeln.example').waitFor();
    await page.getByRole('textbox', { name: 'E-Mail-Adresse' }).fill('neu@koeln.example');
    const kommune = page.getByRole('combobox', { name: 'Kommune' });
    await kommune.click();
    await kommune.pressSequentially('köln');
    await page.getByRole('option', { name: /Köln, Stadt \(05315000\)/ }).click();
    await page.getByRole('button', { name: 'Hinzufügen' }).click();
    await page.getByText('neu@koeln.example ist jetzt Mitglied').waitFor();
    const row = page.getByRole('table', { name: 'Mitgliedschaften' }).getByRole('row', { name: /neu@koeln\.example/ });
    await row.waitFor();
    // Local mode has no accounts: nobody to invite.
    expect(await page.getByRole('button', { name: /einladen$/ }).count()).toBe(0);
    await shot('24-web-mitglieder');
    await expectAccessible('Mitglieder');

    await showMemberships('neu@koeln.example', 'Rolle Kommune für Köln, Stadt hinzugefügt');
    expect(await page.locator('.sendevorgang').getByText('{"').count()).toBe(0);
    await expectAccessible('Prüfen: Mitgliedschaften');

    await page.getByRole('tab', { name: 'Mitglieder' }).click();
    await page.getByRole('button', { name: /Mitgliedschaft von neu@koeln\.example .* entfernen/ }).click();
    await page.getByText(/Mitgliedschaft von neu@koeln\.example .* entfernt\./).waitFor();
    expect(await page.getByRole('table', { name: 'Mitgliedschaften' }).getByRole('row', { name: /neu@koeln\.example/ }).count()).toBe(0);
    await showMemberships('neu@koeln.example', 'Rolle Kommune für Köln, Stadt entfernt');
  });

  it('lets the admin make someone a member for the IT-Dienstleister Kreis Mettmann, named so in Mitglieder and Prüfen, who may then write the provider’s sheet', async () => {
    // An address that names no provider: the filter must find the member by the provider's name.
    const email = 'leitstelle@it-dienst.example';
    await page.getByRole('tab', { name: 'Mitglieder' }).click();
    await page.getByRole('textbox', { name: 'E-Mail-Adresse' }).fill(email);
    await page.getByRole('combobox', { name: 'Rolle' }).click();
    await page.getByRole('option', { name: 'IT-Dienstleister (seine Kommunen)' }).click();
    const dienstleister = page.getByRole('combobox', { name: 'IT-Dienstleister' });
    await dienstleister.click();
    await dienstleister.pressSequentially('mettmann');
    await page.getByRole('option', { name: /Kreis Mettmann \(Mettmann\)/ }).click();
    await expectAccessible('Mitglieder: IT-Dienstleister');
    await page.getByRole('button', { name: 'Hinzufügen' }).click();
    await page.getByText(`${email} ist jetzt Mitglied: IT-Dienstleister (seine Kommunen), IT-Dienstleister Kreis Mettmann.`).waitFor();

    const filter = page.getByRole('textbox', { name: 'Filtern' });
    await filter.fill('kreis mettmann');
    const zeilen = page.getByRole('table', { name: 'Mitgliedschaften' }).getByRole('row').filter({ has: page.getByRole('cell') });
    const gezeigt = async () => (await zeilen.allInnerTexts()).map((zeile) => zeile.split('\t').slice(0, 3).map((zelle) => zelle.trim()));
    await expect
      .poll(gezeigt)
      .toEqual([
        [email, 'IT-Dienstleister', 'IT-Dienstleister Kreis Mettmann'],
        ['ozg@kreis-mettmann.example', 'IT-Dienstleister', 'IT-Dienstleister Kreis Mettmann'],
      ]);
    await filter.fill('');

    await showMemberships(email, 'Rolle IT-Dienstleister für Kreis Mettmann hinzugefügt');

    // Which Kommunen the provider serves is a right too: the seed's assignments stand in Prüfen as sentences.
    await showLogged('Zuordnungen zu IT-Dienstleistern', 'Import', 'Mettmann, Stadt dem IT-Dienstleister Kreis Mettmann zugeordnet');
    await page.getByText('Velbert, Stadt dem IT-Dienstleister Kreis Mettmann zugeordnet', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Abmelden' }).click();
    await signIn(/leitstelle@it-dienst\.example · dienstleister \(Kreis Mettmann\)/);
    await page.getByRole('button', { name: 'Umsetzungsstand der Kommunen eines IT-Dienstleisters: Kreis Mettmann' }).click();
    await page.getByRole('heading', { name: 'Umsetzungsstand der Kommunen eines IT-Dienstleisters: Kreis Mettmann' }).waitFor();
    await page.getByText('Ausgefüllte Datei hochladen').waitFor();
    expect(await page.getByText('Nur lesen').count()).toBe(0);

    await page.getByRole('button', { name: 'Abmelden' }).click();
    await signIn(/admin@ozg-sync\.example/);
  });

  it('shows the admin Fortschritt with the Verlauf, as the pane does, and offers the progress workbook as a download', async () => {
    await page.getByRole('tab', { name: 'Fortschritt' }).click();
    await page.getByText('Noch kein Stichtag gesetzt – der Verlauf beginnt mit dem ersten Stichtag.').waitFor();
    await page.getByRole('list', { name: /Anteil/ }).waitFor();
    await shot('25-web-fortschritt');
    await expectAccessible('Fortschritt');
    const { name, bytes } = await downloaded(() => page.getByRole('button', { name: 'Als Excel-Datei herunterladen' }).click());
    expect(name).toMatch(/\.xlsx$/);
    const workbook = await loadWorkbook(bytes);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(expect.arrayContaining(['Verlauf', 'Themenfelder', 'OZG-Leistungen', 'Kommunen', 'Kreise']));
    await page.getByText(`„${name}“ heruntergeladen`, { exact: false }).waitFor();
  });

  it('lists the Kommunen that have not reported since a typed day, Köln’s upload of today not among them, and puts the columns into the download', async () => {
    const heute = await page.evaluate(() => new Date().toLocaleDateString('de-DE', { day: '2-digit', month: '2-digit', year: 'numeric' }));
    const feld = page.getByRole('combobox', { name: 'Noch nicht gemeldet seit' });
    // typed text is read when the field loses focus (Fluent's DatePicker with allowTextInput)
    await feld.fill('31.02.2026');
    await feld.press('Tab');
    await page.getByText('Bitte ein Datum als TT.MM.JJJJ eingeben, z. B. 01.11.2026.').waitFor();
    await feld.fill(heute);
    await feld.press('Tab');
    const liste = page.getByRole('table', { name: `Noch nicht gemeldet seit ${heute}` });
    await liste.waitFor();
    const zeilen = await liste.getByRole('row').allInnerTexts();
    expect(zeilen[0]!.split('\t').map((s) => s.trim())).toEqual(['Kommune', 'Kreis', 'Letzte Meldung', 'gemeldet von']);
    const kommunen = zeilen.slice(1).map((zeile) => zeile.split('\t')[0]!.trim());
    expect(kommunen).toContain('Mettmann, Stadt');
    expect(kommunen).not.toContain('Köln, Stadt');
    await page.getByText(new RegExp(`^Noch nicht gemeldet seit ${heute.replaceAll('.', '\\.')}: ${kommunen.length} von \\d+ Kommunen$`)).waitFor();
    await page.getByRole('list', { name: /Anteil/ }).waitFor();
    await shot('30-noch-nicht-gemeldet');
    await expectAccessible('Noch nicht gemeldet');

    const { bytes } = await downloaded(() => page.getByRole('button', { name: 'Als Excel-Datei herunterladen' }).click());
    const sheet = (await loadWorkbook(bytes)).getWorksheet('Kommunen')!;
    const header = (sheet.getRow(3).values as unknown[]).slice(1);
    expect(header.slice(-3)).toEqual(['Letzte Meldung', 'gemeldet von', `geänderte Zeilen seit ${heute}`]);
    const koeln = [...Array(sheet.rowCount - 3).keys()].map((i) => sheet.getRow(4 + i)).find((row) => row.getCell(1).value === KOELN)!;
    expect(koeln.getCell(header.indexOf('gemeldet von') + 1).value).toBe('ozg@koeln.example');
    expect(koeln.getCell(header.length).value).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Datum löschen' }).click();
    await liste.waitFor({ state: 'detached' });
  });

  it('lets the IT-Dienstleister’s member upload one file with three Kommunen on Meine Tabellen: its two are taken over, Ratingen’s is refused with the reason', async () => {
    const member = 'ozg@kreis-mettmann.example';
    const login = await fetch(`${server.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: member }),
    });
    const authorization = `Bearer ${((await login.json()) as { access_token: string }).access_token}`;
    const kommunen = { [METTMANN]: 'Mettmann, Stadt', [VELBERT]: 'Velbert, Stadt', [RATINGEN]: 'Ratingen, Stadt' };
    const rows = async (ags: string) => {
      const response = await fetch(`${server.url}/api/sheets/kommune-status/rows?scope=${ags}`, { headers: { authorization } });
      return ((await response.json()) as { rows: Row[] }).rows;
    };
    const firstRow = Object.fromEntries(await Promise.all(Object.keys(kommunen).map(async (ags) => [ags, (await rows(ags))[0]!] as const)));
    const exported = await fetch(`${server.url}/api/export.xlsx?${Object.keys(kommunen).map((ags) => `sheet=kommune-status:${ags}`).join('&')}`, {
      headers: { authorization },
    });
    expect(exported.status).toBe(200);
    const workbook = await loadWorkbook(new Uint8Array(await exported.arrayBuffer()));
    for (const [ags, name] of Object.entries(kommunen)) cellAt(workbook.getWorksheet(name)!, firstRow[ags]!.id, 'Bemerkung').value = `Sammeldatei ${name}`;
    const filled = await saveWorkbook(workbook);

    await page.getByRole('button', { name: 'Abmelden' }).click();
    await signIn(/ozg@kreis-mettmann\.example/);
    await page.getByRole('tab', { name: 'Meine Tabellen' }).click();
    await page.getByRole('heading', { name: 'Meine Tabellen' }).waitFor();
    await page.locator('input[type="file"]').setInputFiles({ name: 'kreis-mettmann.xlsx', mimeType: XLSX_TYPE, buffer: Buffer.from(filled) });

    for (const name of ['Mettmann, Stadt', 'Velbert, Stadt']) {
      const blatt = page.getByRole('region', { name: `Blatt ${name}` });
      await blatt.getByRole('list', { name: 'Zeilen und Zellen nach Ergebnis' }).getByText('1 übernommen', { exact: true }).waitFor();
      await blatt.getByRole('table', { name: 'Ergebnis je Zelle' }).getByRole('row', { name: new RegExp(`Sammeldatei ${name}.*übernommen`) }).waitFor();
    }
    await page.getByRole('region', { name: 'Blatt Ratingen, Stadt' }).getByText(`Nicht übernommen: Sie dürfen die Tabelle „Umsetzungsstand einer Kommune“ für den Bereich ${RATINGEN} nicht ändern`, { exact: false }).waitFor();
    await page.getByText('„kreis-mettmann.xlsx“ gesendet, alle Änderungen übernommen. 1 Tabelle wurde nicht übernommen, der Grund steht unten.').waitFor();
    await shot('31-web-mehrere-tabellen');
    await expectAccessible('Ergebnis mehrerer Tabellen');

    expect((await rows(METTMANN)).find((row) => row.id === firstRow[METTMANN]!.id)!.values.bemerkung).toBe('Sammeldatei Mettmann, Stadt');
    expect((await rows(VELBERT)).find((row) => row.id === firstRow[VELBERT]!.id)!.values.bemerkung).toBe('Sammeldatei Velbert, Stadt');
    expect((await rows(RATINGEN)).find((row) => row.id === firstRow[RATINGEN]!.id)!.values).toEqual(firstRow[RATINGEN]!.values);

    // The marked workbook holds what the member may send again: the two tables taken over, not Ratingen's.
    const result = await downloaded(() => page.getByRole('button', { name: 'Ergebnis herunterladen' }).click());
    expect(result.name).toBe('ergebnis.xlsx');
    const marked = await loadWorkbook(result.bytes);
    expect(marked.worksheets.map((sheet) => sheet.name)).toEqual(expect.arrayContaining(['Mettmann, Stadt', 'Velbert, Stadt']));
    expect(marked.getWorksheet('Ratingen, Stadt')).toBeUndefined();
    expect(argbOf(cellAt(marked.getWorksheet('Velbert, Stadt')!, firstRow[VELBERT]!.id, 'Bemerkung'))).toBe('FFC6EFCE');
  });
});
