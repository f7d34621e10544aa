import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { SignedIn } from './auth/caller.ts';
import type { Database } from './db/database.ts';
import type { LiveHub } from './live/hub.ts';
import { badRequest, errorResponse } from './errors.ts';

z.config(z.locales.de());

export interface AppEnv {
  /**
   * signedIn is set on every route behind requireMember (everything under /api but /api/dev), the
   * member it names comes with callerOf; origin on every request (server/origin.ts).
   */
  Variables: { db: Database; signedIn: SignedIn; origin: string; live: LiveStreams };
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

/** Paths under /api that need no sign-in: the local sign-in helpers and the task pane's configuration. */
export const PUBLIC_API = ['/api/dev/', '/api/config'];
export const isSignedIn = (path: string) => path.startsWith('/api/') && !PUBLIC_API.some((prefix) => path.startsWith(prefix));

type Operation = { responses?: Record<string, unknown>; requestBody?: unknown; security?: unknown[] };
type Document = { paths?: Record<string, Record<string, Operation>> };

const documentedError = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Fehler' } } },
});

/**
 * Adds to every operation the answers that the app's middleware and error handler give, by the
 * same rules that apply them (createApp, createRoutes): a sign-in for everything under /api but
 * PUBLIC_API (401, 403), the body limits on every request under /api (413), the content type of a
 * documented body (415), malformed input and database data errors (400), and internal errors
 * (500). Public operations say `security: []`, overriding the document's bearer default.
 */
export function withCommonResponses<D extends object>(doc: D): D {
  for (const [path, methods] of Object.entries((doc as Document).paths ?? {})) {
    for (const operation of Object.values(methods)) {
      const responses = (operation.responses ??= {});
      const add = (status: number, description: string) => {
        responses[status] ??= documentedError(description);
      };
      add(400, 'Ungültige Anfrage');
      if (isSignedIn(path)) {
        add(401, 'Nicht angemeldet: Token fehlt, ist abgelaufen oder ungültig');
        add(403, 'Angemeldet, aber kein Mitglied, oder dafür fehlt die Berechtigung');
      } else operation.security = [];
      if (path.startsWith('/api/')) add(413, 'Inhalt zu groß');
      if (operation.requestBody) add(415, 'Inhalt in einem anderen Format als hier beschrieben');
      if (path.includes('{')) add(404, 'Nicht gefunden');
      add(500, 'Interner Fehler');
    }
  }
  return doc;
}

/** The methods the document names for a request path, to answer a wrong method with 405 and Allow. */
export function documentedMethods(doc: object, path: string): string[] {
  // OpenAPI: a concrete path is matched before a templated one (/api/mitglieder/einladung before
  // /api/mitglieder/{id}), so the template with the fewest parameters that fits decides.
  const fitting = Object.entries((doc as Document).paths ?? {})
    .filter(([template]) =>
      new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
    )
    .map(([template, methods]) => ({ params: template.split('{').length - 1, methods }));
  const best = fitting.sort((a, b) => a.params - b.params)[0];
  return best ? Object.keys(best.methods).map((method) => method.toUpperCase()) : [];
}
