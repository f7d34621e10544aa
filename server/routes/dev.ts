import { createRoute } from '@hono/zod-openapi';
import type { Database } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { createRouter, errorResponses, z } from '../openapi.ts';

/** Local mode only: signs a session token for a member, as Supabase Auth would. */
export type IssueLocalToken = (email: string) => Promise<string>;

const LocalMember = z.object({ email: z.string(), rolle: z.string(), bereich: z.string() }).openapi('LokalesMitglied');

/**
 * Sign-in without Supabase, for the embedded default: answers 404 unless the server runs in local
 * mode, exactly as if these paths did not exist.
 */
export function devRoutes(issueLocalToken: IssueLocalToken | undefined) {
  const localOnly = () => {
    if (!issueLocalToken) throw notFound('Diese Anmeldung gibt es nur im lokalen Betrieb ohne Supabase.');
    return issueLocalToken;
  };
  return createRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/dev/members',
        tags: ['Anmeldung'],
        summary: 'Nur lokaler Betrieb: die Mitglieder, als die man sich anmelden kann',
        responses: {
          200: { description: 'Mitglieder', content: { 'application/json': { schema: z.array(LocalMember) } } },
          ...errorResponses,
        },
      }),
      async (c) => {
        localOnly();
        const db: Database = c.get('db');
        const rows = await db.query<z.infer<typeof LocalMember>>(
          `select m.email, m.rolle::text as rolle, coalesce(t.name, k.name, d.name, 'alle Bereiche') as bereich
           from public.mitglied m
           left join public.themenfeld t on t.id = m.themenfeld_id
           left join public.kommune k on k.ags = m.ags
           left join public.it_dienstleister d on d.id = m.dienstleister_id
           order by m.email, m.rolle`,
        );
        return c.json(rows, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/api/dev/login',
        tags: ['Anmeldung'],
        summary: 'Nur lokaler Betrieb: Anmelde-Token für ein Mitglied',
        request: {
          body: {
            content: { 'application/json': { schema: z.object({ email: z.string().max(320) }) } },
            required: true,
          },
        },
        responses: {
          200: {
            description: 'Das Token',
            content: { 'application/json': { schema: z.object({ access_token: z.string() }).openapi('LokalesToken') } },
          },
          ...errorResponses,
        },
      }),
      async (c) => {
        const issue = localOnly();
        const { email } = c.req.valid('json');
        const db: Database = c.get('db');
        // The same rule as for every token (intern.anmelde_email()), so the token names the member as stored.
        const [member] = await db.query<{ email: string }>(
          'select m.email from public.mitglied m where m.email = intern.email_normalisieren($1) limit 1',
          [email],
        );
        if (!member) throw notFound(`Für ${email} gibt es kein Mitglied. Wählen Sie eines der eingetragenen Mitglieder.`);
        return c.json({ access_token: await issue(member.email) }, 200);
      },
    );
}
