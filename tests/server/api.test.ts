import { beforeAll, expect, it } from 'vitest';
import type { Sql } from '../../server/db/database.ts';
import { apiAs } from '../helpers/api.ts';
import { checkedAgainst, contractOf } from '../helpers/contract.ts';
import { describeEachDatabase } from '../helpers/databases.ts';

async function json(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  return response.json();
}

function expectErrorShape(body: unknown, code: string) {
  expect(body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);
}

describeEachDatabase('Catalogue API', ({ db, kind }) => {
  // Every answer in this suite is checked against /openapi.json: status listed, body as its schema.
  let contract: Awaited<ReturnType<typeof contractOf>>;
  beforeAll(async () => {
    contract = await contractOf(await (await apiAs(db()).request('/openapi.json')).json());
  });
  const app = () => checkedAgainst(contract, apiAs(db()));

  it('reports health with the database kind and the number of migrations', async () => {
    const response = await app().request('/health');
    expect(response.status).toBe(200);
    const [{ n }] = (await db().query<{ n: number }>(
      'select count(*)::int as n from supabase_migrations.schema_migrations',
    )) as [{ n: number }];
    expect(await json(response)).toEqual({ status: 'ok', database: kind, migrations: n });
  });

  it('lists the 14 Themenfelder with their number of Leistungen', async () => {
    const body = await json(await app().request('/api/themenfelder'));
    expect(body).toHaveLength(14);
    expect(body[8]).toEqual({ id: 9, name: 'Mobilität & Reisen', anzahlLeistungen: 21 });
    expect((await json(await app().request('/api/themenfelder/14'))).name).toBe('Unternehmensführung & -entwicklung');
  });

  it('lists the Leistungen of one Themenfeld, ordered by OZG-ID', async () => {
    const body: { ozgId: number | null; themenfeldId: number }[] = await json(await app().request('/api/leistungen?themenfeld=9'));
    expect(body).toHaveLength(21);
    expect(body.every((l) => l.themenfeldId === 9)).toBe(true);
    const ids = body.map((l) => l.ozgId!);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('finds Leistungen by part of the name, case-insensitively, or by the start of the OZG-ID', async () => {
    const byName = await json(await app().request(`/api/leistungen?q=${encodeURIComponent('KRAFTFAHRZEUG')}`));
    expect(byName.map((l: { ozgId: number }) => l.ozgId)).toEqual([10436, 10438, 10439]);
    const byId = await json(await app().request('/api/leistungen?q=1029'));
    expect(byId.map((l: { ozgId: number }) => l.ozgId)).toEqual([10293, 10294, 10297]);
    expect(await json(await app().request('/api/leistungen?q=%25'))).toEqual([]);
  });

  it('answers one Leistung by OZG-ID with German field names', async () => {
    const body = await json(await app().request('/api/leistungen/10294'));
    expect(body).toEqual({
      id: expect.any(String),
      ozgId: 10294,
      name: 'Unternehmensanmeldung und -genehmigung',
      themenfeldId: 14,
      themenfeld: 'Unternehmensführung & -entwicklung',
      leikaAnzahl: 198,
      leikaTypen: ['1', '2/3', '4'],
      kommunalerVollzug: true,
    });
  });

  it('lists and finds Kommunen, including by umlaut and AGS prefix', async () => {
    const all = await json(await app().request('/api/kommunen'));
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(await json(await app().request(`/api/kommunen?q=${encodeURIComponent('köln')}`))).toEqual([
      { ags: '05315000', name: 'Köln, Stadt', kreisschluessel: '05315', kreis: 'Köln, Stadt', typ: 'kreisfreie Stadt' },
    ]);
    const mettmann = await json(await app().request('/api/kommunen?q=05158'));
    expect(mettmann.map((k: { ags: string }) => k.ags)).toEqual(['05158024', '05158028', '05158032']);
    expect((await json(await app().request('/api/kommunen/05166012'))).kreis).toBe('Viersen');
  });

  const badRequests = [
    '/api/leistungen?themenfeld=abc',
    '/api/leistungen?themenfeld=1.5',
    '/api/leistungen?themenfeld=0',
    '/api/leistungen?themenfeld=99999999',
    `/api/leistungen?q=${'x'.repeat(101)}`,
    '/api/leistungen?q=',
    '/api/leistungen/abc',
    '/api/leistungen/102944',
    '/api/themenfelder/neun',
    '/api/kommunen/Koeln',
    '/api/kommunen?q=%20%20',
  ];
  it.each(badRequests)('answers %s with 400 and a German message', async (url) => {
    const response = await app().request(url);
    expect(response.status).toBe(400);
    const body = await json(response);
    expectErrorShape(body, 'bad_request');
    expect(body.error.message).toMatch(/^Ungültige/);
    expect(body.error.details.issues[0].message).toEqual(expect.any(String));
  });

  const unknown = [
    ['/api/leistungen/10999', 'Die OZG-Leistung 10999 gibt es nicht.'],
    ['/api/leistungen?themenfeld=99', 'Das Themenfeld 99 gibt es nicht.'],
    ['/api/themenfelder/15', 'Das Themenfeld 15 gibt es nicht.'],
    ['/api/kommunen/05999999', 'Eine Kommune mit dem AGS 05999999 gibt es nicht.'],
    ['/api/gibtsnicht', 'Den Pfad GET /api/gibtsnicht gibt es nicht.'],
  ];
  it.each(unknown)('answers %s with 404: %s', async (url, message) => {
    const response = await app().request(url);
    expect(response.status).toBe(404);
    const body = await json(response);
    expectErrorShape(body, 'not_found');
    expect(body.error.message).toBe(message);
  });

  it('answers a failing database with 500 in the JSON error shape, without internals', async () => {
    const real = db();
    const failing = (tx: Sql): Sql => ({
      ...tx,
      query: (text, params) =>
        text.includes('public.themenfeld t') ? Promise.reject(new Error('relation "geheim" does not exist')) : tx.query(text, params),
    });
    const broken = checkedAgainst(contract, apiAs({ ...real, transaction: (fn) => real.transaction((tx) => fn(failing(tx))) }));
    const original = console.error;
    console.error = () => {};
    try {
      const response = await broken.request('/api/themenfelder');
      expect(response.status).toBe(500);
      const body = await json(response);
      expectErrorShape(body, 'internal');
      expect(JSON.stringify(body)).not.toContain('geheim');
    } finally {
      console.error = original;
    }
  });
});

describeEachDatabase('API documentation', ({ db }) => {
  it('says which operations are public and lists 401, 403, 415 and 413 wherever the server can answer so', async () => {
    const doc = await (await apiAs(db()).request('/openapi.json')).json();
    const operations = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[]; responses: object; requestBody?: unknown }>>).flatMap(
      ([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, ...op, statuses: Object.keys(op.responses) })),
    );
    const publicOnes = operations.filter((op) => op.security?.length === 0).map((op) => `${op.method} ${op.path}`);
    expect(publicOnes.sort()).toEqual(['get /api/config', 'get /api/dev/members', 'get /health', 'post /api/dev/login']);
    for (const op of operations.filter((o) => o.security === undefined)) expect(op.statuses, op.path).toEqual(expect.arrayContaining(['401', '403']));
    for (const op of operations.filter((o) => o.requestBody)) expect(op.statuses, op.path).toContain('415');
    for (const op of operations.filter((o) => o.method === 'post')) expect(op.statuses, op.path).toContain('413');
    expect(doc.paths['/api/sheets/{kind}/import'].post.responses).toHaveProperty('429');
    expect(doc.paths['/api/sheets/{kind}/changes'].post.responses).toHaveProperty('409');
  });

  it('answers a wrong method on a known path with 405 and Allow, an unknown path with 404', async () => {
    const wrong = await apiAs(db()).request('/api/themenfelder', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    expectErrorShape(await wrong.json(), 'method_not_allowed');
    const changes = await apiAs(db()).request('/api/sheets/kommune-status/changes');
    expect([changes.status, changes.headers.get('allow')]).toEqual([405, 'POST']);
    // A concrete path beside a templated one (/api/mitglieder/{id}) names its own methods, not the template's.
    const einladung = await apiAs(db()).request('/api/mitglieder/einladung');
    expect([einladung.status, einladung.headers.get('allow')]).toEqual([405, 'POST']);
    const mitglied = await apiAs(db()).request('/api/mitglieder/42', { method: 'GET' });
    expect([mitglied.status, mitglied.headers.get('allow')]).toEqual([405, 'DELETE']);
    expect((await apiAs(db()).request('/api/gibt-es-nicht', { method: 'DELETE' })).status).toBe(404);
  });

  it('the contract check itself refuses an undocumented status and a body that does not match its schema', async () => {
    const contract = await contractOf(await (await apiAs(db()).request('/openapi.json')).json());
    const json = new Headers({ 'content-type': 'application/json' });
    expect(contract('GET', '/api/themenfelder', { status: 200, headers: json, text: '[]' })).toEqual([]);
    expect(contract('GET', '/api/themenfelder', { status: 409, headers: json, text: '{}' })).not.toEqual([]);
    expect(contract('GET', '/api/themenfelder', { status: 200, headers: json, text: '{"themenfelder": []}' })).not.toEqual([]);
    expect(contract('GET', '/api/themenfelder', { status: 401, headers: json, text: '{"fehler": "x"}' })).not.toEqual([]);
    expect(contract('DELETE', '/api/themenfelder', { status: 404, headers: json, text: '{}' })).not.toEqual([]);
  });

  it('serves an OpenAPI document generated from the request schemas', async () => {
    const doc = await (await apiAs(db()).request('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/health', '/api/themenfelder', '/api/leistungen', '/api/leistungen/{ozgId}', '/api/kommunen']),
    );
    const themenfeldParam = doc.paths['/api/leistungen'].get.parameters.find((p: { name: string }) => p.name === 'themenfeld');
    expect(themenfeldParam).toMatchObject({ in: 'query', schema: { type: 'integer', minimum: 1 } });
    expect(doc.components.schemas.Fehler).toBeDefined();
  });

  it('serves a readable API reference at /docs with its assets from this server', async () => {
    const app = apiAs(db());
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/openapi.json');
    const script = html.match(/src="([^"]+swagger-ui-bundle\.js)"/)?.[1];
    expect(script).toMatch(/^\/docs\/assets\//);
    const asset = await app.request(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });
});
