/**
 * Where a delta pull and a small push spend their time: the real app (in-process, as bench/sync.ts runs it) on
 * PostgreSQL with the bench's volume, one request after another, with the statements and round trips each sends,
 * under the V8 CPU profiler (the same profile as node --cpu-prof, taken only while the requests run). Its summary
 * says what the Node process does meanwhile, by package; idle is waiting for PostgreSQL.
 *
 *   scripts/with-postgres.sh npx tsx bench/profile.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { createApp } from '../server/app.ts';
import { createTokenVerifier, issueLocalToken } from '../server/auth/tokens.ts';
import { migrate, readMigrations } from '../server/db/migrate.ts';
import { openPostgres } from '../server/db/postgres.ts';
import { countingDatabase } from '../tests/helpers/round-trips.ts';
import { BENCH_ADMIN, seed } from './volume.ts';

const RUNS = 400;
const KOELN = '05315000';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of a CPU profile by where the code comes from: a package, this project's folder, or V8's own entries. */
function summarize(profile: Profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { url, functionName } = byId.get(id)!.callFrame;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const own = /\/(server|core|bench|tests)\/([^/]+)/.exec(url);
    const where = pkg ?? (own ? `${own[1]}/${own[2]}` : url.startsWith('node:') ? 'node:*' : url ? 'other' : `(${functionName})`);
    totals.set(where, (totals.get(where) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([where, us]) => `${where} ${((100 * us) / all).toFixed(0)} %`)
    .join(', ');
}

async function run(url: string) {
  const admin = openPostgres(url, { max: 1 });
  const name = `ozg_profile_${Date.now()}`;
  await admin.exec(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const raw = openPostgres(target.toString());
  try {
    await migrate(raw, await readMigrations());
    await seed(raw);
    const { db, tally, reset } = countingDatabase(raw);
    const secret = new Uint8Array(randomBytes(32));
    const server = createApp({ db, auth: { mode: 'local', verify: createTokenVerifier({ kind: 'local', secret }) } });
    const authorization = `Bearer ${await issueLocalToken(BENCH_ADMIN, secret)}`;
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await server.request(path, { ...init, headers: { ...(init.headers as object), authorization, 'content-type': 'application/json' } });
      if (response.status !== 200) throw new Error(`${response.status}: ${await response.text()}`);
      return response.json();
    };
    const koeln = await call(`/api/sheets/kommune-status/rows?scope=${KOELN}`);
    const ten = (koeln.rows as { id: string; version: number }[]).slice(0, 10);
    let current: string | null = null;
    const push = async (value: string) => {
      const changes = ten.map(({ id, version }) => ({ id, baseVersion: version, base: { bemerkung: current }, set: { bemerkung: value } }));
      const { results } = (await call('/api/sheets/kommune-status/changes', {
        method: 'POST',
        body: JSON.stringify({ scope: KOELN, idempotencyKey: randomUUID(), source: 'api', changes }),
      })) as { results: { outcome: string; version: number }[] };
      if (results.some((r) => r.outcome !== 'applied')) throw new Error('push not applied');
      results.forEach((r, i) => (ten[i]!.version = r.version));
      current = value;
    };
    await push('geändert');
    const delta = `/api/sheets/kommune-status/rows?scope=${KOELN}&since=${koeln.cursor}`;

    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    const measure = async (label: string, fn: (i: number) => Promise<unknown>) => {
      for (let i = 0; i < 20; i++) await fn(i);
      reset();
      const times: number[] = [];
      await session.post('Profiler.start');
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        await fn(i);
        times.push(performance.now() - start);
      }
      const { profile } = await session.post('Profiler.stop');
      times.sort((a, b) => a - b);
      console.log(
        `${label}: median ${times[RUNS >> 1]!.toFixed(2)} ms, p99 ${times[Math.floor(RUNS * 0.99)]!.toFixed(2)} ms, ` +
          `${(tally.statements / RUNS).toFixed(1)} statements and ${(tally.roundTrips / RUNS).toFixed(1)} round trips per request`,
      );
      console.log(`  CPU profile (self time): ${summarize(profile as Profile)}`);
    };
    await measure('delta pull, 10 changes', () => call(delta));
    await measure('push, 10 cells', (i) => push(`Profil ${i}`));
  } finally {
    await raw.close();
    await admin.exec(`drop database ${name} with (force)`);
    await admin.close();
  }
}

await run(process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
