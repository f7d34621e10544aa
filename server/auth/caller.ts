import type { Context } from 'hono';
import type { Rolle } from '../../core/vocabulary.ts';
import type { Database, Sql, TransactionOptions } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../openapi.ts';
import type { SheetKindName } from '../sync/sheets.ts';
import { noEmailError } from './tokens.ts';

export interface Mitgliedschaft {
  rolle: Rolle;
  themenfeldId: number | null;
  ags: string | null;
  dienstleisterId: number | null;
}

/** The signed-in person a request runs for: a member (requireMember lets no one else through). */
export interface Caller {
  email: string;
  /** The verified JWT claims, handed to the database as request.jwt.claims. */
  claims: Record<string, unknown>;
  mitgliedschaften: Mitgliedschaft[];
}

/**
 * A request's verified token. Who it names and whether they are a member is read in the request's
 * first transaction as the caller (withCaller), together with its first statements, not in a
 * transaction of its own; member holds that answer for the rest of the request.
 */
export interface SignedIn {
  claims: Record<string, unknown>;
  member?: Promise<Caller>;
}

/** The database role every caller's transaction runs as, as PostgREST does for a signed-in user. */
const CALLER_ROLE = 'authenticated';

/**
 * Who the token names and what they may do, as row-level security sees it: the email is the
 * database's intern.anmelde_email() (trimmed, lower-cased), the one identity rule for both. 401
 * without an email, 403 for someone who is not a member.
 */
async function readMember(tx: Sql, claims: Caller['claims']): Promise<Caller> {
  const [row] = await tx.query<{ email: string | null; mitgliedschaften: Mitgliedschaft[] }>(
    `select intern.anmelde_email() as email,
            coalesce((select json_agg(json_build_object('rolle', rolle, 'themenfeldId', themenfeld_id, 'ags', ags,
                                                         'dienstleisterId', dienstleister_id)
                                      order by rolle, themenfeld_id, ags, dienstleister_id)
                      from public.mitglied where email = intern.anmelde_email()), '[]') as mitgliedschaften`,
  );
  const { email, mitgliedschaften } = row!;
  if (!email) throw noEmailError();
  if (!mitgliedschaften.length) {
    throw new AppError(
      'forbidden',
      `Sie sind als ${email} angemeldet, aber für OZG-Sync noch nicht freigeschaltet. ` +
        'Bitte wenden Sie sich an die OZG-Koordinierungsstelle (Administration), damit sie Sie als Mitglied einträgt.',
    );
  }
  return { email, claims, mitgliedschaften };
}

/**
 * Runs fn in one transaction as the database role `authenticated` with the caller's claims, as
 * PostgREST does, so that the same row-level security decides for the API and for Supabase
 * clients. Both settings are local to the transaction: the pooled connection keeps neither.
 *
 * The settings, the membership (the first time in a request) and the statements fn sends before its
 * first await go out together, in this order, so that a short request costs one round trip between
 * BEGIN and COMMIT. No answer reaches fn before the membership is confirmed: for someone who is not a
 * member every statement of fn fails with the 401/403, and the transaction is rolled back.
 */
export async function asCaller<T>(
  db: Database,
  signedIn: SignedIn,
  fn: (tx: Sql) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  return db.transaction(async (tx) => {
    const settings = tx.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [
      CALLER_ROLE,
      JSON.stringify(signedIn.claims),
    ]);
    signedIn.member ??= readMember(tx, signedIn.claims);
    const member = signedIn.member;
    const checked = Promise.all([settings, member]);
    // Statements fn sent but never awaited, because an earlier one failed, must not become unhandled
    // rejections; whoever awaits one still gets its error.
    const gated = <R>(sent: Promise<R>): Promise<R> => {
      sent.catch(() => {});
      const answered = checked.then(() => sent);
      answered.catch(() => {});
      return answered;
    };
    const asMember: Sql = {
      query: (text, params) => gated(tx.query(text, params)),
      queryValues: (text, params) => gated(tx.queryValues(text, params)),
      exec: (script) => gated(tx.exec(script)),
    };
    let result: T;
    try {
      result = await fn(asMember);
    } catch (error) {
      // Who is not a member hears that first, whatever else went wrong.
      await checked;
      throw error;
    }
    await checked;
    return result;
  }, options);
}

/**
 * Runs one statement inside the caller's transaction with the rights of the server's own database
 * role (the owner), for the few functions only the server may call: the role switch, the statement
 * and the switch back to the caller's role go out together. fn must send exactly that one statement
 * before it awaits anything. On an error the transaction is rolled back, and the role setting with it.
 */
export async function withServerRights<T>(tx: Sql, fn: () => Promise<T>): Promise<T> {
  const off = tx.query(`select set_config('role', 'none', true)`);
  const result = fn();
  const back = tx.query(`select set_config('role', $1, true)`, [CALLER_ROLE]);
  const [, value] = await Promise.all([off, result, back]);
  return value;
}

/** The member a request runs for: known after its first withCaller, else read in a transaction of its own. */
export function callerOf(c: Context<AppEnv>): Promise<Caller> {
  const signedIn = c.get('signedIn');
  return signedIn.member ?? asCaller(c.get('db'), signedIn, async () => signedIn.member!);
}

/**
 * What a write right is about: a sheet (its bereich is the scope: AGS or Themenfeld number), review
 * marks in the change log (per Themenfeld), and the admin-only tables (no bereich).
 */
export type Schreibart = SheetKindName | 'pruefung' | 'katalog' | 'mitglieder' | 'stichtage';

/**
 * Whether the caller of this transaction (asCaller) may write: asks the database's
 * intern.darf_schreiben, the function the row-level security policies ask too, so the API's answer
 * before any work and the database's answer at the write cannot differ.
 */
export async function mayWrite(tx: Sql, art: Schreibart, bereich: string | null): Promise<boolean> {
  const [row] = await tx.query<{ darf: boolean }>('select intern.darf_schreiben($1, $2) as darf', [art, bereich]);
  return row!.darf;
}

/** 403 before any work when the caller may only read this sheet. */
export async function assertMayWrite(tx: Sql, sheet: { kind: SheetKindName; title: string }, scope: string): Promise<void> {
  if (await mayWrite(tx, sheet.kind, scope)) return;
  throw new AppError(
    'forbidden',
    `Sie dürfen die Tabelle „${sheet.title}“ für den Bereich ${scope} nicht ändern, nur ansehen. Schreibrechte vergibt die OZG-Koordinierungsstelle.`,
  );
}

/**
 * Who may read and review the change log: whoever may mark the changes of at least one Themenfeld
 * reviewed (the coordination office and the Themenfeld coordinators).
 */
export async function mayReview(tx: Sql): Promise<boolean> {
  const [row] = await tx.query<{ darf: boolean }>(
    `select exists (select 1 from public.themenfeld t where intern.darf_schreiben('pruefung', t.id::text)) as darf`,
  );
  return row!.darf;
}

/** 403 for members who may not review the change log: municipalities see only their own sheets. */
export async function assertMayReview(tx: Sql): Promise<void> {
  if (await mayReview(tx)) return;
  throw new AppError(
    'forbidden',
    'Das Änderungsprotokoll prüfen die OZG-Koordinierungsstelle (alle Änderungen) und die Themenfeld-Koordination (ihre Themenfelder).',
  );
}

/** 403 with the given German message unless the caller may write this admin-only table. */
export async function assertMayWriteTable(
  c: Context<AppEnv>,
  art: Exclude<Schreibart, SheetKindName | 'pruefung'>,
  message: string,
): Promise<void> {
  if (!(await withCaller(c, (tx) => mayWrite(tx, art, null)))) throw new AppError('forbidden', message);
}

/** asCaller for the signed-in caller of a request. */
export function withCaller<T>(c: Context<AppEnv>, fn: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  return asCaller(c.get('db'), c.get('signedIn'), fn, options);
}
