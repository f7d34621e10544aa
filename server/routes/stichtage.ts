import { createRoute } from '@hono/zod-openapi';
import { isAdmin, withCaller } from '../auth/caller.ts';
import { AppError } from '../errors.ts';
import { createRouter, errorResponses, jsonResponse, z } from '../openapi.ts';

export const Stichtag = z
  .object({
    id: z.number().int(),
    datum: z.string().openapi({ description: 'JJJJ-MM-TT', example: '2026-01-01' }),
    bezeichnung: z.string().openapi({ example: 'Erhebung 01.01.2026' }),
    erstelltAm: z.string().openapi({ description: 'wann der Stand eingefroren wurde' }),
    erstelltVon: z.string(),
    zeilen: z.number().int().openapi({ description: 'eingefrorene Einträge (Kommune × OZG-Leistung mit kommunalem Vollzug)' }),
  })
  .openapi('Stichtag');

const NeuerStichtag = z
  .object({
    datum: z.iso.date({ error: 'datum ist ein Datum nach ISO 8601, z. B. 2026-01-01.' }),
    bezeichnung: z
      .string({ error: 'bezeichnung ist ein Text, z. B. „Erhebung 01.01.2026“.' })
      .trim()
      .min(1, { error: 'bezeichnung darf nicht leer sein.' })
      .max(200, { error: 'bezeichnung darf höchstens 200 Zeichen lang sein.' }),
  })
  .openapi('NeuerStichtag');

const SELECT = `select t.id::int as id, to_char(t.datum, 'YYYY-MM-DD') as datum, t.bezeichnung,
         to_char(t.erstellt_am at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "erstelltAm", t.erstellt_von as "erstelltVon",
         (select count(*)::int from public.stichtag_status f where f.stichtag_id = t.id) as zeilen
  from public.stichtag t`;

export const stichtageRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/stichtage',
      tags: ['Fortschritt'],
      summary: 'Die Stichtage, neuester zuerst',
      responses: { 200: jsonResponse(z.array(Stichtag), 'Die Stichtage'), ...errorResponses },
    }),
    async (c) => c.json(await withCaller(c, (tx) => tx.query<z.infer<typeof Stichtag>>(`${SELECT} order by t.datum desc, t.id desc`)), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/stichtage',
      tags: ['Fortschritt'],
      summary: 'Einen Stichtag setzen (nur Admins): friert den Umsetzungsstand aller Kommunen ein, unveränderlich',
      request: { body: { content: { 'application/json': { schema: NeuerStichtag } }, required: true } },
      responses: { 201: jsonResponse(Stichtag, 'Der neue Stichtag'), ...errorResponses },
    }),
    async (c) => {
      if (!isAdmin(c.get('caller'))) {
        throw new AppError('forbidden', 'Stichtage setzen nur Administratorinnen und Administratoren der OZG-Koordinierungsstelle.');
      }
      const neu = c.req.valid('json');
      const [row] = await withCaller(c, async (tx) => {
        const [created] = await tx.query<{ id: number }>(
          'insert into public.stichtag (datum, bezeichnung) values ($1::date, $2) returning id::int as id',
          [neu.datum, neu.bezeichnung],
        );
        return tx.query<z.infer<typeof Stichtag>>(`${SELECT} where t.id = $1`, [created!.id]);
      });
      return c.json(row!, 201);
    },
  );
