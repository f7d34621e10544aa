import { createRoute } from '@hono/zod-openapi';
import { assertMayWriteTable, withCaller } from '../auth/caller.ts';
import { notFound } from '../errors.ts';
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
      await assertMayWriteTable(c, 'stichtage', 'Stichtage setzen nur Administratorinnen und Administratoren der OZG-Koordinierungsstelle.');
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

const Stand = z.object({ status: z.string(), reifegrad: z.number().int().nullable(), reifegradModell: z.string() });
const Aenderung = z
  .object({ ozgId: z.number().int().nullable(), leistung: z.string(), damals: Stand.nullable(), heute: Stand.nullable() })
  .openapi('AenderungSeitStichtag');

export const stichtagAenderungenRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/stichtage/{id}/aenderungen',
    tags: ['Fortschritt'],
    summary: 'Was hat sich seit dem Stichtag geändert: je OZG-Leistung einer Kommune Status und Reifegrad damals und heute',
    request: {
      params: z.object({
        id: z.coerce
          .number({ error: 'Die Stichtag-ID muss eine ganze Zahl sein.' })
          .int({ error: 'Die Stichtag-ID muss eine ganze Zahl sein.' })
          .min(1, { error: 'Die Stichtag-ID muss größer als 0 sein.' })
          .max(Number.MAX_SAFE_INTEGER, { error: 'Einen so großen Stichtag gibt es nicht.' })
          .openapi({ param: { name: 'id', in: 'path' }, example: 1 }),
      }),
      query: z.object({
        kommune: z
          .string({ error: 'kommune ist der AGS einer Kommune, z. B. 05315000.' })
          .regex(/^05\d{6}$/, { error: 'kommune ist der AGS einer Kommune, z. B. 05315000.' })
          .openapi({ param: { name: 'kommune', in: 'query' }, example: '05315000' }),
      }),
    },
    responses: { 200: jsonResponse(z.array(Aenderung), 'Nur die OZG-Leistungen, deren Status oder Reifegrad sich geändert hat'), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const { kommune } = c.req.valid('query');
    return c.json(
      await withCaller(c, async (tx) => {
        const [known] = await tx.query<{ stichtag: boolean; kommune: boolean }>(
          `select exists (select 1 from public.stichtag where id = $1::bigint) as stichtag,
                  exists (select 1 from public.kommune where ags = $2) as kommune`,
          [id, kommune],
        );
        if (!known!.stichtag) throw notFound(`Den Stichtag ${id} gibt es nicht.`);
        if (!known!.kommune) throw notFound(`Eine Kommune mit dem AGS ${kommune} gibt es nicht.`);
        // "today" counts what progress counts today; a Leistung that joined or left the count shows as null on one side
        return tx.query<z.infer<typeof Aenderung>>(
          `with damals as (
             select ozg_leistung_id, status, reifegrad, reifegrad_modell from public.stichtag_status where stichtag_id = $1::bigint and ags = $2
           ), heute as (
             select s.ozg_leistung_id, s.status, s.reifegrad, s.reifegrad_modell
             from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id
             where s.ags = $2 and l.kommunaler_vollzug and not l.ausgeblendet
           )
           select l.ozg_id as "ozgId", l.name as leistung,
                  case when d.ozg_leistung_id is null then null else
                    json_build_object('status', d.status, 'reifegrad', d.reifegrad, 'reifegradModell', d.reifegrad_modell) end as damals,
                  case when h.ozg_leistung_id is null then null else
                    json_build_object('status', h.status, 'reifegrad', h.reifegrad, 'reifegradModell', h.reifegrad_modell) end as heute
           from damals d full join heute h on h.ozg_leistung_id = d.ozg_leistung_id
           join public.ozg_leistung l on l.id = coalesce(d.ozg_leistung_id, h.ozg_leistung_id)
           where (d.status, d.reifegrad, d.reifegrad_modell) is distinct from (h.status, h.reifegrad, h.reifegrad_modell)
           order by l.ozg_id nulls last, l.name`,
          [id, kommune],
        );
      }),
      200,
    );
  },
);
