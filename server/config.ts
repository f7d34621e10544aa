import path from 'node:path';
import { z } from 'zod';

export interface Config {
  port: number;
  /** Where the embedded database keeps its files. */
  dataDir: string;
  /** A PostgreSQL server instead of the embedded database. */
  databaseUrl: string | undefined;
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
  };
}
