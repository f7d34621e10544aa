import { createRoute } from '@hono/zod-openapi';
import { createRouter, z } from '../openapi.ts';

const Health = z
  .object({
    status: z.literal('ok'),
    database: z.enum(['pglite', 'postgres']),
    migrations: z.number().int().openapi({ description: 'Anzahl der angewendeten Migrationen' }),
  })
  .openapi('Health');

export const healthRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/health',
    tags: ['Betrieb'],
    summary: 'Betriebszustand des Servers und der Datenbank',
    responses: { 200: { description: 'Server und Datenbank antworten', content: { 'application/json': { schema: Health } } } },
  }),
  async (c) => {
    const db = c.get('db');
    const [row] = await db.query<{ count: number }>(
      'select count(*)::int as count from supabase_migrations.schema_migrations',
    );
    return c.json({ status: 'ok' as const, database: db.kind, migrations: row?.count ?? 0 }, 200);
  },
);
