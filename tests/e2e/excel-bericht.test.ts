import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { PDFTOPPM, PDFTOTEXT, SOFFICE, convert, pageImage, printedPages } from '../server/xlsx/libreoffice.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = path.join(ROOT, 'docs/screenshots/13-excel-bericht.png');
const READY = Boolean(SOFFICE && PDFTOTEXT && PDFTOPPM);
/** The seed's Kommunen. */
const AGS = ['05315000', '05111000', '05158024', '05166012', '05334002', '05515000', '05562004', '05774032', '05913000', '05974040'];

/**
 * The progress workbook as a coordinator prints it, through the real server: its first page is
 * the trend over two Stichtage and today with the native line chart, rendered by LibreOffice.
 */
describe.skipIf(!READY)(`The Excel report printed by LibreOffice${READY ? '' : ' (übersprungen: LibreOffice oder poppler-utils fehlt)'}`, () => {
  let server: RunningServer;
  let dataDir: string;
  let auth: Record<string, string>;

  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${server.url}${route}`, { ...init, headers: { ...auth, 'content-type': 'application/json', ...init.headers } });

  /** Sets the first `count` Leistungen of each Kommune online at Reifegrad 3, as the Kommunen would report them. */
  async function online(count: (ags: string, index: number) => number) {
    for (const [index, ags] of AGS.entries()) {
      const pull = await (await api(`/api/sheets/kommune-status/rows?scope=${ags}`)).json();
      const changes = pull.rows.slice(0, count(ags, index)).map((row: { id: string; version: number; values: Record<string, unknown> }) => ({
        id: row.id,
        baseVersion: row.version,
        base: { status: row.values.status, reifegrad: row.values.reifegrad },
        set: { status: 'online', reifegrad: 3 },
      }));
      if (changes.length === 0) continue;
      const response = await api('/api/sheets/kommune-status/changes', {
        method: 'POST',
        body: JSON.stringify({ scope: ags, idempotencyKey: crypto.randomUUID(), source: 'api', changes }),
      });
      expect(response.status).toBe(200);
    }
  }

  async function stichtag(datum: string, bezeichnung: string) {
    const response = await api('/api/stichtage', { method: 'POST', body: JSON.stringify({ datum, bezeichnung }) });
    expect(response.status).toBe(201);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-e2e-bericht-'));
    server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '' });
    const login = await fetch(`${server.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@ozg-sync.example' }),
    });
    auth = { authorization: `Bearer ${(await login.json()).access_token}` };
    await online((_, index) => (index < 2 ? 3 : 0));
    await stichtag('2026-01-01', 'Erhebung 01.01.2026');
    await online((_, index) => (index < 6 ? 6 : 1));
    await stichtag('2026-07-01', 'Erhebung 01.07.2026');
    await online((_, index) => 10 - index);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('opens with the trend and its line chart on the first page, landscape', async () => {
    const response = await api('/api/reports/progress.xlsx');
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const [first] = await printedPages(bytes);
    expect(first).toMatch(/^Verlauf: Anteil OZG-konform je Themenfeld/);
    // the chart's own text: its value axis in whole percent, its axis title, and the series in the legend
    expect(first).toMatch(/^\s*0%\s*$/m);
    expect(first).toMatch(/^\s*Anteil OZG-konform\s*$/m);
    expect(first).toMatch(/\s{20,}Mobilität & Reisen\s*$/m);

    const png = await pageImage(await convert(bytes, 'xlsx', 'pdf'), 1);
    expect([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join('')).toBe('PNG');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    expect(width).toBeGreaterThan(height);
    if (process.env.OZG_SCREENSHOTS === '1') await writeFile(SCREENSHOT, png);
  }, 120_000);
});
