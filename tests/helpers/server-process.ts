import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningServer {
  url: string;
  /** The server's own process (node runs server/main.ts directly); with several workers, their primary. */
  pid: number;
  /** The processes that serve requests: the server itself, or its workers (WORKERS above 1), e.g. to read their memory from /proc. */
  servingPids(): Promise<number[]>;
  output: () => string;
  stop(): Promise<number | null>;
  /** Ends the server and its workers at once, as a crash or the OOM killer would: no shutdown handler runs. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  /** More options for node, e.g. `--import` of a module hook that changes the server's code as it loads. */
  nodeOptions?: string[];
}

/** The processes a process forked (Linux 3.5+, https://docs.kernel.org/filesystems/proc.html: /proc/PID/task/TID/children). */
export async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

/**
 * Starts `npm start`'s entry point as its own process, as a user would, and waits until it listens: one process
 * unless `env` sets WORKERS, whatever the machine's cores, so that a test knows what it runs against.
 */
export async function startServer(env: Record<string, string>, { nodeOptions = [] }: ServerOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeOptions, 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, WORKERS: '1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Server did not start within 60 s:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes('läuft auf')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Server exited with ${code} before listening:\n${output}`));
    });
  });

  const workers = () => childrenOf(child.pid!);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async servingPids() {
      const forked = await workers();
      return forked.length ? forked : [child.pid!];
    },
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      const forked = await workers();
      child.kill('SIGKILL');
      for (const pid of forked) process.kill(pid, 'SIGKILL');
      await exited;
      await Promise.all(forked.map(gone));
    },
  };
}

/** A process's resident memory now and at its peak (VmHWM) since the last reset, from /proc. */
export async function memoryOf(pid: number): Promise<{ resident: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const bytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { resident: bytes('VmRSS'), peak: bytes('VmHWM') };
}

/**
 * How much more memory the server needed at its peak while `work` ran: Linux resets the peak on request. With
 * several workers, the sum of each one's growth: at least the growth of their sum, so a bound on it holds for both.
 */
export async function peakGrowth(server: Pick<RunningServer, 'servingPids'>, work: () => Promise<void>): Promise<number> {
  const pids = await server.servingPids();
  await Promise.all(pids.map((pid) => writeFile(`/proc/${pid}/clear_refs`, '5')));
  const before = await Promise.all(pids.map(memoryOf));
  await work();
  const after = await Promise.all(pids.map(memoryOf));
  return after.reduce((sum, { peak }, i) => sum + peak - before[i]!.resident, 0);
}

/** Until the process has ended; a zombie has (its parent, the killed primary, cannot reap it any more). */
async function gone(pid: number) {
  for (;;) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined || / Z /.test(stat.slice(stat.lastIndexOf(')')))) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
