import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

describe('loadConfig', () => {
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
    expect(loadConfig({ SUPABASE_AZURE: '1' }).supabaseAzure).toBe(true);
    expect(loadConfig({ SUPABASE_AZURE: '0' }).supabaseAzure).toBe(false);
    expect(loadConfig({}).supabaseAzure).toBe(false);
    expect(() => loadConfig({ SUPABASE_AZURE: 'ja' })).toThrow('SUPABASE_AZURE ist 1 (Anmeldung mit Microsoft anbieten) oder 0.');
  });
});
