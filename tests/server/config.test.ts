import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppOptions } from '../../server/app.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import type { Database } from '../../server/db/database.ts';
import { prepareDatabase } from '../../server/db/open.ts';
import { openPglite } from '../../server/db/pglite.ts';
import { testAuth } from '../helpers/api.ts';

describe('loadConfig', () => {
  it('runs one server process per available core with PostgreSQL, and WORKERS chooses another number', () => {
    const postgres = { DATABASE_URL: 'postgres://ozg@db.example.org/ozg' };
    expect(loadConfig(postgres).workers).toBe(os.availableParallelism());
    expect(loadConfig({ ...postgres, WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ ...postgres, WORKERS: ' ' }).workers).toBe(os.availableParallelism());
  });

  it('keeps the embedded database to one process, and refuses more with a German reason', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WORKERS: '1' }).workers).toBe(1);
    expect(() => loadConfig({ WORKERS: '2' })).toThrow('WORKERS: Mehrere Server-Prozesse brauchen DATABASE_URL (PostgreSQL)');
  });

  it.each(['0', 'zwei', '1.5', '65'])('refuses WORKERS=%s in German', (value) => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://ozg@db.example.org/ozg', WORKERS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://ozg@db.example.org/ozg', WORKERS: value })).toThrow(/WORKERS muss/);
  });

  it('reads FRAME_ANCESTORS as a space-separated list of origins, wildcard subdomains included', () => {
    const config = loadConfig({ FRAME_ANCESTORS: '  https://intranet.example.org   https://*.Kreis-Beispiel.de:8443\nhttp://127.0.0.1:4100 ' });
    expect(config.frameAncestors).toEqual(['https://intranet.example.org', 'https://*.kreis-beispiel.de:8443', 'http://127.0.0.1:4100']);
  });

  it('lets only Office and the server itself frame the pane when FRAME_ANCESTORS is not set', () => {
    expect(loadConfig({}).frameAncestors).toEqual([]);
  });

  it.each([
    ['a path', 'https://intranet.example.org/ozg'],
    ['a comma list', 'https://a.example.org,https://b.example.org'],
    ['no scheme', 'intranet.example.org'],
    ['a CSP keyword', "'unsafe-inline'"],
    ['a directive smuggled in', 'https://a.example.org;script-src'],
    ['everyone', '*'],
  ])('refuses %s in FRAME_ANCESTORS with a German message naming the entry', (_case, value) => {
    expect(() => loadConfig({ FRAME_ANCESTORS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ FRAME_ANCESTORS: value })).toThrow(`FRAME_ANCESTORS: „${value}“ ist kein Ursprung.`);
  });

  it('offers the Microsoft sign-in only with SUPABASE_AZURE=1, and refuses other values in German', () => {
    const supabase = { SUPABASE_URL: 'https://abcdefgh.supabase.co', SUPABASE_ANON_KEY: 'anon' };
    expect(loadConfig({ ...supabase, SUPABASE_AZURE: '1' }).supabaseAzure).toBe(true);
    expect(loadConfig({ SUPABASE_AZURE: '0' }).supabaseAzure).toBe(false);
    expect(loadConfig({}).supabaseAzure).toBe(false);
    expect(() => loadConfig({ SUPABASE_AZURE: 'ja' })).toThrow('SUPABASE_AZURE ist 1 (Anmeldung mit Microsoft anbieten) oder 0.');
  });

  it('refuses SUPABASE_AZURE=1 without the Supabase project it signs in through, in German', () => {
    expect(() => loadConfig({ SUPABASE_AZURE: '1' })).toThrow(ConfigError);
    expect(() => loadConfig({ SUPABASE_AZURE: '1', SUPABASE_URL: 'https://abcdefgh.supabase.co' })).toThrow(
      'SUPABASE_AZURE: Die Anmeldung mit Microsoft läuft über Supabase Auth und braucht SUPABASE_URL und SUPABASE_ANON_KEY.',
    );
  });

  it('keeps the service-role key for invitations, and refuses it in German without the project it belongs to', () => {
    expect(loadConfig({ SUPABASE_URL: 'https://abcdefgh.supabase.co', SUPABASE_SERVICE_ROLE_KEY: ' service-role ' }).supabaseServiceRoleKey).toBe('service-role');
    expect(loadConfig({}).supabaseServiceRoleKey).toBeUndefined();
    expect(() => loadConfig({ SUPABASE_SERVICE_ROLE_KEY: 'service-role' })).toThrow(ConfigError);
    expect(() => loadConfig({ SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-value' })).toThrow(
      /^Ungültige Konfiguration:\nSUPABASE_SERVICE_ROLE_KEY: Einladungen verschickt Supabase Auth; dafür braucht der Server auch SUPABASE_URL, die Adresse des Projekts\.$/,
    );
  });
});

describe('GET /api/config', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPglite();
    await prepareDatabase(db, { demoData: true });
  });
  afterAll(() => db?.close());

  const config = async (options: Partial<AppOptions>) =>
    (await createApp({ db, auth: testAuth, ...options }).request('/api/config')).json() as Promise<Record<string, unknown>>;
  const supabase = { url: 'https://abcdefgh.supabase.co', anonKey: 'anon' };

  it('tells the pane to offer "Mit Microsoft anmelden" only where the server runs with SUPABASE_AZURE=1', async () => {
    expect(await config({ supabase, supabaseAzure: true })).toMatchObject({ supabaseUrl: supabase.url, microsoft: true });
    expect(await config({ supabase })).toMatchObject({ microsoft: false });
    expect(await config({ supabaseAzure: true })).not.toHaveProperty('microsoft');
  });
});

const PG = 'postgres://ozg@db.example.org:5432/ozg';

describe('Which fresh database gets the demo data', () => {
  it.each([
    ['the embedded default', {}, true],
    ['the embedded default with NODE_ENV=production', { NODE_ENV: 'production' }, false],
    ['a database reached through DATABASE_URL', { DATABASE_URL: PG }, false],
    ['DATABASE_URL with OZG_DEMO_DATA=1', { DATABASE_URL: PG, OZG_DEMO_DATA: '1' }, true],
    ['NODE_ENV=production with OZG_DEMO_DATA=1', { NODE_ENV: 'production', OZG_DEMO_DATA: ' 1 ' }, true],
    ['the embedded default with OZG_DEMO_DATA=0', { OZG_DEMO_DATA: '0' }, false],
    ['an empty OZG_DEMO_DATA, as compose files pass it', { DATABASE_URL: PG, OZG_DEMO_DATA: '' }, false],
  ])('decides for %s: %s', (_label, env, expected) => {
    expect(loadConfig(env).demoData).toBe(expected);
  });

  it.each(['ja', 'true', '2'])('refuses OZG_DEMO_DATA=%s with a German message naming both values', (value) => {
    expect(() => loadConfig({ OZG_DEMO_DATA: value })).toThrow(ConfigError);
    expect(() => loadConfig({ OZG_DEMO_DATA: value })).toThrow(/OZG_DEMO_DATA: OZG_DEMO_DATA ist 1 .*Beispieldaten.* oder 0/);
  });
});
