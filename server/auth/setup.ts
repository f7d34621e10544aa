import type { AuthSetup } from './require-member.ts';
import { createTokenVerifier, isLocalLoginAllowed, issueLocalToken, resolveAuthMode, type AuthEnv } from './tokens.ts';

/** Decides from the environment whose tokens the server accepts, and whether it signs its own (local mode). */
export async function createAuthSetup(env: AuthEnv, dataDir: string): Promise<AuthSetup> {
  const mode = await resolveAuthMode(env, dataDir);
  const verify = createTokenVerifier(mode);
  if (mode.kind !== 'local') return { mode: 'supabase', verify };
  return {
    mode: 'local',
    verify,
    ...(isLocalLoginAllowed(env) ? { issueLocalToken: (email: string) => issueLocalToken(email, mode.secret) } : {}),
  };
}
