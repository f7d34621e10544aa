import { createApp } from '../../server/app.ts';
import type { AuthSetup } from '../../server/auth/require-member.ts';
import { createTokenVerifier, issueLocalToken } from '../../server/auth/tokens.ts';
import type { Database } from '../../server/db/database.ts';
import { ADMIN } from './members.ts';

const TEST_SECRET = new TextEncoder().encode('ozg-sync-test-secret-0123456789abcdef');

/** A token the test app accepts, or with a past expiry one it refuses as expired. */
export const testToken = (email: string, options?: { expiresInSeconds?: number }) => issueLocalToken(email, TEST_SECRET, options);

export const testAuth: AuthSetup = {
  mode: 'local',
  verify: createTokenVerifier({ kind: 'local', secret: TEST_SECRET }),
  issueLocalToken: (email) => testToken(email),
};

export { ADMIN } from './members.ts';

/** What tests send requests to: the real app, with the token of one person on every request. */
export interface Api {
  request(path: string, init?: RequestInit): Promise<Response>;
}

export function testApp(db: Database) {
  return createApp({ db, auth: testAuth, allowedOrigins: ['https://localhost:3000'] });
}

/** A running server as a signed-in person, over real HTTP: the same Api as apiAs, so the sheet helpers work on both. */
export function httpApi(baseUrl: string, token: string): Api {
  return {
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      return fetch(`${baseUrl}${path}`, { ...init, headers });
    },
  };
}

/** The app as a signed-in person: every request carries their token (none for `null`). */
export function apiAs(db: Database, email: string | null = ADMIN): Api {
  const app = testApp(db);
  let token: Promise<string> | undefined;
  return {
    async request(path, init = {}) {
      if (email === null) return app.request(path, init);
      token ??= testAuth.issueLocalToken!(email);
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${await token}`);
      return app.request(path, { ...init, headers });
    },
  };
}
