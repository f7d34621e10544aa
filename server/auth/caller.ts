import type { Context } from 'hono';
import type { Rolle } from '../../core/vocabulary.ts';
import type { Database, Sql } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../openapi.ts';
import type { SheetKindName } from '../sync/sheets.ts';


export interface Mitgliedschaft {
  rolle: Rolle;
  themenfeldId: number | null;
  ags: string | null;
  dienstleisterId: number | null;
}

/** The signed-in person a request runs for. */
export interface Caller {
  email: string;
  /** The verified JWT claims, handed to the database as request.jwt.claims. */
  claims: Record<string, unknown>;
  mitgliedschaften: Mitgliedschaft[];
}

/**
 * Runs fn in one transaction as the database role `authenticated` with the caller's claims, as
 * PostgREST does, so that the same row-level security decides for the API and for Supabase
 * clients. Both settings are local to the transaction: the pooled connection keeps neither.
 */
export async function asCaller<T>(
  db: Database,
  caller: Pick<Caller, 'claims'>,
  fn: (tx: Sql) => Promise<T>,
  options: { isolation?: 'repeatable read' } = {},
): Promise<T> {
  return db.transaction(async (tx) => {
    if (options.isolation) await tx.exec(`set transaction isolation level ${options.isolation}`);
    await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [
      JSON.stringify(caller.claims),
    ]);
    return fn(tx);
  });
}

/**
 * Runs fn inside the caller's transaction with the rights of the server's own database role (the
 * owner), for the few functions only the server may call, then switches back to the caller's role.
 * On an error the transaction is rolled back, and the role setting with it.
 */
export async function withServerRights<T>(tx: Sql, fn: () => Promise<T>): Promise<T> {
  const [{ role }] = (await tx.query<{ role: string }>(`select current_setting('role') as role`)) as [{ role: string }];
  await tx.query(`select set_config('role', 'none', true)`);
  const result = await fn();
  await tx.query(`select set_config('role', $1, true)`, [role]);
  return result;
}

/**
 * Who the token names and what they may do, as row-level security sees it: the email is the
 * database's intern.anmelde_email() (trimmed, lower-cased), the one identity rule for both.
 */
export async function loadCaller(
  db: Database,
  claims: Caller['claims'],
): Promise<{ email: string | null; mitgliedschaften: Mitgliedschaft[] }> {
  return asCaller(db, { claims }, async (tx) => {
    const [{ email }] = (await tx.query<{ email: string | null }>('select intern.anmelde_email() as email')) as [
      { email: string | null },
    ];
    const mitgliedschaften = await tx.query<Mitgliedschaft>(
      `select rolle, themenfeld_id as "themenfeldId", ags, dienstleister_id as "dienstleisterId" from public.mitglied
       where email = intern.anmelde_email() order by rolle, themenfeld_id, ags, dienstleister_id`,
    );
    return { email, mitgliedschaften };
  });
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
export function withCaller<T>(
  c: Context<AppEnv>,
  fn: (tx: Sql) => Promise<T>,
  options: { isolation?: 'repeatable read' } = {},
): Promise<T> {
  return asCaller(c.get('db'), c.get('caller'), fn, options);
}
