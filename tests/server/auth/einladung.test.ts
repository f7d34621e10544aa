import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../server/app.ts';
import { supabaseInviter } from '../../../server/auth/invite.ts';
import { createTokenVerifier } from '../../../server/auth/tokens.ts';
import { prepareDatabase } from '../../../server/db/open.ts';
import { openPglite } from '../../../server/db/pglite.ts';
import type { Database } from '../../../server/db/database.ts';
import { serviceRoleKey, startFakeGoTrue, type FakeGoTrue } from '../../e2e/fake-gotrue.ts';
import { httpApi, type Api } from '../../helpers/api.ts';
import { checkedAgainst, contractOf } from '../../helpers/contract.ts';
import { databaseTargets, POSTGRES_SKIPPED, type TestDatabase } from '../../helpers/databases.ts';
import { ADMIN, KOELN } from '../../helpers/members.ts';
import { freePort, startServer, type RunningServer } from '../../helpers/server-process.ts';

const JWT_SECRET = 'ozg-sync-einladung-jwt-secret-0123456789abcdef';

const post = (api: Api, path: string, body: unknown) =>
  api.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function error(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

for (const target of databaseTargets) {
  describe.skipIf(!target.available)(
    `Einladen through the running server in Supabase mode [${target.kind}]${target.available ? '' : ` (${POSTGRES_SKIPPED})`}`,
    () => {
      let gotrue: FakeGoTrue;
      let server: RunningServer;
      let key: string;
      let dataDir: string;
      let postgresDb: TestDatabase | undefined;
      let contract: Awaited<ReturnType<typeof contractOf>>;
      const as = async (email: string) => checkedAgainst(contract, httpApi(server.url, await gotrue.accessToken(email)));

      beforeAll(async () => {
        gotrue = await startFakeGoTrue({ jwtSecret: JWT_SECRET });
        key = await serviceRoleKey(JWT_SECRET);
        dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-einladung-'));
        if (target.kind === 'postgres') postgresDb = await target.create();
        server = await startServer({
          DATA_DIR: dataDir,
          DATABASE_URL: postgresDb?.url ?? '',
          OZG_DEMO_DATA: '1',
          SUPABASE_URL: gotrue.url,
          SUPABASE_JWT_SECRET: JWT_SECRET,
          SUPABASE_ANON_KEY: 'anon-key-of-the-test-project',
          SUPABASE_SERVICE_ROLE_KEY: key,
        });
        contract = await contractOf(await (await fetch(`${server.url}/openapi.json`)).json());
      }, 120_000);

      afterAll(async () => {
        await server?.stop();
        await postgresDb?.drop();
        await gotrue?.close();
        if (dataDir) await rm(dataDir, { recursive: true, force: true });
      });

      it('tells the web app that invitations are available, and never hands out the service-role key', async () => {
        const response = await fetch(`${server.url}/api/config`);
        const text = await response.text();
        expect(JSON.parse(text)).toMatchObject({ mode: 'supabase', einladen: true });
        expect(text).not.toContain(key);
        expect((await fetch(`${server.url}/openapi.json`).then((r) => r.text())).includes(key)).toBe(false);
        expect(server.output()).toContain('Admins können Personen per E-Mail einladen');
        expect(server.output()).not.toContain(key);
      });

      it('lets an admin invite a new member: Supabase Auth sends the email with a link back to the web app', async () => {
        const admin = await as(ADMIN);
        expect((await post(admin, '/api/mitglieder', { email: 'Neu.Kommune@Koeln.example', rolle: 'kommune', ags: '05315000' })).status).toBe(201);
        const before = gotrue.invitations.length;

        const response = await post(admin, '/api/mitglieder/einladung', { email: '  NEU.kommune@koeln.example ' });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ email: 'neu.kommune@koeln.example', weiterleitung: `${server.url}/` });
        expect(gotrue.invitations.slice(before)).toEqual([
          { email: 'neu.kommune@koeln.example', redirectTo: `${server.url}/`, link: expect.stringContaining(`${gotrue.url}/auth/v1/verify?`) },
        ]);
      });

      it('sends the invitation again while it is not accepted yet, as Supabase Auth does', async () => {
        const before = gotrue.invitations.length;
        expect((await post(await as(ADMIN), '/api/mitglieder/einladung', { email: 'neu.kommune@koeln.example' })).status).toBe(200);
        expect(gotrue.invitations.length).toBe(before + 1);
      });

      it('answers 409 for someone who has an account already, saying that they can sign in', async () => {
        gotrue.addAccount(KOELN);
        const before = gotrue.invitations.length;
        const response = await post(await as(ADMIN), '/api/mitglieder/einladung', { email: KOELN });
        expect(response.status).toBe(409);
        expect(await error(response)).toEqual({
          code: 'conflict',
          message: `${KOELN} hat schon ein Konto und kann sich bereits anmelden (mit Microsoft, Passwort oder Code per E-Mail); eine Einladung ist nicht nötig.`,
        });
        expect(gotrue.invitations.length).toBe(before);
      });

      it('lets only admins invite, with a German 403, and sends nothing', async () => {
        const before = gotrue.invitations.length;
        const response = await post(await as(KOELN), '/api/mitglieder/einladung', { email: 'neu.kommune@koeln.example' });
        expect(response.status).toBe(403);
        expect((await error(response)).message).toBe('Mitgliedschaften verwalten nur Administratorinnen und Administratoren der OZG-Koordinierungsstelle.');
        expect(gotrue.invitations.length).toBe(before);
      });

      it('invites only people with a membership, and says so in German', async () => {
        const before = gotrue.invitations.length;
        const response = await post(await as(ADMIN), '/api/mitglieder/einladung', { email: 'fremd@example.org' });
        expect(response.status).toBe(404);
        expect((await error(response)).message).toBe(
          'fremd@example.org hat keine Mitgliedschaft. Legen Sie zuerst eine an; eingeladen wird nur, wer in OZG-Sync etwas darf.',
        );
        expect(gotrue.invitations.length).toBe(before);
      });

      it('refuses an address that is none before asking Supabase Auth', async () => {
        const before = gotrue.requests.length;
        const response = await post(await as(ADMIN), '/api/mitglieder/einladung', { email: 'keine adresse' });
        expect(response.status).toBe(400);
        expect((await error(response)).message).toContain('Bitte eine gültige E-Mail-Adresse angeben.');
        expect(gotrue.requests.slice(before).filter((r) => r.includes('/invite'))).toEqual([]);
      });

      it('says in German to try later when Supabase’s email limit is reached', async () => {
        gotrue.emailLimit(0);
        try {
          const response = await post(await as(ADMIN), '/api/mitglieder/einladung', { email: 'neu.kommune@koeln.example' });
          expect(response.status).toBe(429);
          expect((await error(response)).message).toBe(
            'Supabase hat gerade zu viele E-Mails verschickt. Bitte versuchen Sie die Einladung in einigen Minuten noch einmal.',
          );
        } finally {
          gotrue.emailLimit(Infinity);
        }
      });
    },
  );
}

describe('Einladen where the server cannot invite', () => {
  let gotrue: FakeGoTrue;
  let db: Database;
  beforeAll(async () => {
    gotrue = await startFakeGoTrue({ jwtSecret: JWT_SECRET });
    db = await openPglite();
    await prepareDatabase(db, { demoData: true });
  });
  afterAll(async () => {
    await db?.close();
    await gotrue?.close();
  });

  const app = (options: { inviter?: ReturnType<typeof supabaseInviter> }) =>
    createApp({
      db,
      auth: { mode: 'supabase', verify: createTokenVerifier({ kind: 'supabase-secret', secret: new TextEncoder().encode(JWT_SECRET) }) },
      supabase: { url: gotrue.url, anonKey: 'anon' },
      ...options,
    });
  const invite = async (target: ReturnType<typeof app>) =>
    target.request('/api/mitglieder/einladung', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await gotrue.accessToken(ADMIN)}` },
      body: JSON.stringify({ email: KOELN }),
    });

  it('offers no „Einladen“ without SUPABASE_SERVICE_ROLE_KEY and says what is missing', async () => {
    const target = app({});
    expect(await (await target.request('/api/config')).json()).toMatchObject({ einladen: false });
    const response = await invite(target);
    expect(response.status).toBe(404);
    expect((await error(response)).message).toContain('SUPABASE_SERVICE_ROLE_KEY');
  });

  it('names the key when Supabase Auth refuses it (e.g. the anon key entered by mistake)', async () => {
    const before = gotrue.invitations.length;
    const response = await invite(app({ inviter: supabaseInviter(gotrue.url, await gotrue.accessToken(ADMIN)) }));
    expect(response.status).toBe(503);
    expect((await error(response)).message).toBe(
      'Supabase Auth nimmt den SUPABASE_SERVICE_ROLE_KEY des Servers nicht an. Bitte den Betrieb bitten, den service_role-Schlüssel des Projekts einzutragen.',
    );
    expect(gotrue.invitations.length).toBe(before);
  });

  it('says Supabase Auth is unreachable when it is, and sends nothing', async () => {
    const response = await invite(app({ inviter: supabaseInviter(`http://127.0.0.1:${await freePort()}`, await serviceRoleKey(JWT_SECRET)) }));
    expect(response.status).toBe(503);
    expect((await error(response)).message).toBe(
      'Supabase Auth ist gerade nicht erreichbar; die Einladung wurde nicht verschickt. Bitte später noch einmal versuchen.',
    );
  });
});
