import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { jwtVerify, SignJWT } from 'jose';

/**
 * Supabase Auth (GoTrue) as far as "Mit Microsoft anmelden" meets it, over real HTTP on a loopback port:
 * /authorize takes the PKCE challenge and, where GoTrue would send the window on to Entra ID and take it back at
 * /callback, sends it straight back to redirect_to with a one-time code; /token?grant_type=pkce gives the session only
 * for the verifier that matches the challenge (S256), once. Sessions carry HS256 tokens signed with the project's JWT
 * secret, as GoTrue's are. https://supabase.com/docs/guides/auth/sessions/pkce-flow
 */
export interface FakeGoTrue {
  url: string;
  /** Requests in order, as "METHOD /path?grant_type", to see which steps the sign-in took. */
  requests: string[];
  /** Who signs in at "Microsoft" from now on; with '' the window waits on Microsoft's page. */
  signInAs(email: string): void;
  /** Adds a URL to the project's redirect allow list; /authorize refuses any other redirect_to. */
  allowRedirect(url: string): void;
  close(): Promise<void>;
}

const base64url = (buffer: Buffer) => buffer.toString('base64url');

export async function startFakeGoTrue({ jwtSecret }: { jwtSecret: string }): Promise<FakeGoTrue> {
  const redirectAllowList: string[] = [];
  const secret = new TextEncoder().encode(jwtSecret);
  const codes = new Map<string, { challenge: string; email: string }>();
  const users = new Map<string, { id: string; email: string }>();
  const requests: string[] = [];
  let email = '';

  async function session(forEmail: string) {
    const user = users.get(forEmail) ?? { id: randomUUID(), email: forEmail };
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

  const server = createServer(async (request, response) => {
    const url = new URL(request.url!, 'http://gotrue');
    requests.push(`${request.method} ${url.pathname}${url.searchParams.has('grant_type') ? `?grant_type=${url.searchParams.get('grant_type')}` : ''}`);
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      response.end(JSON.stringify(body));
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
      if (!flow) return json(404, { code: 404, error_code: 'flow_state_not_found', msg: 'invalid flow state, no valid flow state found' });
      codes.delete(code!);
      if (!verifier || base64url(createHash('sha256').update(verifier).digest()) !== flow.challenge) {
        return json(400, { code: 400, error_code: 'bad_code_verifier', msg: 'code challenge does not match previously saved code verifier' });
      }
      return json(200, await session(flow.email));
    }
    if (request.method === 'GET' && url.pathname === '/auth/v1/user') {
      const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const claims = await jwtVerify(token, secret, { audience: 'authenticated' }).then(({ payload }) => payload, () => null);
      const user = claims && users.get(String(claims.email));
      if (!user) return json(403, { code: 403, error_code: 'bad_jwt', msg: 'invalid JWT' });
      return json(200, { ...user, aud: 'authenticated', role: 'authenticated', app_metadata: { provider: 'azure' }, user_metadata: {} });
    }
    if (request.method === 'POST' && url.pathname === '/auth/v1/logout') {
      response.writeHead(204, { 'access-control-allow-origin': '*' });
      return response.end();
    }
    if (request.method === 'GET' && url.pathname === '/auth/v1/.well-known/jwks.json') return json(200, { keys: [] });
    json(404, { msg: `not found: ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    requests,
    signInAs: (next) => (email = next),
    allowRedirect: (url) => redirectAllowList.push(url),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
