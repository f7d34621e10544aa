import { describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { loadConfig, ConfigError } from '../../server/config.ts';
import type { OriginOptions } from '../../server/origin.ts';
import { testAuth, testToken } from '../helpers/api.ts';
import { describeEachDatabase } from '../helpers/databases.ts';
import { KOELN } from '../helpers/members.ts';
import { decodedBinding, loadWorkbook } from './xlsx/workbooks.ts';

describeEachDatabase('The server address written into exported workbooks', ({ db }) => {
  /** The binding's server of an export requested at `url` with `headers`, from a server configured with `origin`. */
  async function exportedServer(origin: OriginOptions, url: string, headers: Record<string, string> = {}) {
    const app = createApp({ db: db(), auth: testAuth, origin });
    const response = await app.request(url, { headers: { authorization: `Bearer ${await testToken(KOELN)}`, ...headers } });
    expect(response.status).toBe(200);
    return decodedBinding(await loadWorkbook(new Uint8Array(await response.arrayBuffer()))).binding.server;
  }
  // How a TLS-terminating proxy hands the request on: plain HTTP inside, the client's scheme and host in headers.
  const INSIDE = 'http://10.0.0.5:3000/api/sheets/kommune-status/export.xlsx?scope=05315000';
  const PROXY = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'ozg.example.org', host: '10.0.0.5:3000' };

  it('is PUBLIC_URL when it is set, whatever the request or its headers say', async () => {
    expect(await exportedServer({ publicUrl: 'https://ozg.example.org' }, INSIDE, { 'x-forwarded-host': 'evil.example' })).toBe('https://ozg.example.org');
  });

  it('behind a trusted proxy is the https address the client used, from X-Forwarded-* or Forwarded, never http://', async () => {
    expect(await exportedServer({ trustProxy: true }, INSIDE, PROXY)).toBe('https://ozg.example.org');
    expect(await exportedServer({ trustProxy: true }, INSIDE, { forwarded: 'for=192.0.2.60;proto=https;host="ozg.example.org:8443"' })).toBe(
      'https://ozg.example.org:8443',
    );
    expect(await exportedServer({ trustProxy: true }, INSIDE, { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'ozg.example.org, inner' })).toBe(
      'https://ozg.example.org',
    );
  });

  it('ignores forwarded headers unless the proxy is trusted: anyone can send them to a server reachable directly', async () => {
    expect(await exportedServer({}, INSIDE, PROXY)).toBe('http://10.0.0.5:3000');
  });

  it('keeps the request address when a trusted proxy sends a host that is no host name', async () => {
    expect(await exportedServer({ trustProxy: true }, INSIDE, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'a/b@evil' })).toBe('https://10.0.0.5:3000');
  });
});

describe('PUBLIC_URL and TRUST_PROXY in the configuration', () => {
  it('takes the origin of PUBLIC_URL and a boolean TRUST_PROXY', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://ozg.example.org/', TRUST_PROXY: 'true' }).origin).toEqual({ publicUrl: 'https://ozg.example.org', trustProxy: true });
    expect(loadConfig({}).origin).toEqual({ publicUrl: undefined, trustProxy: false });
  });

  it.each([
    [{ PUBLIC_URL: 'ozg.example.org' }, /PUBLIC_URL ist die Adresse/],
    [{ PUBLIC_URL: 'ftp://ozg.example.org' }, /PUBLIC_URL ist die Adresse/],
    [{ PUBLIC_URL: 'https://ozg.example.org/api' }, /ohne Pfad/],
    [{ TRUST_PROXY: 'ja' }, /TRUST_PROXY ist true oder false/],
  ])('refuses %o with a German message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
