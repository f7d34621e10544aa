/**
 * The NRW run of npm run bench: the load that all of NRW would put on the server at a busy hour (the estimate in
 * the README, "NRW auf einmal"), measured against the server with one worker process and with one per core. With
 * every open workbook holding its event stream, the run offers the estimated rates of pushes, delta pulls and full
 * pulls for a while and measures their latencies; then the same mix as fast as 50 connections go, beside the same
 * mix as raw SQL, which says how much room is left above the estimate. Runs on its own with
 * `scripts/with-postgres.sh npx tsx bench/nrw.ts` (on a database of its own with the real volume).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { EventStreamParser, eventsUrl } from '../addin/src/live/events.ts';
import type { Database } from '../server/db/database.ts';
import { migrate, readMigrations } from '../server/db/migrate.ts';
import { openPostgres } from '../server/db/postgres.ts';
import { startServer, type RunningServer } from '../tests/helpers/server-process.ts';
import { seed } from './volume.ts';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const count = (file: string) => (parse(readFileSync(path.join(DATA, file)), { columns: true, skip_empty_lines: true }) as unknown[]).length;

/** The assumptions of the estimate, each stated in the README. */
export const NRW = (() => {
  const kommunen = count('gemeinden-nrw/gemeinden.csv');
  const dienstleister = count('ozg-katalog-nrw/it_dienstleister.csv');
  const people = { kommune: 3, dienstleister: 5, koordination: 14 + 10 };
  const users = kommunen * people.kommune + dienstleister * people.dienstleister + people.koordination;
  /** At the busy hour before a Stichtag, everyone sends what they changed every three minutes. */
  const pushesPerUserHour = 20;
  const pushes = (users * pushesPerUserHour) / 3600;
  /**
   * Each push notifies the streams following its sheet, and each of them pulls the change once: the Kommune's
   * other two people, its IT-Dienstleister's five, and two of the coordination.
   */
  const pullsPerPush = 2 + 5 + 2;
  /** Everyone opens or refreshes a workbook (a full pull) about every half hour. */
  const fullPulls = users / 1800;
  return { kommunen, dienstleister, people, users, streams: users, pushes, deltas: pushes * pullsPerPush, fullPulls };
})();

const OFFERED_SECONDS = 10;
const CAPACITY_SECONDS = 10;
const CONNECTIONS = 50;
const PUSH_CELLS = 10;
/** Each server process's pool of database connections (server/db/postgres.ts). */
const SERVER_POOL = 10;
/** Streams per member: the bench signs in as a few admins, because one member may hold at most 1,000. */
const STREAMS_PER_MEMBER = 500;

interface Latency {
  kind: string;
  offeredPerSecond: number;
  done: number;
  failed: number;
  p50: number;
  p99: number;
}

export interface NrwFigures {
  workers: number;
  streams: number;
  openSeconds: number;
  offered: Latency[];
  capacity: { perSecond: number; p50: number; p99: number; errors: number; non2xx: number };
  raw: { perSecond: number; p50: number; p99: number };
  peakMemory: number;
}

const quantile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? NaN;

async function signIn(url: string, email: string) {
  const response = await fetch(`${url}/api/dev/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
  if (response.status !== 200) throw new Error(`sign-in as ${email}: ${response.status}`);
  return `Bearer ${((await response.json()) as { access_token: string }).access_token}`;
}

/** The peak resident memory of all serving processes together since `reset`, from /proc. */
const peakOf = async (pids: number[]) => {
  let sum = 0;
  for (const pid of pids) sum += Number(/^VmHWM:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  return sum;
};

/** Opens the streams in batches, each following two Kommunen's sheets as one workbook does; resolves once each said `bereit`. */
async function openStreams(server: RunningServer, tokens: string[], kommunen: string[], count: number) {
  const controllers: AbortController[] = [];
  for (let start = 0; start < count; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - start) }, async (_, j) => {
        const i = start + j;
        const controller = new AbortController();
        controllers.push(controller);
        const sheets = [
          { kind: 'kommune-status', scope: kommunen[i % kommunen.length]! },
          { kind: 'kommune-status', scope: kommunen[(i * 7 + 1) % kommunen.length]! },
        ];
        const response = await fetch(eventsUrl(server.url, sheets), { headers: { authorization: tokens[i % tokens.length]! }, signal: controller.signal });
        if (response.status !== 200) throw new Error(`stream ${i}: ${response.status} ${await response.text()}`);
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new EventStreamParser();
        await new Promise<void>((ready) => {
          void (async () => {
            for (;;) {
              const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
              if (done || value === undefined) return;
              for (const event of parser.push(value)) if (event.event === 'bereit') ready();
            }
          })();
        });
      }),
    );
  }
  return controllers;
}

/** Work of the three kinds, as HTTP requests and as the raw SQL that does the same. */
async function workload(db: Database) {
  const kommunen = (await db.query<{ ags: string }>('select ags from public.kommune order by ags')).map((k) => k.ags);
  const [{ cursor }] = (await db.query<{ cursor: string }>('select pg_current_snapshot()::text as cursor')) as [{ cursor: string }];
  const changed = await db.query<{ ags: string; ids: string[] }>(
    `with geaendert as (
       update public.kommune_status t set bemerkung = 'NRW-Last: seit dem letzten Abgleich geändert'
       from (select id from (select id, row_number() over (partition by ags order by id) as n from public.kommune_status) x where n <= 10) z
       where t.id = z.id returning t.ags, t.id)
     select ags, array_agg(id::text) as ids from geaendert group by ags`,
  );
  const rows = await db.query<{ ags: string; id: string; version: number; bemerkung: string | null }>(
    `select ags, id::text, version, bemerkung from (
       select t.*, row_number() over (partition by ags order by id desc) as n from public.kommune_status t) x
     where n <= 200 order by n, ags`,
  );
  const groups: { ags: string; rows: typeof rows }[] = [];
  const byKommune = new Map<string, typeof rows>();
  for (const row of rows) {
    const list = byKommune.get(row.ags) ?? [];
    list.push(row);
    if (list.length === PUSH_CELLS) {
      groups.push({ ags: row.ags, rows: list });
      byKommune.delete(row.ags);
    } else byKommune.set(row.ags, list);
  }
  let next = 0;
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
  const kinds = {
    push: () => {
      const group = groups[next++ % groups.length]!;
      return {
        method: 'POST' as const,
        path: '/api/sheets/kommune-status/changes',
        body: JSON.stringify({
          scope: group.ags,
          idempotencyKey: randomUUID(),
          source: 'api',
          changes: group.rows.map((row) => ({ id: row.id, baseVersion: row.version, base: { bemerkung: row.bemerkung }, set: { bemerkung: `NRW-Last ${next}` } })),
        }),
      };
    },
    delta: () => ({ method: 'GET' as const, path: `/api/sheets/kommune-status/rows?scope=${pick(changed).ags}&since=${cursor}&rowFormat=arrays` }),
    full: () => ({ method: 'GET' as const, path: `/api/sheets/kommune-status/rows?scope=${pick(kommunen)}&rowFormat=arrays` }),
  };
  const raw = (sql: Database) => ({
    push: () =>
      sql.query(
        `insert into public.kommune_status (id, ags, ozg_leistung_id, bemerkung)
         select s.id, s.ags, s.ozg_leistung_id, 'Roh gesendet' from public.kommune_status s where s.id = any($1::uuid[])
         on conflict (id) do update set bemerkung = excluded.bemerkung`,
        [pick(groups).rows.map((row) => row.id)],
      ),
    delta: () => sql.query('select * from public.kommune_status where id = any($1::uuid[])', [pick(changed).ids]),
    full: () =>
      sql.query(
        'select t.* from public.kommune_status t join public.ozg_leistung l on l.id = t.ozg_leistung_id where t.ags = $1 and l.kommunaler_vollzug',
        [pick(kommunen)],
      ),
  });
  return { kommunen, kinds, raw };
}

const rates = { push: NRW.pushes, delta: NRW.deltas, full: NRW.fullPulls };
const total = rates.push + rates.delta + rates.full;
/** One kind at random, in the proportions of the estimate. */
const pickKind = (): keyof typeof rates => {
  const x = Math.random() * total;
  return x < rates.push ? 'push' : x < rates.push + rates.delta ? 'delta' : 'full';
};

/** Requests of each kind at its estimated rate (open loop: arrivals do not wait for answers), for OFFERED_SECONDS. */
async function offer(server: RunningServer, token: string, kinds: Awaited<ReturnType<typeof workload>>['kinds']): Promise<Latency[]> {
  const results: Latency[] = [];
  await Promise.all(
    (Object.keys(rates) as (keyof typeof rates)[]).map(async (kind) => {
      const latencies: number[] = [];
      let failed = 0;
      const inFlight: Promise<void>[] = [];
      const interval = 1000 / rates[kind];
      const start = performance.now();
      for (let n = 0; n * interval < OFFERED_SECONDS * 1000; n++) {
        const wait = start + n * interval - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const request = kinds[kind]();
        const sent = performance.now();
        inFlight.push(
          fetch(`${server.url}${request.path}`, {
            method: request.method,
            headers: { authorization: token, 'content-type': 'application/json' },
            ...('body' in request ? { body: request.body } : {}),
          })
            .then(async (response) => {
              await response.arrayBuffer();
              if (response.status === 200) latencies.push(performance.now() - sent);
              else failed++;
            })
            .catch(() => void failed++),
        );
      }
      await Promise.all(inFlight);
      latencies.sort((a, b) => a - b);
      results.push({ kind, offeredPerSecond: rates[kind], done: latencies.length, failed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) });
    }),
  );
  return results.sort((a, b) => Object.keys(rates).indexOf(a.kind) - Object.keys(rates).indexOf(b.kind));
}

/**
 * The most `work` does with CONNECTIONS callers, each starting its next call when its last one is answered, for
 * CAPACITY_SECONDS. The same loop drives the server over HTTP and the raw SQL beside it. (autocannon, which the
 * single-kind load runs use, stalled here: with this mix and the 1,372 open streams all 50 of its connections
 * waited about 6 s at once while the server and the database were idle, every run; these loops never did.)
 */
async function closedLoop(work: () => Promise<'ok' | 'non2xx'>) {
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const end = performance.now() + CAPACITY_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        const outcome = await work().catch(() => 'error' as const);
        if (outcome === 'ok') latencies.push(performance.now() - start);
        else if (outcome === 'non2xx') non2xx++;
        else errors++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / CAPACITY_SECONDS, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors, non2xx };
}

async function rawCapacity(work: ReturnType<Awaited<ReturnType<typeof workload>>['raw']>) {
  return closedLoop(async () => (await work[pickKind()](), 'ok'));
}

function httpCapacity(server: RunningServer, token: string, kinds: Awaited<ReturnType<typeof workload>>['kinds']) {
  return closedLoop(async () => {
    const request = kinds[pickKind()]();
    const response = await fetch(`${server.url}${request.path}`, {
      method: request.method,
      headers: { authorization: token, 'content-type': 'application/json' },
      ...('body' in request ? { body: request.body } : {}),
    });
    await response.arrayBuffer();
    return response.ok ? 'ok' : 'non2xx';
  });
}

/** The whole NRW run against the server with `workers` processes on the bench's database (already filled by seed). */
export async function nrwRun(databaseUrl: string, db: Database, workers: number): Promise<NrwFigures> {
  const members = Array.from({ length: Math.ceil(NRW.streams / STREAMS_PER_MEMBER) }, (_, i) => `nrw-${workers}-${i}@bench.example`);
  await db.query(`insert into public.mitglied (email, rolle) select unnest($1::text[]), 'admin'`, [members]);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-bench-nrw-'));
  const server = await startServer({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    WORKERS: String(workers),
    LIVE_MAX_STREAMS_PER_MEMBER: String(STREAMS_PER_MEMBER),
    LIVE_MAX_STREAMS: String(NRW.streams),
  });
  // As many connections as the server processes hold together, so that raw SQL is not held back by a smaller pool.
  const raw = openPostgres(databaseUrl, { max: SERVER_POOL * workers });
  let streams: AbortController[] = [];
  try {
    const tokens = await Promise.all(members.map((email) => signIn(server.url, email)));
    const { kommunen, kinds, raw: rawWork } = await workload(db);
    const pids = await server.servingPids();
    await Promise.all(pids.map((pid) => writeFile(`/proc/${pid}/clear_refs`, '5')));
    const opened = performance.now();
    streams = await openStreams(server, tokens, kommunen, NRW.streams);
    const openSeconds = (performance.now() - opened) / 1000;

    const offered = await offer(server, tokens[0]!, kinds);
    const capacity = await httpCapacity(server, tokens[0]!, kinds);
    const peakMemory = await peakOf(pids);
    return {
      workers,
      streams: streams.length,
      openSeconds,
      offered,
      capacity,
      raw: await rawCapacity(rawWork(raw)),
      peakMemory,
    };
  } finally {
    for (const controller of streams) controller.abort();
    await raw.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const ms = (value: number) => (Number.isNaN(value) ? '–' : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`);
const perSecond = (value: number) => `${value < 10 ? value.toFixed(1).replace('.', ',') : Math.round(value).toLocaleString('de-DE')}/s`;
const LABELS: Record<string, string> = { push: `Senden (${PUSH_CELLS} Zellen)`, delta: 'Änderungen abrufen', full: 'eine Kommune abrufen' };

export function reportNrw(runs: NrwFigures[]) {
  console.log(
    `\n### NRW auf einmal: ${NRW.users.toLocaleString('de-DE')} Personen (${NRW.kommunen} Kommunen × ${NRW.people.kommune}, ` +
      `${NRW.dienstleister} IT-Dienstleister × ${NRW.people.dienstleister}, Koordination ${NRW.people.koordination}), je ein offener Ereignisstrom\n`,
  );
  console.log(`Angebotene Last je ${OFFERED_SECONDS} s, unabhängig von den Antworten:\n`);
  console.log(`| Anfrage | angeboten | ${runs.map((r) => `${r.workers} Prozess${r.workers > 1 ? 'e' : ''}: beantwortet / Fehler, p50 / p99`).join(' | ')} |`);
  console.log(`|---|---|${runs.map(() => '---|').join('')}`);
  for (const kind of Object.keys(rates)) {
    const cells = runs.map((r) => {
      const l = r.offered.find((o) => o.kind === kind)!;
      return `${l.done} / ${l.failed}, ${ms(l.p50)} / ${ms(l.p99)}`;
    });
    console.log(`| ${LABELS[kind]} | ${perSecond(rates[kind as keyof typeof rates])} | ${cells.join(' | ')} |`);
  }
  console.log(`\nDieselbe Mischung so schnell wie ${CONNECTIONS} Verbindungen können (${CAPACITY_SECONDS} s), daneben als Roh-SQL (Pool so groß wie die der Server-Prozesse zusammen, ${SERVER_POOL} je Prozess):\n`);
  console.log('| Prozesse | Ströme offen (geöffnet in) | Anfragen/s | p50 / p99 | Fehler / nicht 2xx | Roh-SQL/s | Verhältnis zu Roh-SQL | Reserve über der Schätzung | Spitzenspeicher aller Prozesse |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    console.log(
      `| ${r.workers} | ${r.streams.toLocaleString('de-DE')} (${r.openSeconds.toFixed(1).replace('.', ',')} s) | ${perSecond(r.capacity.perSecond)} | ${ms(r.capacity.p50)} / ${ms(r.capacity.p99)} | ` +
        `${r.capacity.errors} / ${r.capacity.non2xx} | ${perSecond(r.raw.perSecond)} | ${(r.capacity.perSecond / r.raw.perSecond).toFixed(2).replace('.', ',')} | ` +
        `${(r.capacity.perSecond / total).toFixed(1).replace('.', ',')} × | ${Math.round(r.peakMemory / 2 ** 20)} MB |`,
    );
  }
  if (runs.length > 1) {
    const [one, ...more] = runs;
    for (const r of more) console.log(`\n${r.workers} Prozesse gegen 1: ${(r.capacity.perSecond / one!.capacity.perSecond).toFixed(2).replace('.', ',')} × die Anfragen/s.`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('BENCH_DATABASE_URL oder TEST_DATABASE_URL fehlt (scripts/with-postgres.sh setzt sie).');
  const admin = openPostgres(url, { max: 1 });
  const name = `ozg_bench_nrw_${Date.now()}`;
  await admin.exec(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = openPostgres(target.toString());
  try {
    await migrate(db, await readMigrations());
    await seed(db);
    const runs = [];
    for (const workers of new Set([1, os.availableParallelism()])) runs.push(await nrwRun(target.toString(), db, workers));
    reportNrw(runs);
  } finally {
    await db.close();
    await admin.exec(`drop database ${name} with (force)`);
    await admin.close();
  }
}
