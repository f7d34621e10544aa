import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { AuthEnv } from './auth/tokens.ts';

export interface Config {
  port: number;
  /** Where the embedded database keeps its files. */
  dataDir: string;
  /** A PostgreSQL server instead of the embedded database. */
  databaseUrl: string | undefined;
  /** Whose sign-ins the server accepts: a Supabase project's, or its own (local mode). */
  auth: AuthEnv;
  /** Browser origins allowed to call the API (CORS). */
  allowedOrigins: string[];
  /** The public anon key of the Supabase project, handed to the task pane for signing in. */
  supabaseAnonKey: string | undefined;
  /**
   * Whether a fresh database gets the demo data of supabase/seed.sql (with admin@ozg-sync.example as
   * admin): only the embedded default outside production, unless OZG_DEMO_DATA says otherwise.
   */
  demoData: boolean;
  /** Origins besides Office's and the server's own that may show the task pane in a frame. */
  frameAncestors: string[];
  /**
   * The Supabase project's service-role key (SUPABASE_SERVICE_ROLE_KEY): with it admins can send Supabase Auth's
   * invitation from Mitglieder. It passes every row-level security policy, so it stays in this process: never sent
   * to a browser, never written to the log.
   */
  supabaseServiceRoleKey: string | undefined;
  /** Whether the Supabase project has the Azure (Microsoft Entra ID) provider enabled: the pane then offers it. */
  supabaseAzure: boolean;
  /** Where the built task pane lies (vite build), served under /addin. */
  addinDir: string | undefined;
  /** Live change streams (GET /api/events): how many one member and this process may hold, and the heartbeat. */
  live: { perMember: number; perProcess: number; heartbeatSeconds: number };
  /** The server's public address (PUBLIC_URL) and whether to trust a reverse proxy's headers (TRUST_PROXY). */
  origin: { publicUrl: string | undefined; trustProxy: boolean };
  /**
   * How many server processes share the port (node:cluster): one per available core with PostgreSQL, always one
   * with the embedded database, which only one process can open.
   */
  workers: number;
}

const integerUpTo = (name: string, max: number) =>
  z.coerce
    .number({ error: `${name} muss eine Zahl sein.` })
    .int({ error: `${name} muss eine ganze Zahl sein.` })
    .min(1, { error: `${name} muss zwischen 1 und ${max.toLocaleString('de-DE')} liegen.` })
    .max(max, { error: `${name} muss zwischen 1 und ${max.toLocaleString('de-DE')} liegen.` });

const positiveInteger = (name: string, fallback: number, max: number) => integerUpTo(name, max).default(fallback);

/**
 * A source for CSP frame-ancestors: scheme, host (optionally `*.` for every subdomain) and port, nothing else,
 * because a path or a quote would widen or break the header.
 */
const FRAME_ANCESTOR = /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i;

/** Each worker holds its own pool of database connections (10): more processes than this exhaust a database's slots long before they help. */
const MAX_WORKERS = 64;

const Env = z.object({
  PORT: z.coerce
    .number({ error: 'PORT muss eine Zahl sein.' })
    .int({ error: 'PORT muss eine ganze Zahl sein.' })
    .min(1, { error: 'PORT muss zwischen 1 und 65535 liegen.' })
    .max(65535, { error: 'PORT muss zwischen 1 und 65535 liegen.' })
    .default(3000),
  DATA_DIR: z.string().trim().min(1).default('.data'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, { error: 'DATABASE_URL muss mit postgres:// oder postgresql:// beginnen.' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  SUPABASE_URL: z.string().optional(),
  SUPABASE_JWT_SECRET: z.string().optional(),
  SUPABASE_ANON_KEY: z.string().trim().optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().trim().optional(),
  NODE_ENV: z.string().optional(),
  OZG_DEMO_DATA: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value),
    z
      .enum(['0', '1'], {
        error: 'OZG_DEMO_DATA ist 1 (eine neue Datenbank bekommt die Beispieldaten) oder 0 (nur das Schema, ohne Beispieldaten).',
      })
      .optional(),
  ),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'PUBLIC_URL ist die Adresse, unter der man den Server erreicht, z. B. https://ozg.example.org.' })
    .refine((url) => !URL.canParse(url) || (new URL(url).pathname === '/' && !new URL(url).search), { error: 'PUBLIC_URL ist nur Schema, Rechner und Port, ohne Pfad.' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0', ''], { error: 'TRUST_PROXY ist true oder false.' })
    .optional()
    .transform((value) => value === 'true' || value === '1'),
  ALLOWED_ORIGINS: z
    .string()
    .default('https://localhost:3000')
    .transform((list) => list.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url({ error: 'ALLOWED_ORIGINS ist eine Komma-Liste von Adressen wie https://ozg.example.org.' }))),
  FRAME_ANCESTORS: z
    .string()
    .default('')
    .transform((list) => list.split(/\s+/).filter(Boolean))
    .pipe(
      z.array(
        z.string().regex(FRAME_ANCESTOR, {
          error: (issue) =>
            `FRAME_ANCESTORS: „${String(issue.input)}“ ist kein Ursprung. Erwartet wird eine durch Leerzeichen getrennte Liste wie https://intranet.example.org https://*.example.org (nur Protokoll, Host und Port).`,
        }),
      ),
    ),
  SUPABASE_AZURE: z
    .enum(['', '0', '1'], { error: 'SUPABASE_AZURE ist 1 (Anmeldung mit Microsoft anbieten) oder 0.' })
    .default(''),
  ADDIN_DIR: z.string().trim().optional(),
  LIVE_MAX_STREAMS_PER_MEMBER: positiveInteger('LIVE_MAX_STREAMS_PER_MEMBER', 10, 1_000),
  LIVE_MAX_STREAMS: positiveInteger('LIVE_MAX_STREAMS', 2_000, 100_000),
  LIVE_HEARTBEAT_SECONDS: positiveInteger('LIVE_HEARTBEAT_SECONDS', 15, 300),
  WORKERS: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    integerUpTo('WORKERS', MAX_WORKERS).optional(),
  ),
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Ungültige Konfiguration:\n${problems.join('\n')}`);
  }
  if (parsed.data.SUPABASE_AZURE === '1' && !(parsed.data.SUPABASE_URL?.trim() && parsed.data.SUPABASE_ANON_KEY)) {
    throw new ConfigError(
      'Ungültige Konfiguration:\nSUPABASE_AZURE: Die Anmeldung mit Microsoft läuft über Supabase Auth und braucht SUPABASE_URL und SUPABASE_ANON_KEY.',
    );
  }
  if (parsed.data.SUPABASE_SERVICE_ROLE_KEY && !parsed.data.SUPABASE_URL?.trim()) {
    throw new ConfigError(
      'Ungültige Konfiguration:\nSUPABASE_SERVICE_ROLE_KEY: Einladungen verschickt Supabase Auth; dafür braucht der Server auch SUPABASE_URL, die Adresse des Projekts.',
    );
  }
  if (parsed.data.WORKERS !== undefined && parsed.data.WORKERS > 1 && !parsed.data.DATABASE_URL) {
    throw new ConfigError(
      'Ungültige Konfiguration:\nWORKERS: Mehrere Server-Prozesse brauchen DATABASE_URL (PostgreSQL); die eingebettete Datenbank kann nur ein Prozess öffnen.',
    );
  }
  return {
    port: parsed.data.PORT,
    dataDir: path.resolve(parsed.data.DATA_DIR),
    databaseUrl: parsed.data.DATABASE_URL,
    auth: {
      SUPABASE_URL: parsed.data.SUPABASE_URL,
      SUPABASE_JWT_SECRET: parsed.data.SUPABASE_JWT_SECRET,
      NODE_ENV: parsed.data.NODE_ENV,
    },
    allowedOrigins: parsed.data.ALLOWED_ORIGINS.map((origin) => new URL(origin).origin),
    supabaseAnonKey: parsed.data.SUPABASE_ANON_KEY || undefined,
    supabaseServiceRoleKey: parsed.data.SUPABASE_SERVICE_ROLE_KEY || undefined,
    demoData:
      parsed.data.OZG_DEMO_DATA === undefined
        ? !parsed.data.DATABASE_URL && parsed.data.NODE_ENV !== 'production'
        : parsed.data.OZG_DEMO_DATA === '1',
    frameAncestors: parsed.data.FRAME_ANCESTORS.map((origin) => origin.toLowerCase()),
    supabaseAzure: parsed.data.SUPABASE_AZURE === '1',
    addinDir: parsed.data.ADDIN_DIR ? path.resolve(parsed.data.ADDIN_DIR) : undefined,
    live: {
      perMember: parsed.data.LIVE_MAX_STREAMS_PER_MEMBER,
      perProcess: parsed.data.LIVE_MAX_STREAMS,
      heartbeatSeconds: parsed.data.LIVE_HEARTBEAT_SECONDS,
    },
    origin: { publicUrl: parsed.data.PUBLIC_URL && new URL(parsed.data.PUBLIC_URL).origin, trustProxy: parsed.data.TRUST_PROXY },
    workers: parsed.data.WORKERS ?? (parsed.data.DATABASE_URL ? Math.min(availableParallelism(), MAX_WORKERS) : 1),
  };
}
