import { createRoute } from '@hono/zod-openapi';
import { createRouter, z } from '../openapi.ts';

export interface ClientConfig {
  mode: 'local' | 'supabase';
  supabaseUrl?: string;
  supabaseAnonKey?: string;
  /** The Supabase project signs in with Microsoft (Azure provider): the pane shows "Mit Microsoft anmelden". */
  microsoft?: boolean;
  /** The server can send Supabase Auth's invitation (SUPABASE_SERVICE_ROLE_KEY): Mitglieder shows „Einladen“. */
  einladen?: boolean;
}

const ClientConfigSchema = z
  .object({
    mode: z.enum(['local', 'supabase']),
    supabaseUrl: z.string().optional(),
    supabaseAnonKey: z.string().optional(),
    microsoft: z.boolean().optional(),
    einladen: z.boolean().optional().openapi({ description: 'Ob Admins Personen per E-Mail von Supabase Auth einladen können (POST /api/mitglieder/einladung)' }),
  })
  .openapi('Clientkonfiguration');

/** What the task pane needs before anyone signs in: how to sign in. The anon key is public by design. */
export function configRoutes(config: ClientConfig) {
  return createRouter().openapi(
    createRoute({
      method: 'get',
      path: '/api/config',
      tags: ['Anmeldung'],
      summary: 'Wie sich das Add-in anmeldet (lokal oder über Supabase Auth)',
      security: [],
      responses: { 200: { description: 'Die Anmeldeart', content: { 'application/json': { schema: ClientConfigSchema } } } },
    }),
    (c) => c.json(config, 200),
  );
}
