import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server-process.ts';
import { CHROMIUM, startRig, standInScript, type BrowserRig } from './browser.ts';
import { startFakeGoTrue, type FakeGoTrue } from './fake-gotrue.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const available = existsSync(CHROMIUM);
const JWT_SECRET = 'ozg-sync-e2e-jwt-secret-0123456789abcdef';

declare global {
  interface Window {
    ozgOfficeConfig?: { excelApi?: string };
    ozgOfficeAsked: [string, string][];
  }
}

describe.skipIf(!available)(`The task pane in Office's hosts, in Chromium${available ? '' : ' (übersprungen: /usr/bin/chromium fehlt)'}`, () => {
  let server: RunningServer;
  let gotrue: FakeGoTrue;
  let workbook: string;
  let office: string;
  let rig: BrowserRig;

  /** A browser profile as Office gives the pane: office.js from the CDN replaced by the given stand-ins. */
  async function host(...scripts: string[]) {
    const context = await rig.context({ locale: 'de-DE', viewport: { width: 380, height: 760 } });
    await context.route('https://appsforoffice.microsoft.com/**', (route) => route.abort());
    for (const content of scripts) await context.addInitScript({ content });
    const page = await context.newPage();
    return { context, page };
  }

  beforeAll(async () => {
    [workbook, office] = await Promise.all([standInScript('standin.ts'), standInScript('office-standin.ts')]);
    gotrue = await startFakeGoTrue({ jwtSecret: JWT_SECRET });
    rig = await startRig('host', {
      SUPABASE_URL: gotrue.url,
      SUPABASE_JWT_SECRET: JWT_SECRET,
      SUPABASE_ANON_KEY: 'anon-key-of-the-test-project',
      SUPABASE_AZURE: '1',
    });
    ({ server } = rig);
    // Supabase's "Redirect URLs": where the project may send the window back to after Microsoft
    gotrue.allowRedirect(`${server.url}/addin/dialog.html`);
  }, 180_000);

  afterAll(async () => {
    await rig?.stop();
    await gotrue?.close();
  });

  it('signs in with Microsoft through the Office dialog, the PKCE exchange in the dialog, and works with that session', async () => {
    const { context, page } = await host(workbook, office);
    await page.goto(`${server.url}/addin/taskpane.html`);
    await page.getByRole('button', { name: 'Mit Microsoft anmelden' }).waitFor();
    // the other ways stay
    await page.getByRole('textbox', { name: 'E-Mail-Adresse' }).waitFor();
    await page.getByRole('button', { name: 'Stattdessen Code per E-Mail senden' }).waitFor();
    if (process.env.OZG_SCREENSHOTS === '1') {
      await page.screenshot({ path: path.join(ROOT, 'docs/screenshots/08-anmeldung-microsoft.png'), fullPage: true });
    }

    gotrue.signInAs('ozg@koeln.example');
    const [dialog] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Mit Microsoft anmelden' }).click()]);
    await page.getByText('Angemeldet als ozg@koeln.example').waitFor();
    await expect.poll(() => dialog.isClosed()).toBe(true);
    expect(gotrue.requests.filter((r) => !r.startsWith('OPTIONS'))).toEqual(
      expect.arrayContaining(['GET /auth/v1/authorize', 'POST /auth/v1/token?grant_type=pkce']),
    );
    // the session came back to the pane: the API answers it as Köln's member
    await page.getByRole('button', { name: 'Umsetzungsstand einer Kommune: Köln, Stadt' }).waitFor();
    // the dialog window's copy of the session is gone with it; the pane's own storage holds it
    expect(await page.evaluate(() => Object.keys(localStorage).some((key) => key.startsWith('ozg-sync.supabase')))).toBe(true);
  });

  it('says in German that the sign-in was cancelled when the user closes the Microsoft window', async () => {
    gotrue.signInAs('');
    const { context, page } = await host(workbook, office);
    await page.goto(`${server.url}/addin/taskpane.html`);
    const [dialog] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Mit Microsoft anmelden' }).click()]);
    await dialog.getByText('Bei Microsoft anmelden').waitFor();
    await dialog.close();
    await page.getByText('Die Anmeldung mit Microsoft wurde abgebrochen: Das Anmeldefenster wurde geschlossen.').waitFor();
    // and tries again
    gotrue.signInAs('ozg@koeln.example');
    await page.getByRole('button', { name: 'Mit Microsoft anmelden' }).click();
    await page.getByText('Angemeldet als ozg@koeln.example').waitFor();
  });

  it('names the ExcelApi set the manifest requires, in German, on an Excel host below it', async () => {
    const manifest = await readFile(path.join(ROOT, 'manifest.xml'), 'utf8');
    const minimum = /<Set Name="ExcelApi" MinVersion="([\d.]+)"\/>/.exec(manifest)![1]!;
    const below = `${minimum.split('.')[0]}.${Number(minimum.split('.')[1]) - 1}`;
    const { page } = await host(`window.ozgOfficeConfig = { excelApi: '${below}' };`, office);
    await page.goto(`${server.url}/addin/taskpane.html`);
    await page.getByText(`OZG-Sync braucht Excel mit der Excel-JavaScript-API ${minimum} oder neuer`).waitFor();
    expect(await page.evaluate(() => window.ozgOfficeAsked)).toContainEqual(['ExcelApi', minimum]);
    expect(await page.getByRole('button', { name: 'Anmelden' }).count()).toBe(0);
  });

  it('shows a German message instead of a blank pane in a webview that cannot parse the bundle’s syntax', async () => {
    // What EdgeHTML and Trident do with the syntax of vite's build target: a SyntaxError.
    const oldParser = `(() => {
      const Real = window.Function;
      window.Function = function (...args) {
        if (/\\?\\.|\\?\\?|#|static \\{/.test(String(args[args.length - 1]))) throw new SyntaxError('Expected identifier');
        return Real.apply(this, args);
      };
    })();`;
    const { page } = await host(oldParser, workbook);
    await page.goto(`${server.url}/addin/taskpane.html`);
    await page.getByText(/^Diese Excel-Version zeigt Add-ins mit einem veralteten Browser-Baustein an/).waitFor();
    await page.getByText(/Microsoft Edge WebView2 installieren/).waitFor();
    expect(await page.getByRole('button', { name: /Anmelden/ }).count()).toBe(0);
  });
});
