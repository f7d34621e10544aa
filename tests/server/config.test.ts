import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

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
