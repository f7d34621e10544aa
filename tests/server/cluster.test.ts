import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { prepareDatabase } from '../../server/db/open.ts';
import { createPostgresDatabase, describeOnPostgres, type TestDatabase } from '../helpers/databases.ts';
import { KOELN } from '../helpers/members.ts';
import { childrenOf, startServer, type RunningServer } from '../helpers/server-process.ts';

/**
 * A request on a connection of its own (no keep-alive agent), so that the primary hands it to the next worker;
 * resolves with the status as soon as the head arrives, and leaves a stream open until `close`.
 */
function openOnNewConnection(url: string, token: string): Promise<{ status: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { authorization: `Bearer ${token}` } }, (response) => {
      resolve({ status: response.statusCode!, close: () => req.destroy() });
      if (response.statusCode !== 200) response.resume();
    });
    req.on('error', reject);
    req.end();
  });
}

const readyPids = (output: string) => [...output.matchAll(/Server-Prozess (\d+) bereit/g)].map((match) => Number(match[1]));

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeOnPostgres('npm start with WORKERS=2 on PostgreSQL', () => {
  let database: TestDatabase;
  let dataDir: string;
  let server: RunningServer;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    await prepareDatabase(database.db, { demoData: true });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-data-'));
    server = await startServer({ DATABASE_URL: database.url!, DATA_DIR: dataDir, WORKERS: '2', LIVE_MAX_STREAMS: '1' });
  });

  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const signIn = async () => {
    const response = await fetch(`${server.url}/api/dev/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: KOELN }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  it('serves from two worker processes on one port, which the primary started after migrating once', async () => {
    const workers = await server.servingPids();
    expect(workers).toHaveLength(2);
    expect(new Set(workers).size).toBe(2);
    expect(workers).not.toContain(server.pid);
    expect(readyPids(server.output()).sort()).toEqual([...workers].sort());
    expect(server.output()).toContain('mit 2 Server-Prozessen');
    // The database line comes from the primary alone, before any worker is ready.
    expect(server.output().match(/OZG-Sync: Datenbank PostgreSQL/g)).toHaveLength(1);
    expect(server.output().indexOf('OZG-Sync: Datenbank PostgreSQL')).toBeLessThan(server.output().indexOf('bereit'));
  });

  it('lets each worker hold its own live streams: with LIVE_MAX_STREAMS=1 two streams open, the next ones get 429', async () => {
    const token = await signIn();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await openOnNewConnection(`${server.url}/api/events?sheet=kommune-status:05315000`, token));
    try {
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 429, 429]);
    } finally {
      for (const answer of answers) answer.close();
    }
  });

  it('replaces a worker that dies, says so, and keeps answering', async () => {
    const [victim, survivor] = await server.servingPids();
    process.kill(victim!, 'SIGKILL');
    await until('the replacement to be ready', () => (readyPids(server.output()).length === 3 ? true : undefined));
    expect(server.output()).toContain(`OZG-Sync: Server-Prozess ${victim} endete unerwartet durch SIGKILL; ein neuer startet.`);
    const now = await server.servingPids();
    expect(now).toHaveLength(2);
    expect(now).toContain(survivor);
    expect(now).not.toContain(victim);
    expect(now).toContain(readyPids(server.output()).at(-1));
    for (let i = 0; i < 4; i++) {
      const answer = await openOnNewConnection(`${server.url}/health`, '');
      expect(answer.status).toBe(200);
    }
  });

  it('ends every worker and exits with 0 on SIGTERM', async () => {
    const workers = await childrenOf(server.pid);
    expect(await server.stop()).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    expect(server.output().match(/fährt herunter \(SIGTERM\)/g)).toHaveLength(2);
  });
});
