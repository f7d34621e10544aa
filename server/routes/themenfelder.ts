import { createRoute } from '@hono/zod-openapi';
import { withCaller } from '../auth/caller.ts';
import { notFound } from '../errors.ts';
import { createRouter, errorResponses, z } from '../openapi.ts';

export const Themenfeld = z
  .object({
    id: z.number().int().openapi({ example: 9 }),
    name: z.string().openapi({ example: 'Mobilität & Reisen' }),
    anzahlLeistungen: z.number().int().openapi({ description: 'OZG-Leistungen im Themenfeld' }),
  })
  .openapi('Themenfeld');

export const ThemenfeldId = z.coerce
  .number({ error: 'Die Themenfeld-ID muss eine ganze Zahl sein.' })
  .int({ error: 'Die Themenfeld-ID muss eine ganze Zahl sein.' })
  .min(1, { error: 'Die Themenfeld-ID muss größer als 0 sein.' })
  .max(32767, { error: 'Die Themenfeld-ID ist zu groß.' });

const SELECT_THEMENFELD = `
  select t.id, t.name, count(l.id)::int as "anzahlLeistungen"
  from public.themenfeld t left join public.ozg_leistung l on l.themenfeld_id = t.id and not l.ausgeblendet`;

export const themenfelderRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/themenfelder',
      tags: ['Katalog'],
      summary: 'Alle Themenfelder',
      responses: {
        200: { description: 'Die Themenfelder, nach ID', content: { 'application/json': { schema: z.array(Themenfeld) } } },
      },
    }),
    async (c) => {
      const rows = await withCaller(c, (tx) =>
        tx.query<z.infer<typeof Themenfeld>>(`${SELECT_THEMENFELD} group by t.id order by t.id`),
      );
      return c.json(rows, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/themenfelder/{id}',
      tags: ['Katalog'],
      summary: 'Ein Themenfeld',
      request: { params: z.object({ id: ThemenfeldId.openapi({ param: { name: 'id', in: 'path' }, example: 9 }) }) },
      responses: {
        200: { description: 'Das Themenfeld', content: { 'application/json': { schema: Themenfeld } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const [row] = await withCaller(c, (tx) =>
        tx.query<z.infer<typeof Themenfeld>>(`${SELECT_THEMENFELD} where t.id = $1 group by t.id`, [id]),
      );
      if (!row) throw notFound(`Das Themenfeld ${id} gibt es nicht.`);
      return c.json(row, 200);
    },
  );
