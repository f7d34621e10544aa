import { existsSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryHost } from '../helpers/memory-host.ts';
import type { RunningServer } from '../helpers/server-process.ts';
import { CHROMIUM, startRig, standInScript, type BrowserRig } from './browser.ts';

const available = existsSync(CHROMIUM);
const REISEPASS = { key: 'ozg_id', value: 10177 };
const FUEHRERSCHEIN = { key: 'ozg_id', value: 10169 };
/** The bound: another person's push shows within 2 s; the rest is room for a loaded test machine. */
const SECONDS = 5_000;

declare global {
  interface Window {
    ozgStandIn: MemoryHost;
  }
}

describe.skipIf(!available)(`Two panes on Köln's sheet, live, in Chromium${available ? '' : ' (übersprungen: /usr/bin/chromium fehlt)'}`, () => {
  let server: RunningServer;
  let rig: BrowserRig;
  let sender: Page;
  let watcher: Page;
  let script: string;

  /** A person at their own computer: a browser profile of its own, a stand-in workbook of its own, signed in and bound to Köln. */
  async function koelnPane(prepare: (context: BrowserContext) => Promise<unknown> = async () => {}): Promise<Page> {
    const context = await rig.context({ locale: 'de-DE', viewport: { width: 380, height: 760 } });
    await context.addInitScript({ content: script });
    await prepare(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/addin/taskpane.html`);
    await page.getByRole('combobox', { name: 'Mitglied' }).click();
    await page.getByRole('option', { name: /ozg@koeln\.example/ }).click();
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('button', { name: 'Umsetzungsstand einer Kommune: Köln, Stadt' }).click();
    await page.getByText('0 lokale Änderungen warten').waitFor();
    return page;
  }

  const cell = (page: Page, row: typeof REISEPASS, key: string) =>
    page.evaluate(([match, k]) => window.ozgStandIn.cell(match, k), [row, key] as const);

  async function send(page: Page, row: typeof REISEPASS, key: string, value: string) {
    await page.evaluate(([match, k, v]) => window.ozgStandIn.edit(match, k, v), [row, key, value] as const);
    await page.getByRole('button', { name: 'Senden' }).click();
    await page.getByText('1 Zeile übernommen.').waitFor();
  }

  beforeAll(async () => {
    [rig, script] = await Promise.all([startRig('live-pane'), standInScript('standin.ts')]);
    ({ server } = rig);
    sender = await koelnPane();
    watcher = await koelnPane();
  }, 180_000);

  afterAll(async () => {
    await rig?.stop();
  });

  it('shows the other pane’s push as „1 neue Änderung“ without any click when automatic updating is off', async () => {
    await watcher.getByRole('switch', { name: 'Automatisch aktualisieren' }).uncheck();
    await send(sender, REISEPASS, 'bemerkung', 'Termin steht');
    await watcher.getByText('0 lokale Änderungen warten · 1 neue Änderung auf dem Server').waitFor({ timeout: SECONDS });
    expect(await cell(watcher, REISEPASS, 'bemerkung')).not.toBe('Termin steht');
    // the pane that pushed hears of its own push too, and finds nothing new in it
    expect(await sender.getByText(/neue Änderung/).count()).toBe(0);

    await watcher.getByRole('button', { name: 'Aktualisieren' }).click();
    await watcher.getByText('Aktualisiert.', { exact: true }).waitFor();
    expect(await cell(watcher, REISEPASS, 'bemerkung')).toBe('Termin steht');
  });

  it('brings the other pane’s push into the workbook by itself when automatic updating is on', async () => {
    await watcher.getByRole('switch', { name: 'Automatisch aktualisieren' }).check();
    await send(sender, FUEHRERSCHEIN, 'status', 'in Umsetzung');
    await expect.poll(() => cell(watcher, FUEHRERSCHEIN, 'status'), { timeout: SECONDS }).toBe('in Umsetzung');
    await watcher.getByText('Automatisch aktualisiert: 1 neue Änderung übernommen.').waitFor();
    expect(await sender.getByText(/neue Änderung/).count()).toBe(0);
  });

  it('waits for the user instead when an unsent edit in the same cell would become a Konflikt', async () => {
    await watcher.evaluate((match) => window.ozgStandIn.edit(match, 'bemerkung', 'meine, noch nicht gesendet'), REISEPASS);
    await send(sender, REISEPASS, 'bemerkung', 'Termin verschoben');
    await watcher.getByText('1 neue Änderung auf dem Server', { exact: false }).waitFor({ timeout: SECONDS });
    expect(await cell(watcher, REISEPASS, 'bemerkung')).toBe('meine, noch nicht gesendet');
    expect(await watcher.evaluate(() => window.ozgStandIn.marks.konflikte.length)).toBe(0);
  });

  it('says in German that it polls once a minute when a proxy does not let the event stream through', async () => {
    // A proxy answering the stream with a page of its own, as some company proxies do.
    const behindProxy = await koelnPane((context) =>
      context.route('**/api/events?**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<html>Proxy</html>' })),
    );
    await behindProxy
      .getByText('Live-Aktualisierung nicht verfügbar, es wird minütlich nachgesehen. Ein Proxy zwischen Ihnen und dem Server lässt keine Live-Verbindung durch.')
      .waitFor();
  });

  it('tells at Köln’s sheet in the list of a workbook that works on another sheet that Köln has news, without a click, on the same one stream', async () => {
    const zweiBlaetter = await koelnPane();
    const streams: string[] = [];
    zweiBlaetter.on('request', (request) => {
      if (request.url().includes('/api/events?')) streams.push(request.url());
    });
    await zweiBlaetter.getByRole('button', { name: 'Weitere Tabelle abrufen' }).click();
    await zweiBlaetter.getByRole('combobox', { name: 'Tabellenart' }).click();
    await zweiBlaetter.getByRole('option', { name: 'Eine Leistung in allen Kommunen' }).click();
    await zweiBlaetter.getByRole('combobox', { name: 'OZG-Leistung' }).pressSequentially('10169');
    await zweiBlaetter.getByRole('option', { name: /\(10169\)/ }).click();
    await zweiBlaetter.getByRole('button', { name: 'Abrufen', exact: true }).click();
    const blaetter = zweiBlaetter.getByRole('list', { name: 'Verbundene Blätter' }).getByRole('listitem');
    await blaetter.nth(1).waitFor();
    const [koeln, fuehrerschein] = [blaetter.nth(0), blaetter.nth(1)];
    expect(await fuehrerschein.locator('[aria-current="true"]').count()).toBe(1);
    const koelnBemerkung = () =>
      zweiBlaetter.evaluate((match) => window.ozgStandIn.tables[0]!.rows.find((row) => row.values[match.key] === match.value)?.values.bemerkung, REISEPASS);
    const vorher = await koelnBemerkung();

    // Reisepass is a change of Köln's sheet only, not of Führerschein's.
    await send(sender, REISEPASS, 'bemerkung', 'nur für Köln');
    await koeln.getByText('1 neue Änderung', { exact: true }).waitFor({ timeout: SECONDS });
    expect(await fuehrerschein.getByText(/neue Änderung/).count()).toBe(0);
    expect(await zweiBlaetter.getByText(/auf dem Server/).count()).toBe(0);
    expect(await koelnBemerkung()).toBe(vorher);

    // Köln's Führerschein row is a change of both: the active sheet takes it in by itself as before, the other counts on.
    await send(sender, FUEHRERSCHEIN, 'bemerkung', 'für beide Blätter');
    await zweiBlaetter.getByText('Automatisch aktualisiert: 1 neue Änderung übernommen.').waitFor({ timeout: SECONDS });
    await koeln.getByText('2 neue Änderungen', { exact: true }).waitFor({ timeout: SECONDS });
    expect(await koelnBemerkung()).toBe(vorher);
    // one stream carries both sheets, opened anew when the second one was bound
    expect(streams.at(-1)).toContain(`sheet=${encodeURIComponent('kommune-status:05315000')}&sheet=${encodeURIComponent('leistung-kommunen:10169')}`);

    await koeln.getByRole('button', { name: /Köln/ }).click();
    await zweiBlaetter.getByText('Automatisch aktualisiert: 2 neue Änderungen übernommen.').waitFor({ timeout: SECONDS });
    expect(await koelnBemerkung()).toBe('nur für Köln');
  });
});
