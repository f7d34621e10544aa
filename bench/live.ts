/**
 * The live run of npm run bench: 1,000 open event streams (GET /api/events) on one server process, as
 * 1,000 open sheets of a large workshop. Each stream follows Köln's sheet and one other Kommune's. The
 * figures: how much the streams add to the process's peak memory, and how long a push to Köln takes
 * to reach every stream (from sending the push to the notice arriving, p50/p99/max over all streams
 * and pushes). Runs on its own with `scripts/with-postgres.sh npx tsx bench/live.ts`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EventStreamParser, eventsUrl } from '../addin/src/live/events.ts';
import type { PullResponse, PushResponse } from '../core/contract.ts';
import { prepareDatabase } from '../server/db/open.ts';
import { openPostgres } from '../server/db/postgres.ts';
import { startServer, type RunningServer } from '../tests/helpers/server-process.ts';

const STREAMS = 1_000;
const PUSHES = 10;
const KOELN = '05315000';
/** The demo data's admin, for the run on its own. */
const DEMO_ADMIN = 'admin@ozg-sync.example';
/** The targets. */
const MEMORY_TARGET = 200 * 1024 * 1024;
const REACH_TARGET_MS = 2_000;

export interface LiveFigures {
  streams: number;
  pushes: number;
  addedPeakMemory: number;
  reach: { p50: number; p99: number; max: number; missed: number };
  openSeconds: number;
}

const memory = async (server: RunningServer, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(await readFile(`/proc/${server.pid}/status`, 'utf8'))![1]) * 1024;

async function inBatches<T>(count: number, size: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const all: T[] = [];
  for (let start = 0; start < count; start += size) {
    all.push(...(await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, j) => open(start + j)))));
  }
  return all;
}

/** Starts the server process on databaseUrl (migrated, with Köln and an admin member) and measures as that admin. */
export async function liveRun(databaseUrl: string, admin: string): Promise<LiveFigures> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-bench-live-'));
  const server = await startServer({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    LIVE_MAX_STREAMS_PER_MEMBER: String(STREAMS),
    LIVE_MAX_STREAMS: String(STREAMS),
  });
  const streams: AbortController[] = [];
  try {
    const login = await fetch(`${server.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const authorization = `Bearer ${token}`;
    const kommunen = ((await (await fetch(`${server.url}/api/kommunen`, { headers: { authorization } })).json()) as { ags: string }[]).map((k) => k.ags);
    const pull = (await (await fetch(`${server.url}/api/sheets/kommune-status/rows?scope=${KOELN}`, { headers: { authorization } })).json()) as PullResponse;

    // The process warmed up, without streams: the peak from here on is what the streams add.
    await writeFile(`/proc/${server.pid}/clear_refs`, '5');
    const before = await memory(server, 'VmHWM');

    /** Per push (by its number), when each stream heard of it. */
    const heard = Array.from({ length: PUSHES }, () => new Map<number, number>());
    let pushNumber = -1;
    const opened = performance.now();
    await inBatches(STREAMS, 50, async (i) => {
      const controller = new AbortController();
      streams.push(controller);
      const sheets = [
        { kind: 'kommune-status', scope: KOELN },
        { kind: 'kommune-status', scope: kommunen[i % kommunen.length]! },
      ];
      const response = await fetch(eventsUrl(server.url, sheets), { headers: { authorization }, signal: controller.signal });
      if (response.status !== 200) throw new Error(`stream ${i}: ${response.status} ${await response.text()}`);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new EventStreamParser();
      let ready!: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      void (async () => {
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done || value === undefined) return;
          for (const event of parser.push(value)) {
            if (event.event === 'bereit') ready();
            if (event.event === 'aenderung' && pushNumber >= 0 && !heard[pushNumber]!.has(i)) heard[pushNumber]!.set(i, performance.now());
          }
        }
      })();
      await isReady;
    });
    const openSeconds = (performance.now() - opened) / 1000;

    const reach: number[] = [];
    let missed = 0;
    const row = pull.rows[0]!;
    let version = row.version;
    for (let n = 0; n < PUSHES; n++) {
      pushNumber = n;
      const sent = performance.now();
      const response = await fetch(`${server.url}/api/sheets/kommune-status/changes`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({
          scope: KOELN,
          idempotencyKey: randomUUID(),
          source: 'api',
          changes: [{ id: row.id, baseVersion: version, set: { bemerkung: `Live-Messung ${n}` } }],
        }),
      });
      version = ((await response.json()) as PushResponse).results[0]!.version!;
      const deadline = performance.now() + 10_000;
      while (heard[n]!.size < STREAMS && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      missed += STREAMS - heard[n]!.size;
      for (const at of heard[n]!.values()) reach.push(at - sent);
      pushNumber = -1;
    }
    const addedPeakMemory = (await memory(server, 'VmHWM')) - before;
    reach.sort((a, b) => a - b);
    const at = (share: number) => reach[Math.min(reach.length - 1, Math.floor(reach.length * share))] ?? Infinity;
    return { streams: STREAMS, pushes: PUSHES, addedPeakMemory, reach: { p50: at(0.5), p99: at(0.99), max: reach.at(-1) ?? Infinity, missed }, openSeconds };
  } finally {
    for (const controller of streams) controller.abort();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function reportLive(f: LiveFigures) {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  console.log(`\n### Live-Benachrichtigung (${f.streams.toLocaleString('de-DE')} offene Ereignisströme auf einem Serverprozess)\n`);
  console.log(`Geöffnet in ${f.openSeconds.toFixed(1)} s; ${f.pushes} Sendevorgänge an Köln, das alle Ströme verfolgen.\n`);
  console.log('| Messung | Wert | Ziel | erreicht |');
  console.log('|---|---|---|---|');
  console.log(`| zusätzlicher Spitzenspeicher des Servers | ${mb(f.addedPeakMemory)} | < ${mb(MEMORY_TARGET)} | ${f.addedPeakMemory < MEMORY_TARGET ? 'ja' : 'nein'} |`);
  console.log(`| Senden bis Hinweis in jedem Strom, p50 | ${f.reach.p50.toFixed(0)} ms | – | – |`);
  console.log(`| Senden bis Hinweis in jedem Strom, p99 | ${f.reach.p99.toFixed(0)} ms | < ${REACH_TARGET_MS} ms | ${f.reach.p99 < REACH_TARGET_MS && f.reach.missed === 0 ? 'ja' : 'nein'} |`);
  console.log(`| … höchstens | ${f.reach.max.toFixed(0)} ms | – | – |`);
  console.log(`| Hinweise, die nicht ankamen | ${f.reach.missed} | 0 | ${f.reach.missed === 0 ? 'ja' : 'nein'} |`);
}

// On its own: a fresh database of its own on the given server, migrated with the demo data.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('BENCH_DATABASE_URL oder TEST_DATABASE_URL fehlt (scripts/with-postgres.sh setzt sie).');
  const admin = openPostgres(url, { max: 1 });
  const name = `ozg_bench_live_${Date.now()}`;
  await admin.exec(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const db = openPostgres(target.toString());
  try {
    await prepareDatabase(db, { demoData: true });
    await db.close();
    reportLive(await liveRun(target.toString(), DEMO_ADMIN));
  } finally {
    await admin.exec(`drop database ${name} with (force)`);
    await admin.close();
  }
}
