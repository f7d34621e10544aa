import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { openPglite } from '../../server/db/pglite.ts';
import { apiAs, httpApi, type Api } from '../helpers/api.ts';
import { createPostgresDatabase, describeOnPostgres, type TestDatabase } from '../helpers/databases.ts';
import { ADMIN } from '../helpers/members.ts';
import { startServer, type RunningServer } from '../helpers/server-process.ts';
import { pullRows } from '../helpers/sheets.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** npm run katalog as a user runs it, with the environment given; never throws, the exit code is part of the result. */
async function katalog(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/katalog.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

const COUNTS = `select
  (select count(*) from public.ozg_leistung where ozg_id is not null and not ausgeblendet)::int as ozg,
  (select count(*) from public.leika_leistung)::int as leika,
  (select count(*) from public.kommune)::int as kommunen,
  (select count(*) from public.kreis)::int as kreise,
  (select count(*) from public.it_dienstleister)::int as dienstleister`;

/** The issue's figures: the KDN export's 557 bundles, 5,251 LeiKa rows and 32 IT-Dienstleister, GV100's 396 Gemeinden and 53 Kreise. */
const FULL = { ozg: 557, leika: 5251, kommunen: 396, kreise: 53, dienstleister: 32 };
/**
 * The 460 OZG-Leistungen whose LeiKa types include 2/3, 4 or 5 (the rule README "Katalog importieren" states),
 * plus the seed's Sachkundenachweis from the 2019 Themenfeld table, which has no OZG-ID in KDN's catalogue.
 */
const KOMMUNAL = 460 + 1;

/** Köln is in the seed; Zülpich, Hallenberg and Bad Berleburg only come with the catalogue. */
const SAMPLE = ['05315000', '05366044', '05958020', '05970004'];

const counts = async (db: Database) => (await db.query<typeof FULL>(COUNTS))[0]!;

describe('npm run katalog on the embedded database', () => {
  let dataDir: string;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'ozg-katalog-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a dry run on a folder without a database migrates it, reports like npm run import and changes no row', async () => {
    const result = await katalog({ DATA_DIR: dataDir }, '--dry-run');
    expect(result.out).toContain('Katalog-Import: Probelauf, nichts wurde geändert.');
    expect(result.out).toMatch(/LeiKa-Leistungen\s+5\.251\s+0\s+0\s+0/);
    expect(result.code).toBe(0);
    const db = await openPglite(path.join(dataDir, 'pglite'));
    try {
      // the seed: 45 Leistungen with OZG-ID, 12 Kommunen, 10 Kreise, the IT-Dienstleister Kreis Mettmann
      expect(await counts(db)).toEqual({ ozg: 45, leika: 0, kommunen: 12, kreise: 10, dienstleister: 1 });
    } finally {
      await db.close();
    }
  }, 120_000);

  it('without --dry-run it loads 557 OZG-Leistungen, 5,251 LeiKa-Leistungen, 396 Kommunen and 53 Kreise', async () => {
    const result = await katalog({ DATA_DIR: dataDir });
    expect(result.out).toContain('Katalog-Import: übernommen.');
    expect(result.code).toBe(0);
    const db = await openPglite(path.join(dataDir, 'pglite'));
    try {
      expect(await counts(db)).toEqual(FULL);
    } finally {
      await db.close();
    }
  }, 180_000);

  it('while npm start holds the database, katalog goes through the server and npm run import refuses clearly', async () => {
    server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '' });
    const again = await katalog({ DATA_DIR: dataDir });
    expect(again.out).toContain('über dessen API');
    expect(again.out).toContain('Katalog-Import: übernommen.');
    expect(again.out).toMatch(/Kommunen\s+0\s+0\s+396\s+0/);
    expect(again.code).toBe(0);

    const direct = await run(process.execPath, ['--import', 'tsx', 'scripts/import.ts', 'catalogue', 'katalog'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(direct).toMatchObject({ code: 2, stderr: expect.stringContaining('gehört dem laufenden Server') });
  }, 180_000);

  it('the running server pulls the status sheet of Kommunen in the seed and of Kommunen only the catalogue brings', async () => {
    const login = await fetch(`${server!.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN }),
    });
    const api = httpApi(server!.url, ((await login.json()) as { access_token: string }).access_token);
    for (const ags of SAMPLE) {
      const pull = await pullRows(api, 'kommune-status', ags);
      expect(pull.rows, ags).toHaveLength(KOMMUNAL);
    }
  }, 60_000);
});

describeOnPostgres('npm run katalog on PostgreSQL (DATABASE_URL)', () => {
  let target: TestDatabase;
  let api: Api;

  beforeAll(async () => {
    target = await createPostgresDatabase();
  });
  afterAll(async () => {
    await target?.drop();
  });

  it('migrates an empty database, with the demo data as OZG_DEMO_DATA=1 asks, and loads the whole catalogue', async () => {
    const result = await katalog({ DATABASE_URL: target.url!, OZG_DEMO_DATA: '1' });
    expect(result.out).toContain('Katalog-Import: übernommen.');
    expect(result.code).toBe(0);
    expect(await counts(target.db)).toEqual(FULL);
    api = apiAs(target.db, ADMIN);
  }, 180_000);

  it('a pull works for every one of the 396 Kommunen of the Gemeindeverzeichnis', async () => {
    const gemeinden = parse(await readFile(path.join(ROOT, 'katalog/gemeinden-nrw/gemeinden.csv')), { columns: true }) as { ags: string }[];
    expect(gemeinden).toHaveLength(396);
    for (const { ags } of gemeinden) {
      const pull = await pullRows(api, 'kommune-status', ags);
      expect(pull.rows.length, ags).toBe(KOMMUNAL);
    }
  }, 180_000);
});
