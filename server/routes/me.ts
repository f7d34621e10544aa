import { createRoute } from '@hono/zod-openapi';
import { ROLLEN } from '../../core/vocabulary.ts';
import { callerOf, mayReview, withCaller } from '../auth/caller.ts';
import { createRouter, errorResponses, z } from '../openapi.ts';
import { shapeFor, SHEET_KINDS, type SheetKindName } from '../sync/sheets.ts';

/** The kinds written sheet by sheet; leistung-kommunen is written row by row, as the rights to kommune-status say. */
const SHEET_KIND_NAMES = Object.values(SHEET_KINDS)
  .filter((sheet) => !sheet.rowOwner)
  .map((sheet) => sheet.kind) as [SheetKindName, ...SheetKindName[]];

const Mitgliedschaft = z
  .object({
    rolle: z.enum(ROLLEN),
    themenfeldId: z.number().int().nullable(),
    themenfeld: z.string().nullable(),
    ags: z.string().nullable(),
    kommune: z.string().nullable(),
    dienstleisterId: z.number().int().nullable(),
    dienstleister: z.string().nullable(),
  })
  .openapi('Mitgliedschaft');

const Me = z
  .object({
    email: z.string(),
    mitgliedschaften: z.array(Mitgliedschaft),
    schreibrechte: z
      .array(z.object({ kind: z.string(), scope: z.string(), titel: z.string() }))
      .openapi({ description: 'Einzelne Tabellen, die die Person ändern darf; lesen darf sie alle.' }),
    darfAlleAendern: z
      .array(z.enum(SHEET_KIND_NAMES))
      .openapi({ description: 'Tabellenarten, deren Tabellen die Person alle ändern darf (Admins: alle Arten)' }),
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
    const { mitgliedschaften, darfAlleAendern, schreibrechte, darfPruefen } = await withCaller(c, async (tx) => ({
      mitgliedschaften: await tx.query<z.infer<typeof Mitgliedschaft>>(
        `select m.rolle, m.themenfeld_id as "themenfeldId", t.name as themenfeld, m.ags, k.name as kommune,
                m.dienstleister_id as "dienstleisterId", d.name as dienstleister
         from public.mitglied m
         left join public.themenfeld t on t.id = m.themenfeld_id
         left join public.kommune k on k.ags = m.ags
         left join public.it_dienstleister d on d.id = m.dienstleister_id
         where m.email = intern.anmelde_email() order by m.rolle, m.themenfeld_id, m.ags, m.dienstleister_id`,
      ),
      // Asked of the function row-level security asks at the write. Kinds of which the person may
      // change every sheet (no bereich) are named once instead of listing all 396 Kommunen. An
      // IT-Dienstleister's sheet (dl:<id>) is listed where the person may write each of its Kommunen.
      darfAlleAendern: (
        await tx.query<{ kind: SheetKindName }>(
          `select kind from unnest($1::text[]) with ordinality as a(kind, rang) where intern.darf_schreiben(kind, null) order by rang`,
          [SHEET_KIND_NAMES],
        )
      ).map((r) => r.kind),
      schreibrechte: await tx.query<{ kind: SheetKindName; scope: string; name: string }>(
        `select 'leistung-status' as kind, t.id::text as scope, t.name, 1 as art, lpad(t.id::text, 8, '0') as ordnung from public.themenfeld t
         where intern.darf_schreiben('leistung-status', t.id::text) and not (select intern.darf_schreiben('leistung-status', null))
         union all
         select 'kommune-status', 'dl:' || d.id, d.name, 2, lpad(d.id::text, 12, '0') from public.it_dienstleister d
         where exists (select 1 from public.kommune_dienstleister z where z.dienstleister_id = d.id)
           and not exists (select 1 from public.kommune_dienstleister z
                           where z.dienstleister_id = d.id and not intern.darf_schreiben('kommune-status', z.ags))
           and not (select intern.darf_schreiben('kommune-status', null))
         union all
         select 'kommune-status', k.ags, k.name, 3, k.ags from public.kommune k
         where intern.darf_schreiben('kommune-status', k.ags) and not (select intern.darf_schreiben('kommune-status', null))
         order by art, ordnung`,
      ),
      darfPruefen: await mayReview(tx),
    }));
    return c.json(
      {
        email: (await callerOf(c)).email,
        mitgliedschaften,
        darfAlleAendern,
        schreibrechte: schreibrechte.map((r) => ({ kind: r.kind, scope: r.scope, titel: `${shapeFor(SHEET_KINDS[r.kind], r.scope).title}: ${r.name}` })),
        darfPruefen,
      },
      200,
    );
  },
);
