import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../openapi.ts';
import { callerOf } from './caller.ts';

export type VerifyToken = (authorization: string | undefined) => Promise<{ claims: Record<string, unknown> }>;

/**
 * Requests whose handler does nothing costly before its first transaction: reads (no body) and
 * pushes (a body of at most PUSH_LIMITS). Their membership is read in that transaction, pipelined
 * with its first statements; every other request (uploads, imports) is refused before its body is read.
 */
const checkedInFirstTransaction = (method: string, path: string) =>
  method === 'GET' || (method === 'POST' && /^\/api\/sheets\/[^/]+\/changes$/.test(path));

/**
 * Every data endpoint: a valid token (else 401) of a member (else 403 with whom to ask). The
 * membership is read as the caller, under row-level security like everything after (asCaller). A
 * request that ends without having opened a transaction asks after the handler, and its answer is
 * replaced by the 401/403.
 */
export function requireMember(verify: VerifyToken): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { claims } = await verify(c.req.header('authorization'));
    c.set('signedIn', { claims });
    if (!checkedInFirstTransaction(c.req.method, c.req.path)) await callerOf(c);
    await next();
    await callerOf(c);
  };
}

export interface AuthSetup {
  /** local: tokens signed by this server (embedded default); supabase: tokens of a Supabase project. */
  mode: 'local' | 'supabase';
  verify: VerifyToken;
  /** Only in local mode: signs a token for a member (POST /api/dev/login). */
  issueLocalToken?: (email: string) => Promise<string>;
}
