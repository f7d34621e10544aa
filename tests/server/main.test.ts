import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../server/db/pglite.ts';
import { openPostgres } from '../../server/db/postgres.ts';
import { createPostgresDatabase, POSTGRES_SKIPPED, type TestDatabase } from '../helpers/databases.ts';
import { startServer } from '../helpers/server-process.ts';

const get = async (url: string, token?: string) => {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, body: await response.json() };
};

/** Signs in as a seeded member the way the add-in does in local mode. */
async function devLogin(base: string, email = 'admin@ozg-sync.example'): Promise<string> {
  const response = await fetch(`${base}/api/dev/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  expect(response.status).toBe(200);
  return (await response.json()).access_token;
}

const NEUSS = `
  insert into public.kreis (kreisschluessel, name, typ) values ('05162', 'Rhein-Kreis Neuss', 'Kreis');
  insert into public.kommune (ags, name, typ) values ('05162024', 'Neuss, Stadt', 'kreisangehörige Gemeinde');`;

describe('npm start on the embedded database', () => {
  let dataDir: string;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts on PGlite with the seed, and keeps data across a restart', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-data-'));
    const first = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '' });
    try {
      expect(await get(`${first.url}/health`)).toEqual({
        status: 200,
        body: { status: 'ok', database: 'pglite', migrations: expect.any(Number) },
      });
      expect((await get(`${first.url}/api/themenfelder`)).status).toBe(401);
      expect((await get(`${first.url}/api/themenfelder`, await devLogin(first.url))).body).toHaveLength(14);
      expect(first.output()).toContain('Beispieldaten eingespielt');
      expect(first.output()).toContain('lokaler Betrieb ohne Supabase');
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const direct = await openPglite(path.join(dataDir, 'pglite'));
    await direct.exec(NEUSS);
    await direct.close();

    const second = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '' });
    try {
      expect(second.output()).not.toContain('neu angewendet');
      expect(second.output()).not.toContain('Beispieldaten');
      const token = await devLogin(second.url);
      expect((await get(`${second.url}/api/kommunen/05162024`, token)).body.name).toBe('Neuss, Stadt');
      expect((await get(`${second.url}/api/themenfelder`, token)).body).toHaveLength(14);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('gives a fresh database started with NODE_ENV=production the schema only: no demo members, no demo admin', async () => {
    const productionDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-data-'));
    try {
      const server = await startServer({ DATA_DIR: productionDir, DATABASE_URL: '', NODE_ENV: 'production' });
      try {
        expect(server.output()).toContain('ohne Beispieldaten');
        expect((await get(`${server.url}/health`)).body).toMatchObject({ status: 'ok', database: 'pglite' });
      } finally {
        expect(await server.stop()).toBe(0);
      }
      const db = await openPglite(path.join(productionDir, 'pglite'));
      try {
        expect(await db.query('select email from public.mitglied')).toEqual([]);
        expect(await db.query('select 1 from public.kommune_status limit 1')).toEqual([]);
        expect((await db.query('select 1 from supabase_migrations.schema_migrations')).length).toBeGreaterThan(6);
      } finally {
        await db.close();
      }
    } finally {
      await rm(productionDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses to start with a clear German message, not a stack trace, when the configuration is wrong', async () => {
    const attempt = startServer({ PORT: 'dreitausend', DATA_DIR: os.tmpdir() });
    await expect(attempt).rejects.toThrow(/exited with 1[\s\S]*PORT: PORT muss eine Zahl sein/);
    await expect(attempt).rejects.not.toThrow(/at .*\.ts:\d+/);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)(
  `npm start with DATABASE_URL${process.env.TEST_DATABASE_URL ? '' : ` (${POSTGRES_SKIPPED})`}`,
  () => {
    let database: TestDatabase | undefined;
    afterAll(async () => {
      await database?.drop();
    });

    it('gives a fresh database reached through DATABASE_URL the schema only unless OZG_DEMO_DATA=1 asks for the demo', async () => {
      const empty = await createPostgresDatabase();
      try {
        const server = await startServer({ DATABASE_URL: empty.url!, DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'ozg-data-')) });
        try {
          expect(server.output()).toContain('ohne Beispieldaten');
          expect(await empty.db.query('select email from public.mitglied')).toEqual([]);
          expect(await empty.db.query('select 1 from public.themenfeld')).toEqual([]);
        } finally {
          expect(await server.stop()).toBe(0);
        }
      } finally {
        await empty.drop();
      }
    }, 120_000);

    it('starts on PostgreSQL with the seed when OZG_DEMO_DATA=1, and keeps data across a restart', async () => {
      database = await createPostgresDatabase();
      const env = { DATABASE_URL: database.url!, DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'ozg-data-')), OZG_DEMO_DATA: '1' };
      const first = await startServer(env);
      try {
        expect((await get(`${first.url}/health`)).body).toMatchObject({ status: 'ok', database: 'postgres' });
        expect((await get(`${first.url}/api/themenfelder`, await devLogin(first.url))).body).toHaveLength(14);
      } finally {
        expect(await first.stop()).toBe(0);
      }

      const direct = openPostgres(database.url!, { max: 1 });
      await direct.exec(NEUSS);
      await direct.close();

      const second = await startServer(env);
      try {
        expect(second.output()).not.toContain('Beispieldaten');
        expect((await get(`${second.url}/api/kommunen/05162024`, await devLogin(second.url))).body.name).toBe('Neuss, Stadt');
      } finally {
        await second.stop();
      }
    }, 120_000);
  },
);
