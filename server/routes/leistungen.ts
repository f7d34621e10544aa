import { createRoute } from '@hono/zod-openapi';
import { withCaller } from '../auth/caller.ts';
import { notFound } from '../errors.ts';
import { createRouter, errorResponses, z } from '../openapi.ts';
import { ThemenfeldId } from './themenfelder.ts';

export const Leistung = z
  .object({
    id: z.uuid(),
    ozgId: z.number().int().nullable().openapi({ example: 10294, description: 'leer, wo der OZG-Katalog keine ID vergibt' }),
    name: z.string().openapi({ example: 'Unternehmensanmeldung und -genehmigung' }),
    themenfeldId: z.number().int(),
    themenfeld: z.string().openapi({ example: 'Unternehmensführung & -entwicklung' }),
    leikaAnzahl: z.number().int().nullable().openapi({ example: 198 }),
    leikaTypen: z.array(z.string()).openapi({ example: ['1', '2/3', '4'] }),
    kommunalerVollzug: z.boolean(),
  })
  .openapi('Leistung');

export const SearchText = z
  .string()
  .trim()
  .min(1, { error: 'Der Suchtext darf nicht leer sein.' })
  .max(100, { error: 'Der Suchtext darf höchstens 100 Zeichen lang sein.' });

const OzgId = z
  .string()
  .regex(/^\d{5}$/, { error: 'Die OZG-ID ist eine fünfstellige Zahl, z. B. 10294.' })
  .transform(Number);

const SELECT_LEISTUNG = `
  select l.id, l.ozg_id as "ozgId", l.name, l.themenfeld_id as "themenfeldId", t.name as themenfeld,
         l.leika_anzahl as "leikaAnzahl", l.leika_typen as "leikaTypen", l.kommunaler_vollzug as "kommunalerVollzug"
  from public.ozg_leistung l join public.themenfeld t on t.id = l.themenfeld_id`;

export const leistungenRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/leistungen',
      tags: ['Katalog'],
      summary: 'OZG-Leistungen, optional je Themenfeld oder nach Suchtext',
      request: {
        query: z.object({
          themenfeld: ThemenfeldId.optional().openapi({ param: { name: 'themenfeld', in: 'query' }, example: 14 }),
          q: SearchText.optional().openapi({
            param: { name: 'q', in: 'query' },
            description: 'Teil des Namens oder Anfang der OZG-ID',
            example: 'Gewerbe',
          }),
        }),
      },
      responses: {
        200: { description: 'Die passenden OZG-Leistungen', content: { 'application/json': { schema: z.array(Leistung) } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { themenfeld, q } = c.req.valid('query');
      const rows = await withCaller(c, async (tx) => {
        if (themenfeld !== undefined) {
          const [exists] = await tx.query('select 1 from public.themenfeld where id = $1', [themenfeld]);
          if (!exists) throw notFound(`Das Themenfeld ${themenfeld} gibt es nicht.`);
        }
        return tx.query<z.infer<typeof Leistung>>(
          `${SELECT_LEISTUNG}
           where not l.ausgeblendet and ($1::smallint is null or l.themenfeld_id = $1)
             and ($2::text is null or strpos(lower(l.name), lower($2)) > 0 or starts_with(l.ozg_id::text, $2))
           order by l.ozg_id nulls last, l.name`,
          [themenfeld ?? null, q ?? null],
        );
      });
      return c.json(rows, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/leistungen/{ozgId}',
      tags: ['Katalog'],
      summary: 'Eine OZG-Leistung nach OZG-ID',
      request: { params: z.object({ ozgId: OzgId.openapi({ param: { name: 'ozgId', in: 'path' }, example: '10294' }) }) },
      responses: {
        200: { description: 'Die OZG-Leistung', content: { 'application/json': { schema: Leistung } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { ozgId } = c.req.valid('param');
      const [row] = await withCaller(c, (tx) => tx.query<z.infer<typeof Leistung>>(`${SELECT_LEISTUNG} where l.ozg_id = $1`, [ozgId]));
      if (!row) throw notFound(`Die OZG-Leistung ${ozgId} gibt es nicht.`);
      return c.json(row, 200);
    },
  );
