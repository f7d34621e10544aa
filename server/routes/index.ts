import type { Inviter } from '../auth/invite.ts';
import { requireMember, type AuthSetup } from '../auth/require-member.ts';
import { createRouter, isSignedIn } from '../openapi.ts';
import { changesRoutes } from './changes.ts';
import { configRoutes, type ClientConfig } from './config.ts';
import { devRoutes } from './dev.ts';
import { dienstleisterRoutes } from './dienstleister.ts';
import { eventsRoutes } from './events.ts';
import { healthRoutes } from './health.ts';
import { kommunenRoutes } from './kommunen.ts';
import { leistungenRoutes } from './leistungen.ts';
import { meRoutes } from './me.ts';
import { mitgliederRoutes } from './mitglieder.ts';
import { reifegradeRoutes } from './reifegrade.ts';
import { reportsRoutes } from './reports.ts';
import { sheetsRoutes } from './sheets.ts';
import { stichtagAenderungenRoutes, stichtageRoutes } from './stichtage.ts';
import { themenfelderRoutes } from './themenfelder.ts';
import { xlsxRoutes } from './xlsx.ts';
import { importRoutes } from '../import/routes.ts';

/**
 * Every resource of the API, mounted in one place; its type is what the add-in's typed client
 * sees. Everything under /api but the sign-in helpers needs a member's token.
 */
export function createRoutes(auth: AuthSetup, client: ClientConfig = { mode: auth.mode }, inviter?: Inviter) {
  const member = requireMember(auth.verify);
  return createRouter()
    .route('/', healthRoutes)
    .route('/', devRoutes(auth.issueLocalToken))
    .route('/', configRoutes(client))
    .use('/api/*', (c, next) => (isSignedIn(c.req.path) ? member(c, next) : next()))
    .route('/', meRoutes)
    .route('/', themenfelderRoutes)
    .route('/', leistungenRoutes)
    .route('/', reifegradeRoutes)
    .route('/', kommunenRoutes)
    .route('/', sheetsRoutes)
    .route('/', eventsRoutes)
    .route('/', xlsxRoutes)
    .route('/', importRoutes)
    .route('/', mitgliederRoutes(inviter))
    .route('/', dienstleisterRoutes)
    .route('/', changesRoutes)
    .route('/', reportsRoutes)
    .route('/', stichtageRoutes)
    .route('/', stichtagAenderungenRoutes);
}

export type ApiRoutes = ReturnType<typeof createRoutes>;
