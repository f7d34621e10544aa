import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../openapi.ts';
import { loadCaller } from './caller.ts';
import { noEmailError } from './tokens.ts';

export type VerifyToken = (authorization: string | undefined) => Promise<{ claims: Record<string, unknown> }>;

/**
 * Every data endpoint: a valid token (else 401) of a member (else 403 with whom to ask).
 * The memberships are read as the caller, under row-level security like everything after.
 */
export function requireMember(verify: VerifyToken): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { claims } = await verify(c.req.header('authorization'));
    const { email, mitgliedschaften } = await loadCaller(c.get('db'), claims);
    if (!email) throw noEmailError();
    if (!mitgliedschaften.length) {
      throw new AppError(
        'forbidden',
        `Sie sind als ${email} angemeldet, aber für OZG-Sync noch nicht freigeschaltet. ` +
          'Bitte wenden Sie sich an die OZG-Koordinierungsstelle (Administration), damit sie Sie als Mitglied einträgt.',
      );
    }
    c.set('caller', { email, claims, mitgliedschaften });
    await next();
  };
}

export interface AuthSetup {
  /** local: tokens signed by this server (embedded default); supabase: tokens of a Supabase project. */
  mode: 'local' | 'supabase';
  verify: VerifyToken;
  /** Only in local mode: signs a token for a member (POST /api/dev/login). */
  issueLocalToken?: (email: string) => Promise<string>;
}
