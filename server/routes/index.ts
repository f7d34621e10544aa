import { requireMember, type AuthSetup } from '../auth/require-member.ts';
import { createRouter } from '../openapi.ts';
import { devRoutes } from './dev.ts';
import { healthRoutes } from './health.ts';
import { kommunenRoutes } from './kommunen.ts';
import { leistungenRoutes } from './leistungen.ts';
import { meRoutes } from './me.ts';
import { mitgliederRoutes } from './mitglieder.ts';
import { sheetsRoutes } from './sheets.ts';
import { themenfelderRoutes } from './themenfelder.ts';

const PUBLIC_API = '/api/dev/';

/**
 * Every resource of the API, mounted in one place; its type is what the add-in's typed client
 * sees. Everything under /api but the local sign-in needs a member's token.
 */
export function createRoutes(auth: AuthSetup) {
  const member = requireMember(auth.verify);
  return createRouter()
    .route('/', healthRoutes)
    .route('/', devRoutes(auth.issueLocalToken))
    .use('/api/*', (c, next) => (c.req.path.startsWith(PUBLIC_API) ? next() : member(c, next)))
    .route('/', meRoutes)
    .route('/', themenfelderRoutes)
    .route('/', leistungenRoutes)
    .route('/', kommunenRoutes)
    .route('/', sheetsRoutes)
    .route('/', mitgliederRoutes);
}

export type ApiRoutes = ReturnType<typeof createRoutes>;
