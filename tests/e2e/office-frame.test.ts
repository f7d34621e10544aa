import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { buildPane, CHROMIUM, launchChromium, servePage, standInScript } from './browser.ts';

const available = existsSync(CHROMIUM);

/** What Excel on the web does: a page of another origin that shows the task pane in an iframe, its icon beside it. */
const embedding = (pane: () => string) => () => `<!doctype html>
<html lang="de"><body>
  <img id="icon" alt="OZG-Sync" src="${pane()}/addin/assets/icon-32.png">
  <iframe id="pane" title="OZG-Sync" width="380" height="700" src="${pane()}/addin/taskpane.html"></iframe>
</body></html>`;

describe.skipIf(!available)(`The task pane framed by another origin, in Chromium${available ? '' : ' (übersprungen: /usr/bin/chromium fehlt)'}`, () => {
  let server: RunningServer;
  let browser: Browser;
  let script: string;
  let pane: Awaited<ReturnType<typeof buildPane>>;
  let dataDir: string;
  let office: Awaited<ReturnType<typeof servePage>>;
  let stranger: Awaited<ReturnType<typeof servePage>>;

  async function open(origin: string): Promise<{ page: Page; console: string[] }> {
    const page = await browser.newPage({ locale: 'de-DE' });
    await page.addInitScript({ content: script });
    const console: string[] = [];
    page.on('console', (message) => console.push(message.text()));
    await page.goto(`${origin}/`);
    return { page, console };
  }

  beforeAll(async () => {
    [pane, script] = await Promise.all([buildPane(), standInScript()]);
    const url = () => server.url;
    office = await servePage(embedding(url));
    stranger = await servePage(embedding(url));
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-frame-'));
    server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '', ADDIN_DIR: pane.dir, FRAME_ANCESTORS: office.origin });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await office?.close();
    await stranger?.close();
    await pane?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('renders inside the frame of an origin on FRAME_ANCESTORS, signs in there, and shows the icon loaded cross-origin', async () => {
    const { page } = await open(office.origin);
    const frame = page.frameLocator('#pane');
    await frame.getByText('Lokaler Betrieb ohne Supabase').waitFor();
    await frame.getByRole('combobox', { name: 'Mitglied' }).click();
    await frame.getByRole('option', { name: /ozg@koeln\.example/ }).click();
    await frame.getByRole('button', { name: 'Anmelden' }).click();
    await frame.getByText('Angemeldet als ozg@koeln.example').waitFor();

    await expect.poll(() => page.locator('#icon').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(32);
    await page.close();
  });

  it('is refused in the frame of an origin that is not on the list, and Chromium names the frame-ancestors rule', async () => {
    const { page, console } = await open(stranger.origin);
    await expect.poll(() => console.find((text) => text.includes('frame-ancestors')), { timeout: 15_000 }).toMatch(
      /violates the following Content Security Policy directive: "frame-ancestors [^"]+"\. The request has been blocked\./,
    );
    expect(console.find((text) => text.includes('frame-ancestors'))).not.toContain(stranger.origin);
    const paneFrame = page.frames().find((frame) => frame !== page.mainFrame());
    expect(await paneFrame?.locator('#root').count()).toBe(0);
    // the icon is no secret: Office loads it for the ribbon wherever the add-in is installed
    expect(await page.locator('#icon').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(32);
    await page.close();
  });
});
