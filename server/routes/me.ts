import { createRoute } from '@hono/zod-openapi';
import { mayReview, withCaller } from '../auth/caller.ts';
import { createRouter, errorResponses, z } from '../openapi.ts';
import { SHEET_KINDS } from '../sync/sheets.ts';

const Mitgliedschaft = z
  .object({
    rolle: z.enum(['admin', 'koordination', 'kommune']),
    themenfeldId: z.number().int().nullable(),
    themenfeld: z.string().nullable(),
    ags: z.string().nullable(),
    kommune: z.string().nullable(),
  })
  .openapi('Mitgliedschaft');

const Me = z
  .object({
    email: z.string(),
    mitgliedschaften: z.array(Mitgliedschaft),
    schreibrechte: z
      .array(z.object({ kind: z.string(), scope: z.string(), titel: z.string() }))
      .openapi({ description: 'Tabellen, die die Person ändern darf; lesen darf sie alle. Admins dürfen alle ändern.' }),
    darfPruefen: z.boolean().openapi({ description: 'Ob die Person das Änderungsprotokoll lesen und prüfen darf (Admins, Themenfeld-Koordination)' }),
  })
  .openapi('Ich');

export const meRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/api/me',
    tags: ['Anmeldung'],
    summary: 'Die angemeldete Person, ihre Mitgliedschaften und die Tabellen, die sie ändern darf',
    responses: { 200: { description: 'Die angemeldete Person', content: { 'application/json': { schema: Me } } }, ...errorResponses },
  }),
  async (c) => {
    const caller = c.get('caller');
    const mitgliedschaften = await withCaller(c, (tx) =>
      tx.query<z.infer<typeof Mitgliedschaft>>(
        `select m.rolle, m.themenfeld_id as "themenfeldId", t.name as themenfeld, m.ags, k.name as kommune
         from public.mitglied m
         left join public.themenfeld t on t.id = m.themenfeld_id
         left join public.kommune k on k.ags = m.ags
         where m.email = $1 order by m.rolle, m.themenfeld_id, m.ags`,
        [caller.email],
      ),
    );
    const schreibrechte = mitgliedschaften.flatMap((m) =>
      m.rolle === 'kommune'
        ? [{ kind: 'kommune-status', scope: m.ags!, titel: `${SHEET_KINDS['kommune-status'].title}: ${m.kommune}` }]
        : m.rolle === 'koordination'
          ? [{ kind: 'leistung-status', scope: String(m.themenfeldId), titel: `${SHEET_KINDS['leistung-status'].title}: ${m.themenfeld}` }]
          : [],
    );
    return c.json({ email: caller.email, mitgliedschaften, schreibrechte, darfPruefen: mayReview(caller) }, 200);
  },
);
