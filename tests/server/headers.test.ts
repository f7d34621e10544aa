import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import type { Database } from '../../server/db/database.ts';
import { prepareDatabase } from '../../server/db/open.ts';
import { openPglite } from '../../server/db/pglite.ts';
import { testAuth } from '../helpers/api.ts';

/** The directives of a Content-Security-Policy header, by name. */
function csp(header: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe('Security headers', () => {
  let db: Database;
  let addinDir: string;
  const app = (frameAncestors?: string[]) => createApp({ db, auth: testAuth, addinDir, ...(frameAncestors ? { frameAncestors } : {}) });

  beforeAll(async () => {
    db = await openPglite();
    await prepareDatabase(db, { demoData: true });
    addinDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-headers-'));
    await mkdir(path.join(addinDir, 'assets'));
    await writeFile(path.join(addinDir, 'taskpane.html'), '<!doctype html><title>OZG-Sync</title>');
    await writeFile(path.join(addinDir, 'web.html'), '<!doctype html><title>OZG-Sync im Browser</title>');
    await writeFile(path.join(addinDir, 'assets/icon-32.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  });

  afterAll(async () => {
    await db?.close();
    if (addinDir) await rm(addinDir, { recursive: true, force: true });
  });

  it('answers / with 404 and a German reason, not 500, while the browser app is not built or being rebuilt', async () => {
    const unbuilt = await mkdtemp(path.join(os.tmpdir(), 'ozg-unbuilt-'));
    try {
      const response = await createApp({ db, auth: testAuth, addinDir: unbuilt }).request('/');
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: { code: 'not_found', message: 'Die Browser-Oberfläche ist nicht gebaut. `npm start` oder `npm run build` baut sie.' },
      });
    } finally {
      await rm(unbuilt, { recursive: true, force: true });
    }
  });

  it('lets Excel on the web and the server itself frame the task pane, and no one else', async () => {
    const response = await app().request('/addin/taskpane.html');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-frame-options')).toBeNull();
    const ancestors = csp(response.headers.get('content-security-policy'))['frame-ancestors'];
    expect(ancestors).toEqual(expect.arrayContaining(["'self'", 'https://*.officeapps.live.com', 'https://*.sharepoint.com']));
    expect(ancestors).not.toContain('*');
    expect(ancestors?.every((source) => source === "'self'" || source.startsWith('https://'))).toBe(true);
  });

  it('adds the origins of FRAME_ANCESTORS to the list of pages that may frame the pane', async () => {
    const response = await app(['https://intranet.example.org']).request('/addin/taskpane.html');
    expect(csp(response.headers.get('content-security-policy'))['frame-ancestors']).toEqual(
      expect.arrayContaining(["'self'", 'https://*.officeapps.live.com', 'https://intranet.example.org']),
    );
  });

  it('lets other origins load the ribbon icons, as Office does', async () => {
    const response = await app().request('/addin/assets/icon-32.png');
    expect(response.status).toBe(200);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sends /hilfe, the manifest’s SupportUrl, to the German help page next to the task pane', async () => {
    const response = await app().request('/hilfe');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/addin/hilfe.html');
  });

  it.each(['/', '/addin/web.html'])('serves the web app at %s, framed by no one, not even the pane’s frame ancestors', async (urlPath) => {
    const response = await app(['https://intranet.example.org']).request(urlPath);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('OZG-Sync im Browser');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(csp(response.headers.get('content-security-policy'))['frame-ancestors']).toEqual(["'none'"]);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  it.each(['/health', '/docs', '/openapi.json', '/api/themenfelder'])('keeps %s unframeable and same-origin only', async (urlPath) => {
    const response = await app(['https://intranet.example.org']).request(urlPath);
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy') ?? '').not.toContain('intranet.example.org');
  });
});
