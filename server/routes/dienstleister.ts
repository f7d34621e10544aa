import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { assertMayWriteTable, withCaller } from '../auth/caller.ts';
import { SQLSTATE, sqlState } from '../db/errors.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import { createRouter, errorResponses, jsonResponse, z, type AppEnv } from '../openapi.ts';
import { dienstleisterScope } from '../sync/sheets.ts';

export const Dienstleister = z
  .object({
    id: z.number().int(),
    name: z.string(),
    ort: z.string(),
    url: z.string().nullable(),
    scope: z.string().openapi({ description: 'Bereich der Tabelle kommune-status über seine Kommunen, z. B. dl:1' }),
    kommunen: z.array(z.object({ ags: z.string(), name: z.string() })),
  })
  .openapi('ItDienstleister');

const Zuordnung = z
  .object({ ags: z.string(), kommune: z.string(), dienstleisterId: z.number().int(), dienstleister: z.string() })
  .openapi('DienstleisterZuordnung');

const AGS = z.string().regex(/^05\d{6}$/, { error: 'Der AGS ist eine achtstellige Zahl aus NRW, z. B. 05158024.' });

const NeueZuordnung = z
  .object({
    ags: AGS,
    dienstleisterId: z
      .number({ error: 'Der IT-Dienstleister ist eine Nummer (dienstleisterId), z. B. 1.' })
      .int({ error: 'Der IT-Dienstleister ist eine ganze Zahl.' })
      .min(1, { error: 'Der IT-Dienstleister ist eine Nummer ab 1.' })
      .max(2147483647, { error: 'Diesen IT-Dienstleister gibt es nicht.' }),
  })
  .openapi('NeueDienstleisterZuordnung');

const ZUORDNUNG = `select z.ags, k.name as kommune, z.dienstleister_id as "dienstleisterId", d.name as dienstleister
  from public.kommune_dienstleister z
  join public.kommune k on k.ags = z.ags
  join public.it_dienstleister d on d.id = z.dienstleister_id`;

const requireAdmin = (c: Context<AppEnv>) =>
  assertMayWriteTable(c, 'katalog', 'IT-Dienstleister und ihre Kommunen pflegen nur Administratorinnen und Administratoren der OZG-Koordinierungsstelle.');

export const dienstleisterRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/dienstleister',
      tags: ['IT-Dienstleister'],
      summary: 'Die IT-Dienstleister mit den Kommunen, für die sie melden',
      responses: { 200: jsonResponse(z.array(Dienstleister), 'Die IT-Dienstleister'), ...errorResponses },
    }),
    async (c) => {
      const rows = await withCaller(c, (tx) =>
        tx.query<Omit<z.infer<typeof Dienstleister>, 'scope'>>(
          `select d.id, d.name, d.ort, d.url,
                  coalesce((select json_agg(json_build_object('ags', k.ags, 'name', k.name) order by k.name, k.ags)
                            from public.kommune_dienstleister z join public.kommune k on k.ags = z.ags
                            where z.dienstleister_id = d.id), '[]') as kommunen
           from public.it_dienstleister d order by d.name, d.ort`,
        ),
      );
      return c.json(
        rows.map((d) => ({ ...d, scope: dienstleisterScope(d.id) })),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/dienstleister/zuordnungen',
      tags: ['IT-Dienstleister'],
      summary: 'Welcher IT-Dienstleister für welche Kommune meldet',
      responses: { 200: jsonResponse(z.array(Zuordnung), 'Die Zuordnungen'), ...errorResponses },
    }),
    async (c) => c.json(await withCaller(c, (tx) => tx.query<z.infer<typeof Zuordnung>>(`${ZUORDNUNG} order by k.name, z.ags`)), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/dienstleister/zuordnungen',
      tags: ['IT-Dienstleister'],
      summary: 'Eine Kommune einem IT-Dienstleister zuordnen (nur Admins)',
      request: { body: { content: { 'application/json': { schema: NeueZuordnung } }, required: true } },
      responses: {
        201: jsonResponse(Zuordnung, 'Die neue Zuordnung'),
        ...errorResponses,
        409: jsonResponse(errorResponses[400].content['application/json'].schema, 'Die Kommune hat schon einen IT-Dienstleister'),
      },
    }),
    async (c) => {
      await requireAdmin(c);
      const { ags, dienstleisterId } = c.req.valid('json');
      try {
        const [row] = await withCaller(c, async (tx) => {
          await tx.query(`select set_config('ozg.quelle', 'api', true)`);
          await tx.query('insert into public.kommune_dienstleister (ags, dienstleister_id) values ($1, $2)', [ags, dienstleisterId]);
          return tx.query<z.infer<typeof Zuordnung>>(`${ZUORDNUNG} where z.ags = $1`, [ags]);
        });
        return c.json(row!, 201);
      } catch (error) {
        if (sqlState(error) === SQLSTATE.uniqueViolation) {
          throw new AppError('conflict', `Die Kommune ${ags} hat schon einen IT-Dienstleister. Entfernen Sie die Zuordnung zuerst.`);
        }
        if (sqlState(error) === SQLSTATE.foreignKeyViolation) {
          const [kommune] = await withCaller(c, (tx) => tx.query('select 1 from public.kommune where ags = $1', [ags]));
          throw badRequest(kommune ? `Den IT-Dienstleister ${dienstleisterId} gibt es nicht.` : `Eine Kommune mit dem AGS ${ags} gibt es nicht.`);
        }
        throw error;
      }
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/dienstleister/zuordnungen/{ags}',
      tags: ['IT-Dienstleister'],
      summary: 'Die Zuordnung einer Kommune zu ihrem IT-Dienstleister entfernen (nur Admins)',
      request: { params: z.object({ ags: AGS.openapi({ param: { name: 'ags', in: 'path' } }) }) },
      responses: { 200: jsonResponse(Zuordnung, 'Die entfernte Zuordnung'), ...errorResponses },
    }),
    async (c) => {
      await requireAdmin(c);
      const { ags } = c.req.valid('param');
      const [row] = await withCaller(c, async (tx) => {
        const [before] = await tx.query<z.infer<typeof Zuordnung>>(`${ZUORDNUNG} where z.ags = $1`, [ags]);
        if (before) {
          await tx.query(`select set_config('ozg.quelle', 'api', true)`);
          await tx.query('delete from public.kommune_dienstleister where ags = $1', [ags]);
        }
        return before ? [before] : [];
      });
      if (!row) throw notFound(`Die Kommune ${ags} ist keinem IT-Dienstleister zugeordnet.`);
      return c.json(row, 200);
    },
  );
