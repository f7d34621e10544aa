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
}

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
  NODE_ENV: z.string().optional(),
  OZG_DEMO_DATA: z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value),
    z
      .enum(['0', '1'], {
        error: 'OZG_DEMO_DATA ist 1 (eine neue Datenbank bekommt die Beispieldaten) oder 0 (nur das Schema, ohne Beispieldaten).',
      })
      .optional(),
  ),
  ALLOWED_ORIGINS: z
    .string()
    .default('https://localhost:3000')
    .transform((list) => list.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url({ error: 'ALLOWED_ORIGINS ist eine Komma-Liste von Adressen wie https://ozg.example.org.' }))),
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
    demoData:
      parsed.data.OZG_DEMO_DATA === undefined
        ? !parsed.data.DATABASE_URL && parsed.data.NODE_ENV !== 'production'
        : parsed.data.OZG_DEMO_DATA === '1',
  };
}
