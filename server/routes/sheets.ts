import { createRoute } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { withCaller } from '../auth/caller.ts';
import { AppError, notFound } from '../errors.ts';
import { createRouter, errorResponses, jsonResponse, z } from '../openapi.ts';
import { PULL_ROW_FORMATS, PullArraysResponseSchema, PullResponseSchema, PushRequestSchema, PushResponseSchema, SheetKindSchema } from '../../core/contract.ts';
import { PUSH_LIMITS } from '../../core/limits.ts';
import { expandPull } from '../../core/pull-rows.ts';
import { pullSheet } from '../sync/pull.ts';
import { statusHinweise } from '../../core/status-hinweise.ts';
import { pushChanges } from '../sync/push.ts';
import { vocabulariesOf } from '../sync/vocabularies.ts';
import { describeKind, SHEET_KINDS, sheetKind } from '../sync/sheets.ts';

export const KindParam = z.object({
  kind: z.string().max(50).openapi({ param: { name: 'kind', in: 'path' }, example: 'kommune-status' }),
});

export const ScopeQuery = z
  .string({ error: 'Der Bereich (scope) fehlt.' })
  .min(1, { error: 'Der Bereich (scope) fehlt.' })
  .max(20)
  .openapi({ param: { name: 'scope', in: 'query' }, example: '05315000' });

export function requireSheet(kind: string) {
  const sheet = sheetKind(kind);
  if (!sheet) {
    throw notFound(`Die Tabellenart „${kind}“ gibt es nicht. Es gibt: ${Object.keys(SHEET_KINDS).join(', ')}.`);
  }
  return sheet;
}

const tooLarge = () =>
  new AppError(
    'payload_too_large',
    `Zu viele Änderungen auf einmal: höchstens ${PUSH_LIMITS.changes.toLocaleString('de-DE')} Änderungen und ${PUSH_LIMITS.bytes / 1024 / 1024} MB je Sendevorgang. Senden Sie in mehreren Teilen.`,
  );


export const sheetsRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/sheets',
      tags: ['Synchronisation'],
      summary: 'Die Tabellenarten, die abgerufen und gesendet werden können',
      responses: { 200: jsonResponse(z.array(SheetKindSchema), 'Die Tabellenarten') },
    }),
    (c) => c.json(Object.values(SHEET_KINDS).map(describeKind), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/sheets/{kind}/rows',
      tags: ['Synchronisation'],
      summary: 'Zeilen eines Bereichs abrufen, mit since nur die Änderungen seit einem Cursor',
      request: {
        params: KindParam,
        query: z.object({
          scope: ScopeQuery,
          since: z.string().max(10_000).optional().openapi({ param: { name: 'since', in: 'query' } }),
          rowFormat: z
            .enum(PULL_ROW_FORMATS, { error: `Das Zeilenformat (rowFormat) ist ${PULL_ROW_FORMATS.join(' oder ')}.` })
            .default('objects')
            .openapi({
              param: { name: 'rowFormat', in: 'query' },
              description: 'objects: jede Zeile ein Objekt mit den Spaltenschlüsseln; arrays: jede Zeile eine Liste in der Reihenfolge der Spalten, halb so groß',
            }),
        }),
      },
      responses: {
        200: jsonResponse(
          z.union([PullResponseSchema, PullArraysResponseSchema]),
          'Spalten, Zeilen, ausgetretene Zeilen und der neue Cursor; mit rowFormat=arrays die Zeilen als Listen',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const sheet = requireSheet(c.req.valid('param').kind);
      const { scope, since, rowFormat } = c.req.valid('query');
      const vocabularies = vocabulariesOf(c.get('db'));
      const response = await withCaller(c, (tx) => pullSheet(tx, sheet, scope, since, { vocabularies }), { isolation: 'repeatable read' });
      return c.json(rowFormat === 'arrays' ? response : expandPull(response), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/sheets/{kind}/changes',
      tags: ['Synchronisation'],
      summary: 'Geänderte Zellen senden: zellgenau zusammengeführt, Konflikte werden gemeldet',
      middleware: [
        bodyLimit({
          maxSize: PUSH_LIMITS.bytes,
          onError: () => {
            throw tooLarge();
          },
        }),
      ] as const,
      request: {
        params: KindParam,
        body: { content: { 'application/json': { schema: PushRequestSchema } }, required: true },
      },
      responses: {
        200: jsonResponse(PushResponseSchema, 'Ein Ergebnis je Änderung, in derselben Reihenfolge'),
        ...errorResponses,
        409: jsonResponse(errorResponses[400].content['application/json'].schema, 'Idempotenzschlüssel mit anderem Inhalt'),
        413: jsonResponse(errorResponses[400].content['application/json'].schema, 'Zu viele Änderungen oder zu großer Inhalt'),
      },
    }),
    async (c) => {
      const sheet = requireSheet(c.req.valid('param').kind);
      const request = c.req.valid('json');
      if (request.changes.length > PUSH_LIMITS.changes) throw tooLarge();
      const vocabularies = vocabulariesOf(c.get('db'));
      const response = await withCaller(c, (tx) => pushChanges(tx, sheet, request, { vocabularies }));
      const hinweise = statusHinweise(response.results);
      return c.json(hinweise.length ? { ...response, hinweise } : response, 200);
    },
  );
