import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ConfigError } from '../config.ts';
import { AppError } from '../errors.ts';

/** The settings that decide who may issue the tokens this server accepts. */
export interface AuthEnv {
  /** Legacy HS256 secret of a Supabase project (Project Settings → JWT Keys). */
  SUPABASE_JWT_SECRET?: string | undefined;
  /** The project URL, e.g. https://abcdefgh.supabase.co; its JWKS holds the asymmetric signing keys. */
  SUPABASE_URL?: string | undefined;
  NODE_ENV?: string | undefined;
}

export type AuthMode =
  /** Embedded default without Supabase: this server signs the tokens itself (see issueLocalToken). */
  | { kind: 'local'; secret: Uint8Array }
  | { kind: 'supabase-secret'; secret: Uint8Array }
  /** With a secret as well, HS256 tokens stay valid while a project migrates to asymmetric keys. */
  | { kind: 'supabase-jwks'; jwksUrl: URL; secret?: Uint8Array };

/**
 * The claims as signed. Who the person is decides the database alone: intern.anmelde_email() trims and
 * lower-cases the email claim for the server (server/auth/caller.ts) and for row-level security alike.
 */
export interface VerifiedToken {
  claims: JWTPayload;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<VerifiedToken>;

/** The file in DATA_DIR; deleting it signs everybody out of local mode on the next start. */
export const LOCAL_SECRET_FILE = 'local-jwt-secret';

const AUDIENCE = 'authenticated';
const SECRET_ALGORITHMS = ['HS256'];
/** The asymmetric algorithms Supabase offers for signing keys. */
const JWKS_ALGORITHMS = ['ES256', 'RS256'];
const SECRET_BYTES = 32;

const MESSAGES = {
  signIn: 'Bitte melden Sie sich an.',
  notBearer: 'Bitte melden Sie sich an. Die Anmeldung muss als „Authorization: Bearer <Token>“ gesendet werden.',
  expired: 'Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.',
  notYetValid: 'Das Anmelde-Token ist noch nicht gültig. Bitte melden Sie sich erneut an.',
  invalid: 'Das Anmelde-Token ist ungültig. Bitte melden Sie sich erneut an.',
  noEmail:
    'Das Anmelde-Token enthält keine E-Mail-Adresse. OZG-Sync erkennt Mitglieder an ihrer E-Mail-Adresse; ' +
    'bitte melden Sie sich mit Ihrer E-Mail-Adresse an.',
  keysUnavailable:
    'Die Anmeldung kann gerade nicht geprüft werden, weil die Schlüssel von Supabase Auth nicht abrufbar sind. ' +
    'Bitte versuchen Sie es in einigen Minuten erneut.',
} as const;

const unauthorized = (message: string) => new AppError('unauthorized', message);

/** A token whose email claim is missing, or blank once the database has normalised it. */
export const noEmailError = () => unauthorized(MESSAGES.noEmail);

/** Compose files and shells often pass a variable as empty instead of leaving it out. */
function setting(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * SUPABASE_URL wins over SUPABASE_JWT_SECRET because new projects sign with asymmetric keys; with
 * both set, tokens of either kind are accepted. With neither, the server signs its own tokens with
 * a secret kept in DATA_DIR, so that sign-ins survive a restart.
 */
export async function resolveAuthMode(env: AuthEnv, dataDir: string): Promise<AuthMode> {
  const url = setting(env.SUPABASE_URL);
  const secretText = setting(env.SUPABASE_JWT_SECRET);
  const secret = secretText === undefined ? undefined : new TextEncoder().encode(secretText);
  if (url !== undefined) return { kind: 'supabase-jwks', jwksUrl: jwksUrlOf(url), ...(secret ? { secret } : {}) };
  if (secret) return { kind: 'supabase-secret', secret };
  return { kind: 'local', secret: await loadOrCreateLocalSecret(dataDir) };
}

function jwksUrlOf(projectUrl: string): URL {
  const base = URL.canParse(projectUrl) ? new URL(projectUrl) : undefined;
  if (!base || (base.protocol !== 'https:' && base.protocol !== 'http:')) {
    throw new ConfigError(
      'Ungültige Konfiguration:\nSUPABASE_URL: SUPABASE_URL muss eine http(s)-Adresse sein, z. B. https://abcdefgh.supabase.co.',
    );
  }
  return new URL(`${base.href.replace(/\/+$/, '')}/auth/v1/.well-known/jwks.json`);
}

async function loadOrCreateLocalSecret(dataDir: string): Promise<Uint8Array> {
  const file = path.join(dataDir, LOCAL_SECRET_FILE);
  await mkdir(dataDir, { recursive: true });
  try {
    // 'wx' fails if the file exists, so a secret once handed out is never overwritten.
    await writeFile(file, `${randomBytes(SECRET_BYTES).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
  if (secret.length < SECRET_BYTES) {
    throw new ConfigError(
      `Die Datei ${file} enthält keinen gültigen Schlüssel für die lokale Anmeldung. ` +
        'Löschen Sie sie; beim nächsten Start wird ein neuer Schlüssel angelegt (alle lokalen Anmeldungen enden dann).',
    );
  }
  return new Uint8Array(secret);
}

/** Signing in without Supabase is a convenience for trying OZG-Sync out, never for a production server. */
export function isLocalLoginAllowed(env: AuthEnv): boolean {
  return (
    setting(env.SUPABASE_JWT_SECRET) === undefined && setting(env.SUPABASE_URL) === undefined && env.NODE_ENV !== 'production'
  );
}

/**
 * A token as Supabase Auth issues it, so that row-level security (auth.uid(), auth.jwt()) sees the
 * same claims in local mode. The subject is a UUIDv5 of mailto:<email> in the URL namespace: the
 * same person keeps the same auth.uid() across sign-ins and restarts without a user table, given
 * the email as the database normalised it (POST /api/dev/login asks intern.email_normalisieren).
 */
export async function issueLocalToken(
  email: string,
  secret: Uint8Array,
  { expiresInSeconds = 3600 }: { expiresInSeconds?: number } = {},
): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ email, role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(uuidV5(URL_NAMESPACE, `mailto:${email}`))
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + expiresInSeconds)
    .sign(secret);
}

/** RFC 9562, appendix A. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Checks the Authorization header of a request locally, without asking Supabase per request: only
 * the JWKS is fetched, and jose caches it. Every failure is an AppError with a German message.
 */
export function createTokenVerifier(mode: AuthMode): TokenVerifier {
  const { key, algorithms } = keyOf(mode);
  return async (authorization) => {
    const token = bearerToken(authorization);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, key, { algorithms, audience: AUDIENCE, requiredClaims: ['exp'] }));
    } catch (error) {
      throw error instanceof errors.JOSEError ? unauthorized(messageFor(error)) : error;
    }
    if (typeof claims.email !== 'string' || claims.email === '') throw noEmailError();
    return { claims };
  };
}

function keyOf(mode: AuthMode): { key: Uint8Array | JWTVerifyGetKey; algorithms: string[] } {
  if (mode.kind !== 'supabase-jwks') return { key: mode.secret, algorithms: SECRET_ALGORITHMS };
  const jwks = fromJwks(mode.jwksUrl);
  const { secret } = mode;
  if (!secret) return { key: jwks, algorithms: JWKS_ALGORITHMS };
  return {
    key: (header, token) => (header.alg === 'HS256' ? secret : jwks(header, token)),
    algorithms: [...SECRET_ALGORITHMS, ...JWKS_ALGORITHMS],
  };
}

/**
 * A key the JWKS does not hold means a bad token; a JWKS that cannot be fetched means Supabase is
 * out of reach, which the person signing in cannot fix by signing in again.
 */
function fromJwks(url: URL): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(url);
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported
      ) {
        throw error;
      }
      throw new AppError('unavailable', MESSAGES.keysUnavailable);
    }
  };
}

function bearerToken(authorization: string | undefined): string {
  if (!authorization?.trim()) throw unauthorized(MESSAGES.signIn);
  const match = /^Bearer +(\S+) *$/i.exec(authorization.trim());
  if (!match) throw unauthorized(MESSAGES.notBearer);
  return match[1]!;
}

function messageFor(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return MESSAGES.expired;
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf' && error.reason === 'check_failed') {
    return MESSAGES.notYetValid;
  }
  return MESSAGES.invalid;
}
