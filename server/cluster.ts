import cluster, { type Worker } from 'node:cluster';

/** How long the workers get to end their streams and close their connections after SIGTERM before they are killed. */
const SHUTDOWN_GRACE_MS = 15_000;

export interface Supervision {
  /** Every worker listens on the shared port: the server is ready. */
  onListening(port: number): void;
}

/**
 * The primary process of several server processes on one port (node:cluster): it forks `count` workers running
 * this same entry point, hands them the connections round-robin (the default everywhere but Windows,
 * https://nodejs.org/api/cluster.html#clusterschedulingpolicy), restarts a worker that dies, and passes
 * SIGTERM/SIGINT on to all of them. It serves nothing itself.
 */
export function superviseWorkers(count: number, { onListening }: Supervision): void {
  const running = new Set<Worker>();
  const listened = new WeakSet<Worker>();
  let ready = false;
  let stopping: { code: number } | undefined;

  const fork = () => running.add(cluster.fork());

  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = { code };
    if (!running.size) process.exit(code);
    for (const worker of running) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of running) worker.process.kill('SIGKILL');
    }, SHUTDOWN_GRACE_MS).unref();
  };

  cluster.on('listening', (worker, address) => {
    listened.add(worker);
    if (!ready && [...running].every((w) => listened.has(w))) {
      ready = true;
      onListening(address.port);
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    running.delete(worker);
    if (stopping) {
      if (!running.size) process.exit(stopping.code);
      return;
    }
    const how = signal ? `durch ${signal}` : `mit Code ${code}`;
    if (!listened.has(worker)) {
      // It failed before it could serve (it printed why): a new one would fail the same way, over and over.
      console.error(`OZG-Sync startet nicht: Server-Prozess ${worker.process.pid} endete ${how}, bevor er bereit war.`);
      stopAll(1);
      return;
    }
    console.error(`OZG-Sync: Server-Prozess ${worker.process.pid} endete unerwartet ${how}; ein neuer startet.`);
    fork();
  });

  for (let i = 0; i < count; i++) fork();
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
}
