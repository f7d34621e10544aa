import cluster from 'node:cluster';
import { createServer as createHttpsServer } from 'node:https';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { supabaseInviter } from './auth/invite.ts';
import type { AuthSetup } from './auth/require-member.ts';
import { createAuthSetup } from './auth/setup.ts';
import { superviseWorkers } from './cluster.ts';
import { ConfigError, loadConfig } from './config.ts';
import type { Database } from './db/database.ts';
import { MigrationError, type MigrationReport } from './db/migrate.ts';
import { openDatabase, prepareDatabase } from './db/open.ts';
import { LiveHub } from './live/hub.ts';
import { DatabaseInUseError, removeServerLock, writeServerLock } from './db/server-lock.ts';

async function devCertificate() {
  const { getHttpsServerOptions } = await import('office-addin-dev-certs');
  return getHttpsServerOptions();
}

/** Problems the operator can fix get their German message alone; anything else its stack trace. */
function exitOnStartupError(error: unknown): never {
  if (error instanceof ConfigError || error instanceof MigrationError || error instanceof DatabaseInUseError) console.error(`OZG-Sync startet nicht. ${error.message}`);
  else console.error('OZG-Sync startet nicht:', error);
  process.exit(1);
}

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    exitOnStartupError(error);
  }
})();

/**
 * Several processes on one port (WORKERS, PostgreSQL only): this process is then the primary, which migrates the
 * database and creates the local-mode key in DATA_DIR once, before any worker could race for them, and serves nothing.
 */
const inCluster = config.workers > 1;
const scheme = process.env.OZG_DEV_HTTPS === '1' ? 'https' : 'http';
const announceListening = (port: number) =>
  console.log(
    `OZG-Sync läuft auf ${scheme}://localhost:${port}` +
      (inCluster ? ` mit ${config.workers} Server-Prozessen` : '') +
      ' (Aufgabenbereich: /addin/taskpane.html, API-Referenz: /docs)',
  );

const db = await openDatabase(config).catch(exitOnStartupError);
const report = cluster.isPrimary ? await prepareDatabase(db, config).catch(exitOnStartupError) : undefined;
const auth = await createAuthSetup(config.auth, config.dataDir).catch(exitOnStartupError);
if (report) announce(report, auth);
if (inCluster && cluster.isPrimary) {
  await db.close();
  // npm run dev: getHttpsServerOptions installs a missing certificate first (office-addin-dev-certs,
  // lib/httpsServerOptions.js ensureCertificatesAreInstalled); once here, not by every worker at the same time.
  if (scheme === 'https') await devCertificate().catch(exitOnStartupError);
  superviseWorkers(config.workers, { onListening: announceListening });
} else {
  await serveRequests(db, auth);
}

function announce(report: MigrationReport, auth: AuthSetup) {
  const where = db.kind === 'pglite' ? `eingebettet (PGlite) in ${config.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  console.log(
    `OZG-Sync: Datenbank ${where}, ${report.total} Migrationen` +
      (report.applied.length ? `, neu angewendet: ${report.applied.join(', ')}` : '') +
      (report.seeded ? ', Beispieldaten eingespielt' : '') +
      (report.applied.length === report.total && !report.seeded ? ', ohne Beispieldaten (neue Datenbank; OZG_DEMO_DATA=1 spielt sie ein)' : ''),
  );

  console.log(
    auth.mode === 'supabase'
      ? 'OZG-Sync: Anmeldung über Supabase Auth (SUPABASE_URL / SUPABASE_JWT_SECRET).'
      : auth.issueLocalToken
        ? 'OZG-Sync: lokaler Betrieb ohne Supabase, Anmeldung als eingetragenes Mitglied über /api/dev/login.'
        : 'OZG-Sync: NODE_ENV=production ohne SUPABASE_URL oder SUPABASE_JWT_SECRET: niemand kann sich anmelden.',
  );

  if (config.supabaseAzure) console.log('OZG-Sync: „Mit Microsoft anmelden“ wird angeboten (SUPABASE_AZURE=1, Azure-Anbieter im Supabase-Projekt).');
  // Only that the key is there: it passes every row-level security policy and never goes to the log.
  if (config.auth.SUPABASE_URL?.trim() && config.supabaseServiceRoleKey) {
    console.log('OZG-Sync: Admins können Personen per E-Mail einladen (SUPABASE_SERVICE_ROLE_KEY ist gesetzt).');
  }
  if (config.frameAncestors.length) console.log(`OZG-Sync: Aufgabenbereich darf außer in Office auch eingebettet werden von ${config.frameAncestors.join(' ')}.`);
}

/** One process serving the API: the only one with the embedded database, or one of the cluster's workers. */
async function serveRequests(db: Database, auth: AuthSetup) {
  const supabaseUrl = config.auth.SUPABASE_URL?.trim();
  const inviter = supabaseUrl && config.supabaseServiceRoleKey ? supabaseInviter(supabaseUrl, config.supabaseServiceRoleKey) : undefined;
  const live = { hub: new LiveHub(db, config.live), heartbeatMs: config.live.heartbeatSeconds * 1000 };
  const app = createApp({
    db,
    live,
    auth,
    allowedOrigins: config.allowedOrigins,
    frameAncestors: config.frameAncestors,
    supabaseAzure: config.supabaseAzure,
    ...(inviter ? { inviter } : {}),
    ...(config.addinDir ? { addinDir: config.addinDir } : {}),
    origin: config.origin,
    ...(supabaseUrl && config.supabaseAnonKey ? { supabase: { url: supabaseUrl, anonKey: config.supabaseAnonKey } } : {}),
  });
  // npm run dev: HTTPS with a locally trusted development certificate, as Office requires for sideloading.
  const devHttps = scheme === 'https' ? await devCertificate().catch(exitOnStartupError) : undefined;
  const server = serve(
    { fetch: app.fetch, port: config.port, ...(devHttps ? { createServer: createHttpsServer, serverOptions: devHttps } : {}) },
    (info) => {
      if (db.kind === 'pglite') writeServerLock(config.dataDir, `${scheme}://localhost:${info.port}`);
      if (cluster.isWorker) console.log(`OZG-Sync: Server-Prozess ${process.pid} bereit`);
      else announceListening(info.port);
    },
  );

  let stopping = false;
  async function stop(signal: string) {
    if (stopping) return;
    stopping = true;
    console.log(cluster.isWorker ? `OZG-Sync: Server-Prozess ${process.pid} fährt herunter (${signal}) …` : `OZG-Sync: ${signal} empfangen, fahre herunter …`);
    server.close();
    // Open streams end first, so that their clients reconnect to another process at once.
    await live.hub.close();
    if (db.kind === 'pglite') removeServerLock(config.dataDir);
    await db.close();
    process.exit(0);
  }
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
