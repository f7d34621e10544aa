import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { Caller } from './auth/caller.ts';
import type { Database } from './db/database.ts';
import type { LiveHub } from './live/hub.ts';
import { badRequest, errorResponse } from './errors.ts';

z.config(z.locales.de());

export interface AppEnv {
  /** caller is set on every route behind requireMember (everything under /api but /api/dev). */
  Variables: { db: Database; caller: Caller; live: LiveStreams };
}

/** The process's live change notices and how often an open stream proves it is alive. */
export interface LiveStreams {
  hub: LiveHub;
  heartbeatMs: number;
}

const TARGET_LABEL: Record<string, string> = {
  query: 'Ungültiger Parameter',
  param: 'Ungültige Pfadangabe',
  json: 'Ungültiges Feld',
  form: 'Ungültiges Feld',
  header: 'Ungültige Kopfzeile',
  cookie: 'Ungültiges Cookie',
};

/** Turns a failed request validation into the JSON error shape, naming the offending input in German. */
export function validationError(target: string, error: ZodError) {
  const issues = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0];
  const where = first?.path ? `${TARGET_LABEL[target] ?? 'Ungültige Angabe'} „${first.path}“` : 'Ungültige Anfrage';
  return badRequest(`${where}: ${first?.message ?? 'unbekannter Fehler'}`, { issues });
}

/** Every router of the API validates through zod and answers bad input with the JSON error shape. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return errorResponse(c, validationError(result.target, result.error));
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'not_found' }),
      message: z.string().openapi({ example: 'Die OZG-Leistung 10999 gibt es nicht.' }),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Fehler');

export const errorResponses = {
  400: { description: 'Ungültige Anfrage', content: { 'application/json': { schema: ErrorSchema } } },
  404: { description: 'Nicht gefunden', content: { 'application/json': { schema: ErrorSchema } } },
} as const;

/** A documented JSON response of a route. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export { z };
