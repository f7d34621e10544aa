/**
 * npm run bench: the sync protocol at NRW's real volume (396 Kommunen x 243 municipal OZG-Leistungen
 * = 96,228 kommune_status rows, plus a synthetic Themenfeld with 20,000 Leistungen as a large scope),
 * on PGlite and on PostgreSQL, each figure beside a raw SQL baseline measured in the same run; then, on
 * the same PostgreSQL database, the server process under HTTP load (load.ts), with 1,000 open live streams (live.ts),
 * and at the load all of NRW would bring, with one worker process and with one per core (nrw.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../server/app.ts';
import { createTokenVerifier, issueLocalToken } from '../server/auth/tokens.ts';
import type { Database } from '../server/db/database.ts';
import { migrate, readMigrations } from '../server/db/migrate.ts';
import { openPglite } from '../server/db/pglite.ts';
import { openPostgres } from '../server/db/postgres.ts';
import { expandPull } from '../core/pull-rows.ts';
import { deltaRowsQuery } from '../server/sync/pull.ts';
import { SHEET_KINDS } from '../server/sync/sheets.ts';
import { liveRun, reportLive } from './live.ts';
import { loadRun, reportLoad } from './load.ts';
import { nrwRun, reportNrw } from './nrw.ts';
import { BENCH_ADMIN, seed } from './volume.ts';

const PUSH_CELLS = 10_000;
const KOELN = '05315000';
const KREIS_METTMANN = '05158';

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function median(runs: number, fn: (run: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push(await timed(() => fn(run)));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function ok(response: Response) {
  if (response.status !== 200) throw new Error(`${response.status}: ${await response.text()}`);
  return response.json();
}

interface Figures {
  seed: { kommune_status: number; groesster_bereich: number; seconds: number };
  push: { api: number; raw: number };
  pullKommune: { api: number; raw: number };
  pullLarge: { api: number; raw: number };
  pullKreis: { api: number; objects: number; raw: number; rows: number };
  pullLeistung: { api: number; raw: number; rows: number };
  delta: { api: number; raw: number };
  deltaPlan: string;
}

async function measure(db: Database): Promise<Figures> {
  const seedStart = performance.now();
  await migrate(db, await readMigrations());
  const counts = await seed(db);
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const secret = new Uint8Array(randomBytes(32));
  const auth = { mode: 'local' as const, verify: createTokenVerifier({ kind: 'local', secret }) };
  const token = await issueLocalToken(BENCH_ADMIN, secret);
  const server = createApp({ db, auth });
  // signed in as an admin, so every request pays for token check, membership and row-level security
  const app = {
    request: async (url: string, init: RequestInit = {}) =>
      server.request(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } }),
  };
  const get = async (url: string) => ok(await app.request(url));
  // As the add-in and the browser app pull (addin/src/api/client.ts): rows as lists, made objects again.
  const pull = async (kind: string, scope: string, since?: string) =>
    expandPull(await get(`/api/sheets/${kind}/rows?${new URLSearchParams({ scope, rowFormat: 'arrays', ...(since ? { since } : {}) })}`));

  const large = await pull('leistung-status', '99');
  const pushRows = large.rows.slice(0, PUSH_CELLS) as { id: string; version: number; values: { bemerkung: string | null } }[];
  const current = new Map(pushRows.map((r) => [r.id, r.values.bemerkung]));
  const pushMs = await median(3, async (run) => {
    const changes = pushRows.map((r) => ({
      id: r.id,
      baseVersion: r.version,
      base: { bemerkung: current.get(r.id) },
      set: { bemerkung: `API ${run}` },
    }));
    const response = await ok(
      await app.request('/api/sheets/leistung-status/changes', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scope: '99', idempotencyKey: randomUUID(), source: 'api', changes }),
      }),
    );
    if (response.results.some((r: { outcome: string }) => r.outcome !== 'applied')) throw new Error('push not applied');
    for (const r of pushRows) current.set(r.id, `API ${run}`);
  });
  const rawPushMs = await median(3, (run) =>
    db.query(
      `insert into public.leistung_status (id, ozg_leistung_id, bemerkung)
       select s.id, s.ozg_leistung_id, x.bemerkung from jsonb_to_recordset($1::text::jsonb) as x (id uuid, bemerkung text)
       join public.leistung_status s on s.id = x.id
       on conflict (id) do update set bemerkung = excluded.bemerkung`,
      [JSON.stringify(pushRows.map((r) => ({ id: r.id, bemerkung: `SQL ${run}` })))],
    ),
  );

  const pullKommune = await median(21, () => pull('kommune-status', KOELN));
  const rawKommune = await median(21, () =>
    db.query('select t.* from public.kommune_status t join public.ozg_leistung l on l.id = t.ozg_leistung_id where t.ags = $1 and l.kommunaler_vollzug', [KOELN]),
  );
  const pullLarge = await median(5, () => pull('leistung-status', '99'));
  const rawLarge = await median(5, () =>
    db.query('select t.*, l.ozg_id, l.name, l.leika_anzahl from public.leistung_status t join public.ozg_leistung l on l.id = t.ozg_leistung_id where l.themenfeld_id = 99'),
  );

  // Sheets across Kommunen: every Kommune of Kreis Mettmann, and one municipal Leistung in all 396 Kommunen.
  const kreisRows = (await pull('kommune-status', KREIS_METTMANN)).rows.length;
  const pullKreis = await median(11, () => pull('kommune-status', KREIS_METTMANN));
  const pullKreisObjects = await median(11, () => get(`/api/sheets/kommune-status/rows?scope=${KREIS_METTMANN}`));
  const rawKreis = await median(11, () =>
    db.query(
      `select t.*, k.name, l.ozg_id, l.name from public.kommune_status t join public.ozg_leistung l on l.id = t.ozg_leistung_id
       join public.kommune k on k.ags = t.ags where k.kreisschluessel = $1 and l.kommunaler_vollzug`,
      [KREIS_METTMANN],
    ),
  );
  const [{ ozg_id: leistung }] = (await db.query<{ ozg_id: number }>(
    'select min(ozg_id) as ozg_id from public.ozg_leistung where kommunaler_vollzug',
  )) as [{ ozg_id: number }];
  const leistungRows = (await pull('leistung-kommunen', String(leistung))).rows.length;
  const pullLeistung = await median(21, () => pull('leistung-kommunen', String(leistung)));
  const rawLeistung = await median(21, () =>
    db.query(
      `select t.*, k.name, kr.name from public.kommune_status t join public.ozg_leistung l on l.id = t.ozg_leistung_id
       join public.kommune k on k.ags = t.ags join public.kreis kr on kr.kreisschluessel = k.kreisschluessel where l.ozg_id = $1`,
      [leistung],
    ),
  );

  const koeln = await pull('kommune-status', KOELN);
  const ten = koeln.rows.slice(0, 10);
  await ok(
    await app.request('/api/sheets/kommune-status/changes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        scope: KOELN,
        idempotencyKey: randomUUID(),
        source: 'api',
        changes: ten.map((r) => ({ id: r.id, baseVersion: r.version, base: { bemerkung: null }, set: { bemerkung: 'geändert' } })),
      }),
    }),
  );
  const delta = await pull('kommune-status', KOELN, koeln.cursor);
  if (delta.rows.length !== 10) throw new Error(`delta returned ${delta.rows.length} rows, expected 10`);
  const deltaMs = await median(31, () => pull('kommune-status', KOELN, koeln.cursor));
  const rawDelta = await median(31, () => db.query('select * from public.kommune_status where id = any($1::uuid[])', [ten.map((r) => r.id)]));
  const plan = await db.query<{ 'QUERY PLAN': string }>(`explain ${deltaRowsQuery(SHEET_KINDS['kommune-status'])}`, [KOELN, koeln.cursor]);
  const deltaPlan = plan.map((r) => r['QUERY PLAN']).find((line) => line.includes('kommune_status_delta_idx'))?.trim() ?? 'Index nicht benutzt!';

  return {
    seed: { ...counts, seconds: seedSeconds },
    push: { api: pushMs, raw: rawPushMs },
    pullKommune: { api: pullKommune, raw: rawKommune },
    pullLarge: { api: pullLarge, raw: rawLarge },
    pullKreis: { api: pullKreis, objects: pullKreisObjects, raw: rawKreis, rows: kreisRows },
    pullLeistung: { api: pullLeistung, raw: rawLeistung, rows: leistungRows },
    delta: { api: deltaMs, raw: rawDelta },
    deltaPlan,
  };
}

const fmt = (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms`;
const rate = (ms: number) => `${Math.round(PUSH_CELLS / (ms / 1000)).toLocaleString('de-DE')} Zeilen/s`;

function report(name: string, f: Figures) {
  const rows = [
    ['Senden: 10.000 geänderte Zellen', `${rate(f.push.api)} (${fmt(f.push.api)})`, `${rate(f.push.raw)} (${fmt(f.push.raw)})`, f.push.raw / f.push.api, 'mind. 0,85 der Rohrate', f.push.raw / f.push.api >= 0.85],
    ['Abrufen: eine Kommune (243 Zeilen)', fmt(f.pullKommune.api), fmt(f.pullKommune.raw), f.pullKommune.api / f.pullKommune.raw, '–', undefined],
    ['Abrufen: 20.000-Zeilen-Bereich', fmt(f.pullLarge.api), fmt(f.pullLarge.raw), f.pullLarge.api / f.pullLarge.raw, 'höchstens 3 × Roh-SELECT', f.pullLarge.api <= 3 * f.pullLarge.raw],
    [`Abrufen: Kreis Mettmann (${f.pullKreis.rows} Zeilen)`, fmt(f.pullKreis.api), fmt(f.pullKreis.raw), f.pullKreis.api / f.pullKreis.raw, 'höchstens 2 × Roh-SELECT', f.pullKreis.api <= 2 * f.pullKreis.raw],
    [`… als Objekte (rowFormat=objects, für andere Clients)`, fmt(f.pullKreis.objects), fmt(f.pullKreis.raw), f.pullKreis.objects / f.pullKreis.raw, '–', undefined],
    [`Abrufen: eine Leistung in allen Kommunen (${f.pullLeistung.rows} Zeilen)`, fmt(f.pullLeistung.api), fmt(f.pullLeistung.raw), f.pullLeistung.api / f.pullLeistung.raw, 'höchstens 2 × Roh-SELECT', f.pullLeistung.api <= 2 * f.pullLeistung.raw],
    ['Änderungen abrufen: 10 Änderungen (Median)', fmt(f.delta.api), fmt(f.delta.raw), f.delta.api / f.delta.raw, 'Median höchstens 3 ms', f.delta.api <= 3],
  ] as const;
  console.log(`\n### ${name}\n`);
  console.log(`Daten: ${f.seed.kommune_status.toLocaleString('de-DE')} kommune_status-Zeilen, größter Bereich ${f.seed.groesster_bereich.toLocaleString('de-DE')} Zeilen, angelegt in ${f.seed.seconds.toFixed(1)} s. Plan der Änderungsabfrage: \`${f.deltaPlan}\`\n`);
  console.log('| Messung | OZG-Sync | Roh-SQL | Verhältnis | Ziel (PostgreSQL) | erreicht |');
  console.log('|---|---|---|---|---|---|');
  for (const [label, api, raw, ratio, target, met] of rows) {
    console.log(`| ${label} | ${api} | ${raw} | ${ratio.toFixed(2)} | ${target} | ${met === undefined ? '–' : met ? 'ja' : 'nein'} |`);
  }
}

console.log(`OZG-Sync Benchmark, ${new Date().toISOString().slice(0, 10)}: ${os.cpus()[0]?.model ?? 'CPU'} (${os.cpus().length} Kerne), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log('Roh-SQL: Senden = ein INSERT … ON CONFLICT DO UPDATE derselben Zeilen (mit denselben Triggern); Abrufen = ein SELECT derselben Zeilen.');

const dir = await mkdtemp(path.join(os.tmpdir(), 'ozg-bench-'));
const pglite = await openPglite(dir);
try {
  report('PGlite (eingebettet)', await measure(pglite));
} finally {
  await pglite.close();
  await rm(dir, { recursive: true, force: true });
}

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (url) {
  const admin = openPostgres(url, { max: 1 });
  const name = `ozg_bench_${Date.now()}`;
  await admin.exec(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const postgres = openPostgres(target.toString());
  try {
    const [{ server_version: version }] = (await postgres.query<{ server_version: string }>('show server_version')) as [
      { server_version: string },
    ];
    report(`PostgreSQL ${version}`, await measure(postgres));
    reportLoad(await loadRun(target.toString(), postgres));
    reportLive(await liveRun(target.toString(), BENCH_ADMIN));
    const nrw = [];
    for (const workers of new Set([1, os.availableParallelism()])) nrw.push(await nrwRun(target.toString(), postgres, workers));
    reportNrw(nrw);
  } finally {
    await postgres.close();
    await admin.exec(`drop database ${name} with (force)`);
    await admin.close();
  }
} else {
  console.log('\nPostgreSQL übersprungen: BENCH_DATABASE_URL (oder TEST_DATABASE_URL) ist nicht gesetzt. `npm run bench` startet dafür selbst einen Wegwerf-Cluster.');
}
