import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { jwtVerify, SignJWT } from 'jose';

/**
 * Supabase Auth (GoTrue) as far as "Mit Microsoft anmelden" and "Einladen" meet it, over real HTTP on a loopback port:
 * /authorize takes the PKCE challenge and, where GoTrue would send the window on to Entra ID and take it back at
 * /callback, sends it straight back to redirect_to with a one-time code; /token?grant_type=pkce gives the session only
 * for the verifier that matches the challenge (S256), once. Sessions carry HS256 tokens signed with the project's JWT
 * secret, as GoTrue's are. https://supabase.com/docs/guides/auth/sessions/pkce-flow
 *
 * POST /invite as supabase/auth's internal/api/invite.go answers it: only for a Bearer JWT with the service_role role
 * (403 not_admin otherwise, 401 no_authorization without one), 400 validation_failed for a missing or malformed
 * address, 422 email_exists for a confirmed account, the invitation once more for an invited but unconfirmed one,
 * 429 over_email_send_rate_limit past the project's email limit, and 200 with the user otherwise. Errors come in the
 * shape of the API version the client asks for (X-Supabase-Api-Version 2024-01-01: {code, message}; before: {code,
 * error_code, msg}), as internal/api/errors.go writes them.
 */
export interface FakeGoTrue {
  url: string;
  /** Requests in order, as "METHOD /path?grant_type", to see which steps the sign-in took. */
  requests: string[];
  /** Who signs in at "Microsoft" from now on; with '' the window waits on Microsoft's page. */
  signInAs(email: string): void;
  /** Adds a URL to the project's redirect allow list; /authorize refuses any other redirect_to. */
  allowRedirect(url: string): void;
  /** From now on "Microsoft" refuses the sign-in with this OAuth error, as Entra ID does when the user declines. */
  refuseWith(error: { error: string; description: string } | null): void;
  /** An account that has signed in before (confirmed), as Microsoft's first sign-in or an accepted invitation leave one. */
  addAccount(email: string): void;
  /** An access token of the project for this person, as a sign-in would give them (and their account with it). */
  accessToken(email: string): Promise<string>;
  /** The invitation emails sent, in order, with the link each carries (GoTrue's /verify, used once). */
  invitations: { email: string; redirectTo: string | null; link: string }[];
  /** How many emails the project may still send (Supabase's built-in SMTP allows only a few an hour). */
  emailLimit(count: number): void;
  close(): Promise<void>;
}

const base64url = (buffer: Buffer) => buffer.toString('base64url');

/** A service-role key as Supabase issues it for a project with this JWT secret: a JWT whose role is service_role. */
export function serviceRoleKey(jwtSecret: string): Promise<string> {
  return new SignJWT({ role: 'service_role', iss: 'supabase' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().sign(new TextEncoder().encode(jwtSecret));
}

interface User {
  id: string;
  email: string;
  /** Signed in at least once; an invited user is not until they follow the link. */
  confirmed: boolean;
  invitedAt?: string;
}

export async function startFakeGoTrue({ jwtSecret }: { jwtSecret: string }): Promise<FakeGoTrue> {
  const redirectAllowList: string[] = [];
  const secret = new TextEncoder().encode(jwtSecret);
  const codes = new Map<string, { challenge: string; email: string }>();
  const users = new Map<string, User>();
  const requests: string[] = [];
  const invitations: FakeGoTrue['invitations'] = [];
  const inviteTokens = new Map<string, { email: string; redirectTo: string }>();
  let email = '';
  let refusal: { error: string; description: string } | null = null;
  let emailsLeft = Infinity;

  async function session(forEmail: string) {
    const user = users.get(forEmail) ?? { id: randomUUID(), email: forEmail, confirmed: true };
    user.confirmed = true;
    users.set(forEmail, user);
    const issuedAt = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({ email: forEmail, role: 'authenticated', app_metadata: { provider: 'azure' } })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setAudience('authenticated')
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(secret);
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: 3600,
      expires_at: issuedAt + 3600,
      refresh_token: base64url(randomBytes(12)),
      user: { id: user.id, aud: 'authenticated', role: 'authenticated', email: forEmail, app_metadata: { provider: 'azure' }, user_metadata: {} },
    };
  }

  const origin = () => {
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };
  const server = createServer(async (request, response) => {
    const url = new URL(request.url!, 'http://gotrue');
    requests.push(`${request.method} ${url.pathname}${url.searchParams.has('grant_type') ? `?grant_type=${url.searchParams.get('grant_type')}` : ''}`);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      response.end(JSON.stringify(body));
    };
    const versioned = request.headers['x-supabase-api-version'] === '2024-01-01';
    const fail = (status: number, code: string, message: string) => {
      if (!versioned) return json(status, { code: status, error_code: code, msg: message });
      response.setHeader('x-supabase-api-version', '2024-01-01');
      return json(status, { code, message });
    };
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '*',
      });
      return response.end();
    }
    if (request.method === 'GET' && url.pathname === '/auth/v1/authorize') {
      const redirectTo = url.searchParams.get('redirect_to') ?? '';
      const challenge = url.searchParams.get('code_challenge');
      if (url.searchParams.get('provider') !== 'azure') return json(400, { error_code: 'validation_failed', msg: 'Unsupported provider' });
      if (!challenge || url.searchParams.get('code_challenge_method')?.toLowerCase() !== 's256') {
        return json(400, { error_code: 'validation_failed', msg: 'PKCE S256 challenge required' });
      }
      if (!redirectAllowList.some((allowed) => redirectTo.split('?')[0] === allowed)) {
        return json(400, { error_code: 'validation_failed', msg: `redirect_to not on the allow list: ${redirectTo}` });
      }
      if (refusal) {
        // GoTrue's callback hears the provider's error and sends it on to redirect_to, in the query and the fragment
        // (internal/api/external.go redirectErrors, external_oauth.go oAuthCallback).
        const back = new URL(redirectTo);
        back.searchParams.set('error', refusal.error);
        back.searchParams.set('error_description', refusal.description);
        back.hash = new URLSearchParams({ error: refusal.error, error_description: refusal.description, sb: '' }).toString();
        response.writeHead(302, { location: back.href });
        return response.end();
      }
      if (!email) {
        // Nobody signs in yet: the window stays on "Microsoft's" page, as it would while the user types.
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return response.end('<!doctype html><title>Microsoft</title><p>Bei Microsoft anmelden</p>');
      }
      const code = randomUUID();
      codes.set(code, { challenge, email });
      const back = new URL(redirectTo);
      back.searchParams.set('code', code);
      response.writeHead(302, { location: back.href });
      return response.end();
    }
    if (request.method === 'POST' && url.pathname === '/auth/v1/token' && url.searchParams.get('grant_type') === 'pkce') {
      let body = '';
      for await (const chunk of request) body += chunk;
      const { auth_code: code, code_verifier: verifier } = JSON.parse(body) as { auth_code?: string; code_verifier?: string };
      const flow = code ? codes.get(code) : undefined;
      if (!flow) return fail(404, 'flow_state_not_found', 'invalid flow state, no valid flow state found');
      codes.delete(code!);
      if (!verifier || base64url(createHash('sha256').update(verifier).digest()) !== flow.challenge) {
        return fail(400, 'bad_code_verifier', 'code challenge does not match previously saved code verifier');
      }
      return json(200, await session(flow.email));
    }
    if (request.method === 'GET' && url.pathname === '/auth/v1/user') {
      const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const claims = await jwtVerify(token, secret, { audience: 'authenticated' }).then(({ payload }) => payload, () => null);
      const user = claims && users.get(String(claims.email));
      if (!user) return fail(403, 'bad_jwt', 'invalid JWT');
      return json(200, { ...user, aud: 'authenticated', role: 'authenticated', app_metadata: { provider: 'azure' }, user_metadata: {} });
    }
    if (request.method === 'POST' && url.pathname === '/auth/v1/invite') {
      const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (!bearer || !request.headers.apikey) return fail(401, 'no_authorization', 'This endpoint requires a valid Bearer token');
      const claims = await jwtVerify(bearer, secret).then(({ payload }) => payload, () => null);
      if (!claims) return fail(403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
      if (claims.role !== 'service_role') return fail(403, 'not_admin', 'User not allowed');
      let body = '';
      for await (const chunk of request) body += chunk;
      const invited = String((JSON.parse(body || '{}') as { email?: unknown }).email ?? '');
      if (!invited) return fail(400, 'validation_failed', 'An email address is required');
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(invited)) return fail(400, 'validation_failed', 'Unable to validate email address: invalid format');
      const address = invited.toLowerCase();
      const existing = users.get(address);
      if (existing?.confirmed) return fail(422, 'email_exists', 'A user with this email address has already been registered');
      if (emailsLeft <= 0) return fail(429, 'over_email_send_rate_limit', 'email rate limit exceeded');
      emailsLeft -= 1;
      const user: User = existing ?? { id: randomUUID(), email: address, confirmed: false };
      user.invitedAt = new Date().toISOString();
      users.set(address, user);
      const token = base64url(randomBytes(16));
      const redirectTo = url.searchParams.get('redirect_to');
      inviteTokens.set(token, { email: address, redirectTo: redirectTo ?? '' });
      const link = new URL(`${origin()}/auth/v1/verify`);
      link.search = new URLSearchParams({ token, type: 'invite', ...(redirectTo ? { redirect_to: redirectTo } : {}) }).toString();
      invitations.push({ email: address, redirectTo, link: link.href });
      return json(200, {
        id: user.id,
        aud: 'authenticated',
        role: 'authenticated',
        email: address,
        invited_at: user.invitedAt,
        confirmation_sent_at: user.invitedAt,
        app_metadata: { provider: 'email', providers: ['email'] },
        user_metadata: {},
        identities: [],
        created_at: user.invitedAt,
        updated_at: user.invitedAt,
        is_anonymous: false,
      });
    }
    if (request.method === 'GET' && url.pathname === '/auth/v1/verify' && url.searchParams.get('type') === 'invite') {
      // Invitations use the implicit flow: the session comes back in the fragment, a used or unknown link as
      // otp_expired there too (internal/api/verify.go, prepErrorRedirectURL).
      const invite = inviteTokens.get(url.searchParams.get('token') ?? '');
      const back = new URL(url.searchParams.get('redirect_to') ?? invite?.redirectTo ?? origin());
      if (!invite) {
        back.hash = new URLSearchParams({
          error: 'access_denied',
          error_code: 'otp_expired',
          error_description: 'Email link is invalid or has expired',
          sb: '',
        }).toString();
      } else {
        inviteTokens.delete(url.searchParams.get('token')!);
        const signedIn = await session(invite.email);
        back.hash = new URLSearchParams({
          access_token: signedIn.access_token,
          expires_at: String(signedIn.expires_at),
          expires_in: String(signedIn.expires_in),
          refresh_token: signedIn.refresh_token,
          token_type: 'bearer',
          type: 'invite',
          sb: '',
        }).toString();
      }
      response.writeHead(303, { location: back.href });
      return response.end();
    }
    if (request.method === 'POST' && url.pathname === '/auth/v1/logout') {
      response.writeHead(204, { 'access-control-allow-origin': '*' });
      return response.end();
    }
    if (request.method === 'GET' && url.pathname === '/auth/v1/.well-known/jwks.json') return json(200, { keys: [] });
    json(404, { msg: `not found: ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: origin(),
    requests,
    signInAs: (next) => (email = next),
    allowRedirect: (url) => redirectAllowList.push(url),
    refuseWith: (next) => (refusal = next),
    addAccount: (address) => users.set(address, { id: randomUUID(), email: address, confirmed: true }),
    accessToken: async (address) => (await session(address)).access_token,
    invitations,
    emailLimit: (count) => (emailsLeft = count),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
