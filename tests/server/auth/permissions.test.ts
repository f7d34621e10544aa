import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { createApp } from '../../../server/app.ts';
import { openPostgres } from '../../../server/db/postgres.ts';
import { apiAs, testAuth, testApp, type Api } from '../../helpers/api.ts';
import type { Sql } from '../../../server/db/database.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { apiInRollback, inRollback } from '../../helpers/rls.ts';
import { postChanges, pullRows } from '../../helpers/sheets.ts';
import { ADMIN, FREMD, KOELN, KREIS_METTMANN_IT, METTMANN, MOBILITAET, UNTERNEHMEN } from '../../helpers/members.ts';

const MEMBERS = [ADMIN, MOBILITAET, UNTERNEHMEN, KOELN, METTMANN];

describeEachDatabase('Permissions through the API', ({ db, kind, url }) => {
  /** Each test runs in a transaction that rolls back; the app runs inside it as the given person. */
  const rolledBack = (fn: (as: (email: string | null) => Api, tx: Sql) => Promise<void>) =>
    inRollback(db(), (tx) => fn((email) => apiInRollback(db(), tx, email), tx));
  const statusOf = async (api: Api, path: string, init?: RequestInit) => (await api.request(path, init)).status;

  const reads = ['/api/themenfelder', '/api/leistungen?themenfeld=9', '/api/kommunen', '/api/me', '/api/sheets',
    '/api/sheets/kommune-status/rows?scope=05315000', '/api/sheets/kommune-status/rows?scope=05158024', '/api/sheets/leistung-status/rows?scope=14', '/api/reports/progress?themenfeld=9'];
  it.each(reads)('lets every member read %s, answers 403 without membership and 401 without token', async (path) => {
    await rolledBack(async (as) => {
      for (const email of MEMBERS) expect(await statusOf(as(email), path)).toBe(200);
      expect(await statusOf(as(FREMD), path)).toBe(403);
      expect(await statusOf(as(null), path)).toBe(401);
    });
  });

  it('tells a signed-in person without membership whom to ask, in German', async () => {
    await rolledBack(async (as) => {
      const body = await (await as(FREMD).request('/api/themenfelder')).json();
      expect(body.error).toEqual({ code: 'forbidden', message: expect.stringMatching(/jemand@example.org.*OZG-Koordinierungsstelle/) });
    });
  });

  it('answers /api/me with the memberships and the sheets the person may change', async () => {
    await rolledBack(async (as) => {
      const koeln = await (await as(KOELN).request('/api/me')).json();
      expect(koeln).toEqual({
        email: KOELN,
        mitgliedschaften: [
          { rolle: 'kommune', themenfeldId: null, themenfeld: null, ags: '05315000', kommune: 'Köln, Stadt', dienstleisterId: null, dienstleister: null },
        ],
        darfAlleAendern: [],
        schreibrechte: [{ kind: 'kommune-status', scope: '05315000', titel: 'Umsetzungsstand einer Kommune: Köln, Stadt' }],
        darfPruefen: false,
      });
      const mobility = await (await as(MOBILITAET).request('/api/me')).json();
      expect(mobility.schreibrechte).toEqual([{ kind: 'leistung-status', scope: '9', titel: 'Themenfeld-Übersicht: Mobilität & Reisen' }]);
      expect(mobility.darfPruefen).toBe(true);
    });
  });

  const pushes: [string, string, string, number][] = [
    ['kommune-status', '05315000', ADMIN, 200],
    ['kommune-status', '05315000', KOELN, 200],
    ['kommune-status', '05315000', METTMANN, 403],
    ['kommune-status', '05315000', MOBILITAET, 403],
    ['kommune-status', '05315000', FREMD, 403],
    ['leistung-status', '9', ADMIN, 200],
    ['leistung-status', '9', MOBILITAET, 200],
    ['leistung-status', '9', UNTERNEHMEN, 403],
    ['leistung-status', '9', KOELN, 403],
  ];
  it.each(pushes)('answers a push to %s %s by %s with %i, and a denied push changes nothing', async (sheet, scope, email, expected) => {
    await rolledBack(async (as) => {
      const before = await pullRows(as(ADMIN), sheet, scope);
      const row = before.rows[0]!;
      const response = await postChanges(as(email), sheet, {
        scope,
        changes: [{ id: row.id, baseVersion: row.version, base: { bemerkung: row.values.bemerkung }, set: { bemerkung: `von ${email}` } }],
      });
      expect(response.status).toBe(expected);
      const after = await pullRows(as(ADMIN), sheet, scope);
      if (expected === 200) {
        expect((await response.json()).results[0].outcome).toBe('applied');
      } else {
        expect((await response.json()).error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/nicht ändern, nur ansehen|nicht freigeschaltet/) });
        expect(after.rows).toEqual(before.rows);
      }
    });
  });

  it('answers a push without token with 401', async () => {
    await rolledBack(async (as) => {
      const response = await postChanges(as(null), 'kommune-status', { scope: '05315000', changes: [] });
      expect(response.status).toBe(401);
    });
  });

  it('lets only admins list, add and remove memberships, and logs them as API writes', async () => {
    await rolledBack(async (as, tx) => {
      const status = (email: string, path: string, init?: RequestInit) => statusOf(as(email), path, init);
      for (const email of [MOBILITAET, KOELN]) expect(await status(email, '/api/mitglieder')).toBe(403);
      expect(await status(ADMIN, '/api/mitglieder')).toBe(200);

      const neu = { email: 'Neu@Koeln.example', rolle: 'kommune', ags: '05315000' };
      const post = (email: string) =>
        as(email).request('/api/mitglieder', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(neu) });
      expect((await post(KOELN)).status).toBe(403);
      const created = await post(ADMIN);
      expect(created.status).toBe(201);
      const member = await created.json();
      expect(member).toMatchObject({ email: 'neu@koeln.example', rolle: 'kommune', ags: '05315000', themenfeldId: null });
      expect((await post(ADMIN)).status).toBe(409);
      expect(await status('neu@koeln.example', '/api/me')).toBe(200);

      expect(await status(KOELN, `/api/mitglieder/${member.id}`, { method: 'DELETE' })).toBe(403);
      expect(await status(ADMIN, `/api/mitglieder/${member.id}`, { method: 'DELETE' })).toBe(200);
      expect(await status(ADMIN, `/api/mitglieder/${member.id}`, { method: 'DELETE' })).toBe(404);
      expect(await status('neu@koeln.example', '/api/me')).toBe(403);

      const log = await tx.query(`select akteur, quelle, alt is null as angelegt from public.aenderung where bereich = 'neu@koeln.example' order by id`);
      expect(log).toEqual([
        { akteur: ADMIN, quelle: 'api', angelegt: true },
        { akteur: ADMIN, quelle: 'api', angelegt: false },
      ]);
    });
  });

  it.each([
    [{ email: 'kein-at', rolle: 'admin' }, /gültige E-Mail-Adresse/],
    [{ email: 'a@b.example', rolle: 'koordination' }, /braucht genau ein Themenfeld/],
    [{ email: 'a@b.example', rolle: 'kommune', ags: '09162000' }, /aus NRW/],
    [{ email: 'a@b.example', rolle: 'kommune', ags: '05999999' }, /AGS 05999999 gibt es nicht/],
    [{ email: 'a@b.example', rolle: 'koordination', themenfeldId: 99 }, /Themenfeld 99 gibt es nicht/],
  ])('rejects the membership %j with 400 and a German message', async (body, message) => {
    await rolledBack(async (as) => {
      const response = await as(ADMIN).request('/api/mitglieder', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toMatch(message);
    });
  });

  it('signs in a seeded member in local mode, and nobody else', async () => {
    const app = testApp(db());
    const login = (email: string) =>
      app.request('/api/dev/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    const ok = await login('OZG@koeln.example');
    expect(ok.status).toBe(200);
    const { access_token } = await ok.json();
    const me = await app.request('/api/me', { headers: { authorization: `Bearer ${access_token}` } });
    expect((await me.json()).email).toBe(KOELN);
    expect((await login(FREMD)).status).toBe(404);
    const members = await (await app.request('/api/dev/members')).json();
    expect(members.map((m: { email: string }) => m.email)).toEqual(expect.arrayContaining(MEMBERS));
    // The picker names each member's area; a provider's member is one for the provider, not for all areas.
    expect(members).toEqual(
      expect.arrayContaining([
        { email: ADMIN, rolle: 'admin', bereich: 'alle Bereiche' },
        { email: KREIS_METTMANN_IT, rolle: 'dienstleister', bereich: 'Kreis Mettmann' },
      ]),
    );
  });

  it('has no local sign-in when the server runs against Supabase', async () => {
    const app = createApp({ db: db(), auth: { mode: 'supabase', verify: testAuth.verify } });
    const response = await app.request('/api/dev/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN }),
    });
    expect(response.status).toBe(404);
    expect((await app.request('/api/dev/members')).status).toBe(404);
  });

  it('allows cross-origin calls only from the configured origins', async () => {
    const app = testApp(db());
    const preflight = (origin: string) =>
      app.request('/api/themenfelder', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    expect((await preflight('https://localhost:3000')).headers.get('access-control-allow-origin')).toBe('https://localhost:3000');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it.skipIf(kind !== 'postgres')('hands a pooled connection back without the caller’s role or claims', async () => {
    const single = openPostgres(url()!, { max: 1 });
    try {
      const api = apiAs(single, KOELN);
      const row = (await pullRows(api, 'kommune-status', '05315000')).rows[0]!;
      await postChanges(api, 'kommune-status', {
        scope: '05315000',
        idempotencyKey: randomUUID(),
        changes: [{ id: row.id, baseVersion: row.version, base: {}, set: { ansprechperson: 'Pool' } }],
      });
      const [state] = await single.query(
        `select current_user as role, coalesce(current_setting('request.jwt.claims', true), '') as claims`,
      );
      expect(state).toEqual({ role: 'postgres', claims: '' });
    } finally {
      await single.close();
    }
  });
});
