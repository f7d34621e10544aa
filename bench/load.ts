/**
 * The HTTP load run of npm run bench: the server process (server/main.ts, as `npm start` runs it) on a PostgreSQL
 * database filled with the real volume, under 50 concurrent connections (autocannon) for full pulls, delta pulls and
 * pushes. Beside each, the same work as raw SQL with the same 50 callers, through a connection pool as large as the
 * server's, so that the figures say what the API costs on top of the database.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Database } from '../server/db/database.ts';
import { openPostgres } from '../server/db/postgres.ts';
import { startServer, type RunningServer } from '../tests/helpers/server-process.ts';
import { BENCH_ADMIN } from './volume.ts';

const CONNECTIONS = 50;
const SECONDS = 10;
/** Cells per push: an afternoon's edits of one Kommune. */
const PUSH_CELLS = 10;

interface Rates {
  perSecond: number;
  p50: number;
  p99: number;
}

/** A target of the speed issue for one scenario: at least this share of the raw rate, and where given a p99 below. */
interface LoadTarget {
  minRatio: number;
  maxP99?: number;
}

interface LoadFigures {
  label: string;
  target: LoadTarget;
  api: Rates & { requests: number; errors: number; non2xx: number; peakMemory: number };
  raw: Rates;
  /** What the answers said, where it matters (pushes: how many were applied). */
  note?: string;
}

/** The server's peak resident memory (VmHWM) while `work` runs: Linux resets the peak on request. */
async function peakMemoryDuring<T>(server: RunningServer, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  await writeFile(`/proc/${server.pid}/clear_refs`, '5');
  const result = await work();
  const status = await readFile(`/proc/${server.pid}/status`, 'utf8');
  return { result, peak: Number(/^VmHWM:\s+(\d+) kB/m.exec(status)![1]) * 1024 };
}

/** The same number of callers as connections, each calling `work` again as soon as it returns, for SECONDS. */
async function rawLoad(work: () => Promise<unknown>): Promise<Rates> {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        await work();
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (share: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * share))]!;
  return { perSecond: latencies.length / SECONDS, p50: at(0.5), p99: at(0.99) };
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Groups of PUSH_CELLS untouched rows of one Kommune, so that every push applies; the Kommunen take turns. */
async function untouchedGroups(db: Database) {
  const kommunen = await db.query<{ ags: string; ids: string[] }>(
    `select ags, array_agg(id::text order by id) as ids from public.kommune_status where bemerkung is null group by ags`,
  );
  const groups: { ags: string; ids: string[] }[] = [];
  for (let start = 0; ; start += PUSH_CELLS) {
    const round = kommunen.filter(({ ids }) => ids.length >= start + PUSH_CELLS);
    if (!round.length) return groups;
    groups.push(...round.map(({ ags, ids }) => ({ ags, ids: ids.slice(start, start + PUSH_CELLS) })));
  }
}

export async function loadRun(databaseUrl: string, db: Database): Promise<LoadFigures[]> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-bench-server-'));
  const server = await startServer({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir });
  const raw = openPostgres(databaseUrl);
  try {
    const login = await fetch(`${server.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: BENCH_ADMIN }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const kommunen = (await db.query<{ ags: string }>('select ags from public.kommune order by ags')).map((k) => k.ags);

    // What changes between two syncs: ten rows per Kommune, written after the cursor the delta pulls start from.
    const [{ cursor }] = (await db.query<{ cursor: string }>('select pg_current_snapshot()::text as cursor')) as [{ cursor: string }];
    const changed = await db.query<{ ags: string; ids: string[] }>(
      `with geaendert as (
         update public.kommune_status t set bemerkung = 'Seit dem letzten Abgleich geändert'
         from (select id from (select id, row_number() over (partition by ags order by id desc) as n from public.kommune_status) x
               where n <= 10) z
         where t.id = z.id returning t.ags, t.id)
       select ags, array_agg(id::text) as ids from geaendert group by ags`,
    );

    const groups = await untouchedGroups(db);
    let nextGroup = 0;
    const pushes = { answered: 0, applied: 0 };
    const push = () => {
      const group = groups[nextGroup++ % groups.length]!;
      return {
        scope: group.ags,
        idempotencyKey: randomUUID(),
        source: 'api',
        changes: group.ids.map((id) => ({ id, baseVersion: 1, base: { bemerkung: null }, set: { bemerkung: 'Unter Last gesendet' } })),
      };
    };

    const scenarios = [
      {
        label: 'Abrufen: eine Kommune (243 Zeilen), zufällige Kommune',
        target: { minRatio: 0.6 },
        request: () => ({ method: 'GET' as const, path: `/api/sheets/kommune-status/rows?scope=${pick(kommunen)}&rowFormat=arrays` }),
        raw: () =>
          raw.query(
            'select t.* from public.kommune_status t join public.ozg_leistung l on l.id = t.ozg_leistung_id where t.ags = $1 and l.kommunaler_vollzug',
            [pick(kommunen)],
          ),
      },
      {
        label: 'Änderungen abrufen: 10 geänderte Zeilen einer Kommune',
        target: { minRatio: 0.4, maxP99: 50 },
        request: () => ({ method: 'GET' as const, path: `/api/sheets/kommune-status/rows?scope=${pick(kommunen)}&since=${cursor}&rowFormat=arrays` }),
        raw: () => raw.query('select * from public.kommune_status where id = any($1::uuid[])', [pick(changed).ids]),
      },
      {
        label: `Senden: ${PUSH_CELLS} geänderte Zellen einer Kommune`,
        target: { minRatio: 0.4 },
        request: () => ({ method: 'POST' as const, path: '/api/sheets/kommune-status/changes', body: JSON.stringify(push()) }),
        onResponse: (status: number, body: string) => {
          if (status !== 200) return;
          pushes.answered++;
          const { results } = JSON.parse(body) as { results: { outcome: string }[] };
          if (results.every((result) => result.outcome === 'applied')) pushes.applied++;
        },
        // The raw baseline of the in-process run: one INSERT … ON CONFLICT DO UPDATE of the same rows, with the same triggers.
        raw: () =>
          raw.query(
            `insert into public.kommune_status (id, ags, ozg_leistung_id, bemerkung)
             select s.id, s.ags, s.ozg_leistung_id, 'Roh gesendet' from public.kommune_status s where s.id = any($1::uuid[])
             on conflict (id) do update set bemerkung = excluded.bemerkung`,
            [pick(groups).ids],
          ),
      },
    ];

    const figures: LoadFigures[] = [];
    for (const scenario of scenarios) {
      const { result, peak } = await peakMemoryDuring(server, () =>
        autocannon({
          url: server.url,
          connections: CONNECTIONS,
          duration: SECONDS,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          requests: [{ setupRequest: (request) => ({ ...request, ...scenario.request() }), ...('onResponse' in scenario ? { onResponse: scenario.onResponse } : {}) }],
        }),
      );
      figures.push({
        label: scenario.label,
        target: scenario.target,
        api: {
          perSecond: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          requests: result.requests.total,
          errors: result.errors,
          non2xx: result.non2xx,
          peakMemory: peak,
        },
        raw: await rawLoad(scenario.raw),
        ...('onResponse' in scenario
          ? { note: `${pushes.applied.toLocaleString('de-DE')} von ${pushes.answered.toLocaleString('de-DE')} beantworteten Sendevorgängen vollständig übernommen` }
          : {}),
      });
    }
    return figures;
  } finally {
    await raw.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
const perSecond = (value: number) => `${Math.round(value).toLocaleString('de-DE')}/s`;

export function reportLoad(figures: LoadFigures[]) {
  console.log(`\n### Unter Last: der Server-Prozess auf PostgreSQL, ${CONNECTIONS} gleichzeitige Verbindungen, je ${SECONDS} s\n`);
  console.log(
    `Roh-SQL: dieselbe Arbeit mit ${CONNECTIONS} gleichzeitigen Aufrufern über einen Verbindungspool so groß wie der des Servers (10).\n`,
  );
  console.log('| Messung | Anfragen/s | p50 | p99 | Fehler / nicht 2xx | Spitzenspeicher Server | Roh-SQL/s | Roh p50 | Roh p99 | Verhältnis (Rate) | Ziel | erreicht |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { label, api, raw, target } of figures) {
    const ratio = api.perSecond / raw.perSecond;
    const goal = `mind. ${String(target.minRatio).replace('.', ',')} × Roh-SQL${target.maxP99 ? `, p99 unter ${target.maxP99} ms` : ''}`;
    const met = ratio >= target.minRatio && (target.maxP99 === undefined || api.p99 < target.maxP99);
    console.log(
      `| ${label} | ${perSecond(api.perSecond)} | ${ms(api.p50)} | ${ms(api.p99)} | ${api.errors} / ${api.non2xx} | ${Math.round(api.peakMemory / 2 ** 20)} MB | ${perSecond(raw.perSecond)} | ${ms(raw.p50)} | ${ms(raw.p99)} | ${ratio.toFixed(2)} | ${goal} | ${met ? 'ja' : 'nein'} |`,
    );
  }
  for (const { label, note } of figures) if (note) console.log(`\n${label}: ${note}.`);
}
