import { createRoute } from '@hono/zod-openapi';
import { withCaller } from '../auth/caller.ts';
import { createRouter, z } from '../openapi.ts';
import { readReifegradmodelle } from '../review/reifegrade.ts';

const Stufe = z.object({ stufe: z.number().int(), name: z.string().nullable(), erklaerung: z.string() }).openapi('Reifegradstufe');

export const Reifegradmodell = z
  .object({
    modell: z.enum(['1.1', '2.0']),
    bezeichnung: z.string(),
    ozgKonformAb: z.number().int().openapi({ description: 'ab dieser Stufe zählt eine Bewertung als OZG-konform' }),
    gueltigAb: z.string().openapi({ description: 'JJJJ-MM-TT' }),
    erlaeuterung: z.string(),
    quelle: z.string().openapi({ description: 'Adresse der Quelle' }),
    stufen: z.array(Stufe),
  })
  .openapi('Reifegradmodell');

export const reifegradeRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/reifegrade',
    tags: ['Katalog'],
    summary: 'Die Reifegradmodelle 2.0 und 1.1 mit ihren Stufen und der Schwelle „OZG-konform“',
    responses: {
      200: { description: 'Die Modelle, neuestes zuerst', content: { 'application/json': { schema: z.array(Reifegradmodell) } } },
    },
  }),
  async (c) => c.json(await withCaller(c, readReifegradmodelle), 200),
);
