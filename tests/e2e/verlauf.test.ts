import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryHost } from '../helpers/memory-host.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { buildPane, CHROMIUM, launchChromium, standInScript } from './browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const KOELN = '05315000';
const METTMANN = '05158024';
const MOBILITAET = 'Mobilität & Reisen';

declare global {
  interface Window {
    ozgStandIn: MemoryHost;
  }
}

const available = existsSync(CHROMIUM);

describe.skipIf(!available)(`The trend in the Fortschritt tab, in Chromium${available ? '' : ' (übersprungen: /usr/bin/chromium fehlt)'}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let pane: Awaited<ReturnType<typeof buildPane>> | undefined;
  let auth: Record<string, string>;

  const api = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(`${server.url}${url}`, { ...init, headers: { ...auth, 'content-type': 'application/json', ...init.headers } });
    expect([url, response.status]).toEqual([url, init.method === 'POST' && url === '/api/stichtage' ? 201 : 200]);
    return response.json();
  };

  /** Every OZG-Leistung of Mobilität & Reisen in a Kommune set online at Reifegrad 3, in one push. */
  async function mobilitaetOnline(ags: string) {
    const [themenfelder, pull] = await Promise.all([api('/api/themenfelder'), api(`/api/sheets/kommune-status/rows?scope=${ags}`)]);
    const themenfeld = themenfelder.find((t: { name: string }) => t.name === MOBILITAET).id;
    const leistungen = await api(`/api/leistungen?themenfeld=${themenfeld}`);
    const ozgIds = new Set(leistungen.map((l: { ozgId: number }) => l.ozgId));
    const rows = pull.rows.filter((r: { values: { ozg_id: number } }) => ozgIds.has(r.values.ozg_id));
    expect(rows).toHaveLength(21);
    await api('/api/sheets/kommune-status/changes', {
      method: 'POST',
      body: JSON.stringify({
        scope: ags,
        idempotencyKey: crypto.randomUUID(),
        source: 'api',
        changes: rows.map((r: { id: string; version: number; values: Record<string, unknown> }) => ({
          id: r.id,
          baseVersion: r.version,
          base: { status: r.values.status, reifegrad: r.values.reifegrad },
          set: { status: 'online', reifegrad: 3 },
        })),
      }),
    });
  }

  const stichtag = (datum: string, bezeichnung: string) => api('/api/stichtage', { method: 'POST', body: JSON.stringify({ datum, bezeichnung }) });

  beforeAll(async () => {
    pane = await buildPane();
    const script = await standInScript();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-e2e-verlauf-'));
    server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', ADDIN_DIR: pane.dir });
    const login = await fetch(`${server.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@ozg-sync.example' }),
    });
    auth = { authorization: `Bearer ${(await login.json()).access_token}` };
    if (process.env.OZG_SCREENSHOTS === '1') await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 380, height: 760 }, locale: 'de-DE' });
    // a step that fails names itself instead of running into the test's timeout
    page.setDefaultTimeout(10_000);
    await page.addInitScript({ content: script });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await pane?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function fortschritt() {
    await page.goto(`${server.url}/addin/taskpane.html`);
    const tab = page.getByRole('tab', { name: 'Fortschritt' });
    const mitglied = page.getByRole('combobox', { name: 'Mitglied' });
    // the pane keeps its sign-in over a reload
    await tab.or(mitglied).first().waitFor();
    if (await mitglied.count()) {
      await mitglied.click();
      await page.getByRole('option', { name: /admin@ozg-sync\.example/ }).click();
      await page.getByRole('button', { name: 'Anmelden' }).click();
    }
    await tab.click();
  }

  it('says that the trend begins with the first Stichtag while none is set', async () => {
    await fortschritt();
    await page.getByText('Noch kein Stichtag gesetzt – der Verlauf beginnt mit dem ersten Stichtag.').waitFor();
    expect(await page.getByRole('img', { name: /^Liniendiagramm/ }).count()).toBe(0);
  });

  it('draws two Stichtage and today, filtered by Themenfeld and Kreis, explains a Reifegrad on hover and puts the trend into the workbook', async () => {
    // 552 rows: 12 Kommunen × 46 OZG-Leistungen, 252 of them Mobilität & Reisen
    await stichtag('2026-01-01', 'Erhebung 01.01.2026');
    await mobilitaetOnline(KOELN);
    await stichtag('2026-07-01', 'Erhebung 01.07.2026');
    await mobilitaetOnline(METTMANN);
    await fortschritt();

    const zeilen = page.locator('.verlauf-tabelle tbody tr');
    const tabelle = async () => (await zeilen.allInnerTexts()).map((zeile) => zeile.split('\t').join(' | '));
    const heute = new Date().toLocaleDateString('de-DE', { day: '2-digit', month: '2-digit', year: 'numeric' });
    // 0, 21 and 42 of 552 OZG-konform
    await page.getByRole('img', { name: `Liniendiagramm Verlauf: Anteil OZG-konform je Stichtag: Erhebung 01.01.2026 0\u00a0%, Erhebung 01.07.2026 3,8\u00a0%, heute (${heute}) 7,6\u00a0%` }).waitFor();
    expect(await tabelle()).toEqual(['Erhebung 01.01.2026 | 0 | 0 von 552 | 0\u00a0%', 'Erhebung 01.07.2026 | 21 | 21 von 552 | 3,8\u00a0%', `heute (${heute}) | 42 | 42 von 552 | 7,6\u00a0%`]);

    await page.getByRole('button', { name: 'Reifegrad 3 (Modell 2.0, OZG-konform)' }).hover();
    await page.getByRole('tooltip', { name: /^Stufe 3: Online-Antragsdienst \(Frontend\) vollständig/ }).waitFor();
    await page.getByRole('button', { name: 'Reifegrad 2 Formular-Assistent (Modell 1.1)' }).focus();
    await page.getByRole('tooltip', { name: 'Stufe 2 · Formular-Assistent: Eine Hilfe beim Ausfüllen des Formulars; online beantragen geht nicht.' }).waitFor();
    await page.getByRole('button', { name: 'Reifegrad 2 Formular-Assistent (Modell 1.1)' }).blur();
    await page.mouse.move(0, 0);
    await page.getByRole('tooltip').first().waitFor({ state: 'hidden' });
    await shot('12-verlauf');

    await page.getByRole('combobox', { name: 'Themenfeld' }).click();
    await page.getByRole('option', { name: MOBILITAET }).click();
    // 0, 21 and 42 of 252
    await expect.poll(tabelle).toEqual(['Erhebung 01.01.2026 | 0 | 0 von 252 | 0\u00a0%', 'Erhebung 01.07.2026 | 21 | 21 von 252 | 8,3\u00a0%', `heute (${heute}) | 42 | 42 von 252 | 16,7\u00a0%`]);

    await page.getByRole('combobox', { name: 'Kreis' }).click();
    await page.getByRole('option', { name: /^Köln/ }).click();
    // Köln is a kreisfreie Stadt: its own 21 rows, online from the second Stichtag
    await expect.poll(tabelle).toEqual(['Erhebung 01.01.2026 | 0 | 0 von 21 | 0\u00a0%', 'Erhebung 01.07.2026 | 21 | 21 von 21 | 100\u00a0%', `heute (${heute}) | 21 | 21 von 21 | 100\u00a0%`]);

    await page.getByRole('button', { name: 'In Excel ausgeben' }).click();
    await page.getByText('Tabellen und Diagramme, auch der Verlauf, stehen auf dem Blatt „Fortschritt“.').waitFor();
    const report = (await page.evaluate(() => window.ozgStandIn.report))!;
    expect(report.trend!.table.zeilen.map((zeile) => [zeile.zeitpunkt, zeile.ozg_konform, zeile.zeilen, zeile.anteil])).toEqual([
      ['Erhebung 01.01.2026', 0, 21, 0],
      ['Erhebung 01.07.2026', 21, 21, 1],
      ['heute', 21, 21, 1],
    ]);
  }, 90_000);

  /** The README's screenshot, written only when asked for (npm run screenshots): a test run leaves tracked files alone. */
  async function shot(name: string) {
    if (process.env.OZG_SCREENSHOTS === '1') await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }
});
