import { createRoute } from '@hono/zod-openapi';
import { assertMayWriteTable, withCaller } from '../auth/caller.ts';
import type { Inviter } from '../auth/invite.ts';
import { SQLSTATE, sqlState } from '../db/errors.ts';
import { AppError, badRequest, notFound } from '../errors.ts';
import { createRouter, errorResponses, jsonResponse, z } from '../openapi.ts';
import { ROLLEN } from '../../core/vocabulary.ts';
import type { Context } from 'hono';
import type { AppEnv } from '../openapi.ts';

const Mitglied = z
  .object({
    id: z.uuid(),
    email: z.string(),
    rolle: z.enum(ROLLEN),
    themenfeldId: z.number().int().nullable(),
    ags: z.string().nullable(),
    dienstleisterId: z.number().int().nullable(),
  })
  .openapi('Mitglied');

const NeuesMitglied = z
  .object({
    // Lower-cased by the database (intern.email_normalisieren), the same rule that names a token's holder.
    email: z
      .string()
      .trim()
      .pipe(z.email({ error: 'Bitte eine gültige E-Mail-Adresse angeben.' }).max(320)),
    rolle: z.enum(ROLLEN, { error: `Die Rolle ist ${ROLLEN.slice(0, -1).join(', ')} oder ${ROLLEN.at(-1)}.` }),
    themenfeldId: z.number().int().min(1).max(32767).nullable().optional(),
    ags: z.string().regex(/^05\d{6}$/, { error: 'Der AGS ist eine achtstellige Zahl aus NRW, z. B. 05315000.' }).nullable().optional(),
    dienstleisterId: z
      .number({ error: 'Der IT-Dienstleister ist eine Nummer (dienstleisterId), z. B. 1.' })
      .int()
      .min(1)
      .max(2147483647)
      .nullable()
      .optional(),
  })
  .superRefine((m, ctx) => {
    const needs = {
      admin: 'keinen Bereich',
      koordination: 'genau ein Themenfeld (themenfeldId)',
      kommune: 'genau einen AGS (ags)',
      dienstleister: 'genau einen IT-Dienstleister (dienstleisterId)',
    }[m.rolle];
    const given = { themenfeldId: m.themenfeldId != null, ags: m.ags != null, dienstleisterId: m.dienstleisterId != null };
    const needed = { admin: null, koordination: 'themenfeldId', kommune: 'ags', dienstleister: 'dienstleisterId' }[m.rolle];
    const ok = Object.entries(given).every(([bereich, da]) => da === (bereich === needed));
    if (!ok) ctx.addIssue({ code: 'custom', path: ['rolle'], message: `Die Rolle ${m.rolle} braucht ${needs}.` });
  })
  .openapi('NeuesMitglied');

const Einladung = z
  .object({
    email: z
      .string()
      .trim()
      .pipe(z.email({ error: 'Bitte eine gültige E-Mail-Adresse angeben.' }).max(320)),
  })
  .openapi('Einladung');

const Eingeladen = z
  .object({
    email: z.string(),
    weiterleitung: z.string().openapi({ description: 'Wohin der Link in der E-Mail führt: die Browser-Oberfläche dieses Servers' }),
  })
  .openapi('Eingeladen');

const COLUMNS = 'id, email, rolle, themenfeld_id as "themenfeldId", ags, dienstleister_id as "dienstleisterId"';
const SELECT = `select ${COLUMNS} from public.mitglied`;

const requireAdmin = (c: Context<AppEnv>) =>
  assertMayWriteTable(c, 'mitglieder', 'Mitgliedschaften verwalten nur Administratorinnen und Administratoren der OZG-Koordinierungsstelle.');


/** Without `inviter` (no SUPABASE_SERVICE_ROLE_KEY, or local mode) POST /api/mitglieder/einladung says why it cannot invite. */
export const mitgliederRoutes = (inviter: Inviter | undefined) => createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/mitglieder',
      tags: ['Mitglieder'],
      summary: 'Alle Mitgliedschaften (nur Admins)',
      responses: { 200: jsonResponse(z.array(Mitglied), 'Die Mitgliedschaften'), ...errorResponses },
    }),
    async (c) => {
      await requireAdmin(c);
      return c.json(await withCaller(c, (tx) => tx.query<z.infer<typeof Mitglied>>(`${SELECT} order by email, rolle`)), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/mitglieder',
      tags: ['Mitglieder'],
      summary: 'Eine Mitgliedschaft anlegen (nur Admins)',
      request: { body: { content: { 'application/json': { schema: NeuesMitglied } }, required: true } },
      responses: {
        201: jsonResponse(Mitglied, 'Die neue Mitgliedschaft'),
        ...errorResponses,
        409: jsonResponse(errorResponses[400].content['application/json'].schema, 'Diese Mitgliedschaft gibt es schon'),
      },
    }),
    async (c) => {
      await requireAdmin(c);
      const neu = c.req.valid('json');
      try {
        const [row] = await withCaller(c, async (tx) => {
          await tx.query(`select set_config('ozg.quelle', 'api', true)`);
          return tx.query<z.infer<typeof Mitglied>>(
            `insert into public.mitglied (email, rolle, themenfeld_id, ags, dienstleister_id)
             values (intern.email_normalisieren($1), $2, $3, $4, $5)
             returning ${COLUMNS}`,
            [neu.email, neu.rolle, neu.themenfeldId ?? null, neu.ags ?? null, neu.dienstleisterId ?? null],
          );
        });
        return c.json(row!, 201);
      } catch (error) {
        if (sqlState(error) === SQLSTATE.uniqueViolation) throw new AppError('conflict', 'Diese Mitgliedschaft gibt es schon.');
        if (sqlState(error) === SQLSTATE.foreignKeyViolation) {
          throw badRequest(
            neu.ags
              ? `Eine Kommune mit dem AGS ${neu.ags} gibt es nicht.`
              : neu.dienstleisterId
                ? `Den IT-Dienstleister ${neu.dienstleisterId} gibt es nicht.`
                : `Das Themenfeld ${neu.themenfeldId} gibt es nicht.`,
          );
        }
        throw error;
      }
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/api/mitglieder/{id}',
      tags: ['Mitglieder'],
      summary: 'Eine Mitgliedschaft entfernen (nur Admins)',
      request: {
        params: z.object({
          id: z.uuid({ error: 'Die ID einer Mitgliedschaft ist eine UUID.' }).openapi({ param: { name: 'id', in: 'path' } }),
        }),
      },
      responses: { 200: jsonResponse(Mitglied, 'Die entfernte Mitgliedschaft'), ...errorResponses },
    }),
    async (c) => {
      await requireAdmin(c);
      const { id } = c.req.valid('param');
      const [row] = await withCaller(c, async (tx) => {
        await tx.query(`select set_config('ozg.quelle', 'api', true)`);
        return tx.query<z.infer<typeof Mitglied>>(
          `delete from public.mitglied where id = $1 returning ${COLUMNS}`,
          [id],
        );
      });
      if (!row) throw notFound(`Die Mitgliedschaft ${id} gibt es nicht.`);
      return c.json(row, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/mitglieder/einladung',
      tags: ['Mitglieder'],
      summary: 'Eine Person mit Mitgliedschaft per E-Mail von Supabase Auth einladen (nur Admins, nur mit SUPABASE_SERVICE_ROLE_KEY)',
      description:
        'Supabase Auth schickt eine Einladung mit einem Link, der die Person bei der Browser-Oberfläche dieses Servers anmeldet. ' +
        'Wer schon ein Konto hat, bekommt 409; wer noch nicht eingeladen wurde oder die Einladung nicht angenommen hat, bekommt sie (erneut).',
      request: { body: { content: { 'application/json': { schema: Einladung } }, required: true } },
      responses: {
        200: jsonResponse(Eingeladen, 'Die Einladung ist verschickt'),
        ...errorResponses,
        409: jsonResponse(errorResponses[400].content['application/json'].schema, 'Die Person hat schon ein Konto und kann sich anmelden'),
        429: jsonResponse(errorResponses[400].content['application/json'].schema, 'Supabase hat gerade zu viele E-Mails verschickt'),
        503: jsonResponse(errorResponses[400].content['application/json'].schema, 'Einladungen sind nicht eingerichtet oder Supabase Auth ist nicht erreichbar'),
      },
    }),
    async (c) => {
      await requireAdmin(c);
      const { email } = c.req.valid('json');
      if (!inviter) {
        throw new AppError(
          'unavailable',
          'Dieser Server verschickt keine Einladungen: Dafür braucht er Supabase Auth und den service_role-Schlüssel des Projekts (SUPABASE_SERVICE_ROLE_KEY).',
        );
      }
      // The address as the database keeps it, which is the one a token's holder is known by.
      const [member] = await withCaller(c, (tx) =>
        tx.query<{ email: string }>(`select email from public.mitglied where email = intern.email_normalisieren($1) limit 1`, [email]),
      );
      if (!member) {
        throw notFound(`${email} hat keine Mitgliedschaft. Legen Sie zuerst eine an; eingeladen wird nur, wer in OZG-Sync etwas darf.`);
      }
      // The invitation's link signs the person in where they will work: the web app at this server's public address.
      const weiterleitung = `${c.get('origin')}/`;
      await inviter.invite(member.email, weiterleitung);
      return c.json({ email: member.email, weiterleitung }, 200);
    },
  );
