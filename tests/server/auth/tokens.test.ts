import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/config.ts';
import { AppError } from '../../../server/errors.ts';
import {
  createTokenVerifier,
  isLocalLoginAllowed,
  issueLocalToken,
  LOCAL_SECRET_FILE,
  resolveAuthMode,
  type AuthMode,
} from '../../../server/auth/tokens.ts';

const SUPABASE_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
const secretMode: AuthMode = { kind: 'supabase-secret', secret: new TextEncoder().encode(SUPABASE_SECRET) };

const SIGN_IN = 'Bitte melden Sie sich an.';
const INVALID = 'Das Anmelde-Token ist ungültig. Bitte melden Sie sich erneut an.';
const EXPIRED = 'Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.';

const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    sub: '4f0c7f3e-6a55-4c47-9d7c-0d5c2f3b1a10',
    email: 'ozg@koeln.example',
    aud: 'authenticated',
    role: 'authenticated',
    iat: now(),
    exp: now() + 3600,
    ...overrides,
  };
}

function signHs256(payload: JWTPayload, secret = SUPABASE_SECRET) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

const bearer = (token: string) => `Bearer ${token}`;

async function expectRejected(verification: Promise<unknown>, code: string, message: string | RegExp) {
  const error = await verification.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code, message: typeof message === 'string' ? message : expect.stringMatching(message) });
}

describe('HS256 tokens signed with the Supabase JWT secret', () => {
  const verify = createTokenVerifier(secretMode);

  it('accepts a valid token and hands its claims on as signed, email included', async () => {
    const result = await verify(bearer(await signHs256(claims())));
    expect(result.claims.email).toBe('ozg@koeln.example');
    expect(result.claims).toMatchObject({ role: 'authenticated', sub: '4f0c7f3e-6a55-4c47-9d7c-0d5c2f3b1a10' });
  });

  it('leaves normalising the email to the database, the one place that decides who a token names', async () => {
    const result = await verify(bearer(await signHs256(claims({ email: ' OZG@Koeln.Example ' }))));
    expect(result.claims.email).toBe(' OZG@Koeln.Example ');
  });

  it('accepts the scheme name in any case, as HTTP defines it', async () => {
    await expect(verify(`bearer ${await signHs256(claims())}`)).resolves.toMatchObject({ claims: { email: 'ozg@koeln.example' } });
  });

  it('rejects an expired token with a request to sign in again', async () => {
    await expectRejected(verify(bearer(await signHs256(claims({ iat: now() - 7200, exp: now() - 3600 })))), 'unauthorized', EXPIRED);
  });

  it('rejects a token that is not valid yet', async () => {
    await expectRejected(
      verify(bearer(await signHs256(claims({ nbf: now() + 3600 })))),
      'unauthorized',
      'Das Anmelde-Token ist noch nicht gültig. Bitte melden Sie sich erneut an.',
    );
  });

  it('rejects a token for another audience, such as the anon key', async () => {
    await expectRejected(verify(bearer(await signHs256(claims({ aud: 'anon', role: 'anon' })))), 'unauthorized', INVALID);
  });

  it('rejects a token without an expiry, which would never end', async () => {
    await expectRejected(verify(bearer(await signHs256(claims({ exp: undefined })))), 'unauthorized', INVALID);
  });

  it('rejects a token signed with another secret', async () => {
    const forged = await signHs256(claims(), 'another-secret-of-another-project-32-chars!');
    await expectRejected(verify(bearer(forged)), 'unauthorized', INVALID);
  });

  it('rejects an unsigned token with alg none', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part(claims())}.`;
    await expectRejected(verify(bearer(unsigned)), 'unauthorized', INVALID);
  });

  it.each([
    ['a word', 'garbage'],
    ['three dots', '...'],
    ['base64 that is no JSON', 'bm90IGpzb24.bm90IGpzb24.c2ln'],
    ['a truncated token', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIi'],
  ])('rejects %s as an invalid token, without jose internals in the message', async (_, garbage) => {
    await expectRejected(verify(bearer(garbage)), 'unauthorized', INVALID);
  });

  it('rejects a token without an email claim, since members are known by email', async () => {
    await expectRejected(
      verify(bearer(await signHs256(claims({ email: undefined, phone: '+4922112345' })))),
      'unauthorized',
      /keine E-Mail-Adresse/,
    );
    await expectRejected(verify(bearer(await signHs256(claims({ email: '' })))), 'unauthorized', /keine E-Mail-Adresse/);
  });

  it('asks to sign in when the Authorization header is missing or empty', async () => {
    await expectRejected(verify(undefined), 'unauthorized', SIGN_IN);
    await expectRejected(verify('  '), 'unauthorized', SIGN_IN);
  });

  it('rejects an Authorization header with another scheme or no token', async () => {
    const token = await signHs256(claims());
    for (const header of [`Basic ${Buffer.from('a:b').toString('base64')}`, token, 'Bearer', `Token ${token}`]) {
      await expectRejected(verify(header), 'unauthorized', /^Bitte melden Sie sich an\. .*Bearer/);
    }
  });
});

describe('asymmetric tokens checked against the JWKS of the Supabase project', () => {
  let server: Server;
  let projectUrl: string;
  let jwksRequests = 0;
  let es256: { privateKey: CryptoKey; jwk: JWK };
  let rs256: { privateKey: CryptoKey; jwk: JWK };

  async function signingKey(alg: 'ES256' | 'RS256', kid: string) {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
  }

  const sign = (payload: JWTPayload, alg: string, kid: string, key: CryptoKey | Uint8Array) =>
    new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);

  beforeAll(async () => {
    es256 = await signingKey('ES256', 'es-key');
    rs256 = await signingKey('RS256', 'rs-key');
    server = createServer((request, response) => {
      if (request.url !== '/auth/v1/.well-known/jwks.json') return void response.writeHead(404).end();
      jwksRequests++;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [es256.jwk, rs256.jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    projectUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const jwksMode = async (env: { SUPABASE_JWT_SECRET?: string } = {}) =>
    resolveAuthMode({ SUPABASE_URL: projectUrl, ...env }, '/nonexistent-because-unused');

  it('accepts ES256 and RS256 tokens signed with keys of the JWKS, fetching the JWKS once', async () => {
    const verify = createTokenVerifier(await jwksMode());
    const before = jwksRequests;
    await expect(verify(bearer(await sign(claims(), 'ES256', 'es-key', es256.privateKey)))).resolves.toMatchObject({
      claims: { email: 'ozg@koeln.example' },
    });
    await expect(
      verify(bearer(await sign(claims({ email: 'Admin@OZG-Sync.example' }), 'RS256', 'rs-key', rs256.privateKey))),
    ).resolves.toMatchObject({ claims: { email: 'Admin@OZG-Sync.example' } });
    await verify(bearer(await sign(claims(), 'ES256', 'es-key', es256.privateKey)));
    expect(jwksRequests - before).toBe(1);
  });

  it('rejects an ES256 token signed with a key that is not in the JWKS', async () => {
    const verify = createTokenVerifier(await jwksMode());
    const stranger = await signingKey('ES256', 'stranger');
    await expectRejected(verify(bearer(await sign(claims(), 'ES256', 'stranger', stranger.privateKey))), 'unauthorized', INVALID);
    await expectRejected(verify(bearer(await sign(claims(), 'ES256', 'es-key', stranger.privateKey))), 'unauthorized', INVALID);
  });

  it('rejects expired, not yet valid and wrong-audience tokens even with a good signature', async () => {
    const verify = createTokenVerifier(await jwksMode());
    const signed = (overrides: JWTPayload) => sign(claims(overrides), 'ES256', 'es-key', es256.privateKey);
    await expectRejected(verify(bearer(await signed({ exp: now() - 60 }))), 'unauthorized', EXPIRED);
    await expectRejected(verify(bearer(await signed({ nbf: now() + 3600 }))), 'unauthorized', /noch nicht gültig/);
    await expectRejected(verify(bearer(await signed({ aud: 'somebody-else' }))), 'unauthorized', INVALID);
  });

  it('rejects an HS256 token signed with the public key, the classic algorithm confusion', async () => {
    const verify = createTokenVerifier(await jwksMode());
    const publicKeyAsSecret = new TextEncoder().encode(JSON.stringify(es256.jwk));
    await expectRejected(verify(bearer(await sign(claims(), 'HS256', 'es-key', publicKeyAsSecret))), 'unauthorized', INVALID);
  });

  it('accepts HS256 tokens of the legacy secret only when SUPABASE_JWT_SECRET is set as well', async () => {
    const legacy = await signHs256(claims());
    await expectRejected(createTokenVerifier(await jwksMode())(bearer(legacy)), 'unauthorized', INVALID);

    const verifyBoth = createTokenVerifier(await jwksMode({ SUPABASE_JWT_SECRET: SUPABASE_SECRET }));
    await expect(verifyBoth(bearer(legacy))).resolves.toMatchObject({ claims: { email: 'ozg@koeln.example' } });
    await expect(verifyBoth(bearer(await sign(claims(), 'ES256', 'es-key', es256.privateKey)))).resolves.toMatchObject({
      claims: { email: 'ozg@koeln.example' },
    });
    await expectRejected(verifyBoth(bearer(await signHs256(claims(), 'not-the-legacy-secret-but-32-chars-long'))), 'unauthorized', INVALID);
  });

  it('answers 503, not 401, when the JWKS cannot be fetched, since signing in again would not help', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const verify = createTokenVerifier(await resolveAuthMode({ SUPABASE_URL: `http://127.0.0.1:${port}` }, '/unused'));
    const error = await verify(bearer(await sign(claims(), 'ES256', 'es-key', es256.privateKey))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'unavailable', status: 503, message: expect.stringMatching(/Supabase Auth nicht abrufbar/) });
  });
});

describe('choosing how tokens are checked', () => {
  it('uses the JWKS below the project URL when SUPABASE_URL is set, with or without a trailing slash', async () => {
    for (const url of ['https://abcdefgh.supabase.co', 'https://abcdefgh.supabase.co/']) {
      const mode = await resolveAuthMode({ SUPABASE_URL: url }, '/unused');
      expect(mode).toEqual({ kind: 'supabase-jwks', jwksUrl: new URL('https://abcdefgh.supabase.co/auth/v1/.well-known/jwks.json') });
    }
  });

  it('keeps the legacy secret next to the JWKS when both are set', async () => {
    const mode = await resolveAuthMode({ SUPABASE_URL: 'https://abcdefgh.supabase.co', SUPABASE_JWT_SECRET: SUPABASE_SECRET }, '/unused');
    expect(mode).toMatchObject({ kind: 'supabase-jwks', secret: new TextEncoder().encode(SUPABASE_SECRET) });
  });

  it('uses the Supabase JWT secret alone when only SUPABASE_JWT_SECRET is set', async () => {
    const mode = await resolveAuthMode({ SUPABASE_JWT_SECRET: SUPABASE_SECRET, SUPABASE_URL: '' }, '/unused');
    expect(mode).toEqual(secretMode);
  });

  it('refuses to start with a SUPABASE_URL that is no http(s) address, in German', async () => {
    for (const url of ['abcdefgh.supabase.co', 'postgres://db.abcdefgh.supabase.co:5432/postgres']) {
      await expect(resolveAuthMode({ SUPABASE_URL: url }, '/unused')).rejects.toSatisfy(
        (error) => error instanceof ConfigError && /SUPABASE_URL muss eine http\(s\)-Adresse sein/.test(error.message),
      );
    }
  });
});

describe('local mode without Supabase', () => {
  const localSecret = (mode: AuthMode) => {
    expect(mode.kind).toBe('local');
    return (mode as Extract<AuthMode, { kind: 'local' }>).secret;
  };
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ozg-auth-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('creates the secret file once, readable only by the owner, and keeps sign-ins valid across restarts', async () => {
    const dir = path.join(dataDir, 'fresh', 'data');
    const first = await resolveAuthMode({ SUPABASE_URL: ' ', SUPABASE_JWT_SECRET: '' }, dir);
    const file = path.join(dir, LOCAL_SECRET_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const stored = await readFile(file, 'utf8');

    const token = await issueLocalToken('ozg@koeln.example', localSecret(first));
    const afterRestart = await resolveAuthMode({}, dir);
    expect(await readFile(file, 'utf8')).toBe(stored);
    await expect(createTokenVerifier(afterRestart)(bearer(token))).resolves.toMatchObject({ claims: { email: 'ozg@koeln.example' } });
  });

  it('gives every data directory its own random secret', async () => {
    const a = await resolveAuthMode({}, path.join(dataDir, 'a'));
    const b = await resolveAuthMode({}, path.join(dataDir, 'b'));
    const token = await issueLocalToken('ozg@koeln.example', localSecret(a));
    await expectRejected(createTokenVerifier(b)(bearer(token)), 'unauthorized', INVALID);
  });

  it('refuses to start with a damaged secret file instead of signing with a weak key', async () => {
    const dir = path.join(dataDir, 'damaged');
    await resolveAuthMode({}, dir);
    await writeFile(path.join(dir, LOCAL_SECRET_FILE), 'abc\n');
    await expect(resolveAuthMode({}, dir)).rejects.toSatisfy(
      (error) => error instanceof ConfigError && error.message.includes('keinen gültigen Schlüssel'),
    );
  });

  it('issues tokens shaped like Supabase Auth tokens, with a stable UUID per person', async () => {
    const secret = new Uint8Array(32).fill(7);
    const token = await issueLocalToken('ozg@koeln.example', secret, { expiresInSeconds: 600 });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({ email: 'ozg@koeln.example', aud: 'authenticated', role: 'authenticated' });
    expect(payload.exp! - payload.iat!).toBe(600);
    // uuid.uuid5(uuid.NAMESPACE_URL, 'mailto:ozg@koeln.example') in Python: a standard UUIDv5, fixed across releases.
    expect(payload.sub).toBe('ce7a11cc-22ae-5cf5-80e9-553d9da02502');
    expect(decodeJwt(await issueLocalToken('ozg@koeln.example', secret)).sub).toBe(payload.sub);
    expect(decodeJwt(await issueLocalToken('ozg@mettmann.example', secret)).sub).not.toBe(payload.sub);
  });

  it('issues tokens that last an hour unless told otherwise, as Supabase Auth does', async () => {
    const payload = decodeJwt(await issueLocalToken('ozg@koeln.example', new Uint8Array(32)));
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('rejects a local token once it has expired', async () => {
    const mode: AuthMode = { kind: 'local', secret: new Uint8Array(32).fill(1) };
    const token = await issueLocalToken('ozg@koeln.example', mode.secret, { expiresInSeconds: -1 });
    await expectRejected(createTokenVerifier(mode)(bearer(token)), 'unauthorized', EXPIRED);
  });
});

describe('who may use the local sign-in', () => {
  it.each([{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }, { SUPABASE_URL: '', SUPABASE_JWT_SECRET: '  ' }])(
    'is open without Supabase outside production: %o',
    (env) => {
      expect(isLocalLoginAllowed(env)).toBe(true);
    },
  );

  it.each([
    { NODE_ENV: 'production' },
    { SUPABASE_URL: 'https://abcdefgh.supabase.co' },
    { SUPABASE_JWT_SECRET: SUPABASE_SECRET },
    { SUPABASE_URL: 'https://abcdefgh.supabase.co', SUPABASE_JWT_SECRET: SUPABASE_SECRET },
    { SUPABASE_URL: 'https://abcdefgh.supabase.co', NODE_ENV: 'production' },
  ])('is closed in production and whenever Supabase issues the tokens: %o', (env) => {
    expect(isLocalLoginAllowed(env)).toBe(false);
  });
});
