import { createRoute } from '@hono/zod-openapi';
import { withCaller } from '../auth/caller.ts';
import { notFound } from '../errors.ts';
import { createRouter, errorResponses, z } from '../openapi.ts';
import { SearchText } from './leistungen.ts';

export const Kommune = z
  .object({
    ags: z.string().openapi({ example: '05315000', description: 'Amtlicher Gemeindeschlüssel' }),
    name: z.string().openapi({ example: 'Köln, Stadt' }),
    kreisschluessel: z.string().openapi({ example: '05315' }),
    kreis: z.string().openapi({ example: 'Köln, Stadt' }),
    typ: z.enum(['kreisfreie Stadt', 'kreisangehörige Gemeinde']),
  })
  .openapi('Kommune');

const Ags = z.string().regex(/^\d{8}$/, { error: 'Der AGS ist eine achtstellige Zahl, z. B. 05315000.' });

const SELECT_KOMMUNE = `
  select k.ags, k.name, k.kreisschluessel, r.name as kreis, k.typ
  from public.kommune k join public.kreis r on r.kreisschluessel = k.kreisschluessel`;

export const kommunenRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/kommunen',
      tags: ['Katalog'],
      summary: 'Kommunen, optional nach Suchtext',
      request: {
        query: z.object({
          q: SearchText.optional().openapi({
            param: { name: 'q', in: 'query' },
            description: 'Teil des Namens oder Anfang des AGS',
            example: 'Köln',
          }),
        }),
      },
      responses: {
        200: { description: 'Die passenden Kommunen, nach Name', content: { 'application/json': { schema: z.array(Kommune) } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { q } = c.req.valid('query');
      const rows = await withCaller(c, (tx) =>
        tx.query<z.infer<typeof Kommune>>(
          `${SELECT_KOMMUNE}
           where not k.ausgeblendet and ($1::text is null or strpos(lower(k.name), lower($1)) > 0 or starts_with(k.ags, $1))
           order by k.name, k.ags`,
          [q ?? null],
        ),
      );
      return c.json(rows, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/kommunen/{ags}',
      tags: ['Katalog'],
      summary: 'Eine Kommune nach AGS',
      request: { params: z.object({ ags: Ags.openapi({ param: { name: 'ags', in: 'path' }, example: '05315000' }) }) },
      responses: {
        200: { description: 'Die Kommune', content: { 'application/json': { schema: Kommune } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { ags } = c.req.valid('param');
      const [row] = await withCaller(c, (tx) => tx.query<z.infer<typeof Kommune>>(`${SELECT_KOMMUNE} where k.ags = $1`, [ags]));
      if (!row) throw notFound(`Eine Kommune mit dem AGS ${ags} gibt es nicht.`);
      return c.json(row, 200);
    },
  );
