import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { prepareDatabase } from '../../server/db/open.ts';
import { httpApi, type Api } from './api.ts';
import { createPostgresDatabase, describeOnPostgres } from './databases.ts';
import { startServer, type RunningServer, type ServerOptions } from './server-process.ts';

/**
 * The server process on its own throwaway PostgreSQL database, as an operator runs it with DATABASE_URL: one process,
 * or OZG_TEST_WORKERS of them on one port.
 */
export interface ServerOnPostgres {
  server: RunningServer;
  /** The same database, connected as its owner: to look at what the server wrote. */
  db: Database;
  /** Signs in as a member through /api/dev/login (local mode), as the add-in does. */
  signIn(email: string): Promise<Api>;
  /** Starts the server again on the same database, e.g. after it was killed. */
  restart(): Promise<RunningServer>;
  /** Starts one more server process on the same database, as a second instance behind a load balancer; stopped by close(). */
  another(env?: Record<string, string>): Promise<RunningServer>;
  close(): Promise<void>;
}

export interface ServerOnPostgresOptions extends ServerOptions {
  /** Fills the database (migrated, with the seed) before the server starts. */
  prepare?: (db: Database) => Promise<void>;
}

export async function startServerOnPostgres(options: ServerOnPostgresOptions = {}): Promise<ServerOnPostgres> {
  const database = await createPostgresDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-data-'));
  // The vitest project "zwei-server-prozesse" runs the same suites against two workers per server (vitest.config.ts).
  const env = { DATABASE_URL: database.url!, DATA_DIR: dataDir, WORKERS: process.env.OZG_TEST_WORKERS ?? '1' };
  const start = (more: Record<string, string> = {}) => startServer({ ...env, ...more }, options);
  const others: RunningServer[] = [];
  const removeAll = async () => {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  let server: RunningServer;
  try {
    await prepareDatabase(database.db, { demoData: true });
    await options.prepare?.(database.db);
    server = await start();
  } catch (error) {
    await removeAll();
    throw error;
  }

  const handle: ServerOnPostgres = {
    server,
    db: database.db,
    async signIn(email) {
      const response = await fetch(`${handle.server.url}/api/dev/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
      if (response.status !== 200) throw new Error(`sign-in as ${email}: ${response.status} ${await response.text()}`);
      const { access_token: token } = (await response.json()) as { access_token: string };
      return httpApi(handle.server.url, token);
    },
    async restart() {
      handle.server = await start();
      return handle.server;
    },
    async another(more) {
      const server = await start(more);
      others.push(server);
      return server;
    },
    async close() {
      await Promise.all([handle.server, ...others].map((s) => s.stop()));
      await removeAll();
    },
  };
  return handle;
}

/** A suite against one server process on its own PostgreSQL database, started for the suite; visibly skipped without PostgreSQL. */
export function describeServerOnPostgres(title: string, suite: (target: () => ServerOnPostgres) => void, options: ServerOnPostgresOptions = {}) {
  describeOnPostgres(title, () => {
    let target: ServerOnPostgres | undefined;
    beforeAll(async () => {
      target = await startServerOnPostgres(options);
    });
    afterAll(async () => {
      await target?.close();
    });
    suite(() => target!);
  });
}
