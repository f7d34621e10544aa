import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite runs PostgreSQL in single-user mode inside one process ("a single-connection database",
 * https://pglite.dev/docs/pglite-socket; electric-sql/pglite discussion #987): a second process
 * opening the same folder would corrupt it. The server therefore notes in DATA_DIR that it holds
 * the embedded database and where it listens, so that npm run katalog can go through its API
 * instead, and npm run import or a second npm start refuse with a clear message.
 */
export interface ServerLock {
  pid: number;
  url: string;
}

const lockFile = (dataDir: string) => path.join(dataDir, 'server.json');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The running server holding the embedded database in dataDir; a lock left by a crashed server does not count. */
export function readServerLock(dataDir: string): ServerLock | undefined {
  let lock: ServerLock;
  try {
    lock = JSON.parse(readFileSync(lockFile(dataDir), 'utf8')) as ServerLock;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(lock.pid) || typeof lock.url !== 'string') return undefined;
  if (lock.pid === process.pid || !alive(lock.pid)) return undefined;
  return lock;
}

export function writeServerLock(dataDir: string, url: string): void {
  writeFileSync(lockFile(dataDir), JSON.stringify({ pid: process.pid, url } satisfies ServerLock), { mode: 0o600 });
}

export function removeServerLock(dataDir: string): void {
  rmSync(lockFile(dataDir), { force: true });
}

export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
  constructor(
    dataDir: string,
    readonly lock: ServerLock,
  ) {
    super(
      `Die eingebettete Datenbank in ${dataDir} gehört dem laufenden Server (Prozess ${lock.pid}, ${lock.url}). ` +
        'PGlite kann nur ein Prozess zugleich öffnen: den Server erst beenden (Strg+C) oder über seine API arbeiten.',
    );
  }
}
