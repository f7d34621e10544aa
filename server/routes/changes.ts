import { createRoute } from '@hono/zod-openapi';
import { assertMayReview, mayWrite, withCaller } from '../auth/caller.ts';
import { createRouter, errorResponses, jsonResponse } from '../openapi.ts';
import {
  ChangesQuerySchema,
  ChangesResponseSchema,
  ReviewRequestSchema,
  ReviewResponseSchema,
  RevertRequestSchema,
  RevertResponseSchema,
} from '../review/contract.ts';
import { listChanges, revertChanges, reviewChanges } from '../review/changes.ts';

const ErrorBody = errorResponses[400].content['application/json'].schema;
const forbidden = jsonResponse(ErrorBody, 'Nur für die Koordinierungsstelle (Admins) und die Themenfeld-Koordination');

export const changesRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/changes',
      tags: ['Prüfung'],
      summary: 'Das Änderungsprotokoll: wer hat was wann geändert, je Sendevorgang, neueste zuerst',
      description:
        'Admins sehen alle Einträge, die Themenfeld-Koordination die ihrer Themenfelder. Seitenweise: next der Antwort als after der nächsten Anfrage.',
      request: { query: ChangesQuerySchema },
      responses: { 200: jsonResponse(ChangesResponseSchema, 'Eine Seite des Protokolls'), ...errorResponses, 403: forbidden },
    }),
    async (c) => {
      const response = await withCaller(c, async (tx) => {
        await assertMayReview(tx);
        return listChanges(tx, c.req.valid('query'), (kind, scope) => mayWrite(tx, kind, scope));
      });
      return c.json(response, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/changes/review',
      tags: ['Prüfung'],
      summary: 'Einträge als geprüft markieren (wer und wann wird vermerkt)',
      request: { body: { content: { 'application/json': { schema: ReviewRequestSchema } }, required: true } },
      responses: { 200: jsonResponse(ReviewResponseSchema, 'Was jetzt und was schon vorher geprüft war'), ...errorResponses, 403: forbidden },
    }),
    async (c) => {
      const response = await withCaller(c, async (tx) => {
        await assertMayReview(tx);
        return reviewChanges(tx, c.req.valid('json'));
      });
      return c.json(response, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/changes/revert',
      tags: ['Prüfung'],
      summary: 'Änderungen zurücksetzen: die alten Werte, geprüft wie beim Senden',
      description:
        'Eine Zelle, die seit dem Eintrag erneut geändert wurde, wird nicht überschrieben, sondern als Konflikt gemeldet. ' +
        'Das Zurücksetzen wird mit Quelle revert protokolliert; zurückgesetzte Einträge gelten als geprüft. ' +
        'Zurücksetzen darf, wer die Tabelle ändern darf (Umsetzungsstand der Kommunen: Admins).',
      request: { body: { content: { 'application/json': { schema: RevertRequestSchema } }, required: true } },
      responses: { 200: jsonResponse(RevertResponseSchema, 'Ein Ergebnis je Eintrag'), ...errorResponses, 403: forbidden },
    }),
    async (c) => {
      const response = await withCaller(c, async (tx) => {
        await assertMayReview(tx);
        return revertChanges(tx, c.req.valid('json'));
      });
      return c.json(response, 200);
    },
  );
