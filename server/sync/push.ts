import { createHash } from 'node:crypto';
import type { Sql } from '../db/database.ts';
import { assertMayWrite, withServerRights } from '../auth/caller.ts';
import { AppError } from '../errors.ts';
import type { PushRequest, PushResponse, PushResult } from '../../core/contract.ts';
import { mergeChange, type MergeDecision, type StoredRow } from '../../core/merge.ts';
import { checkScopeFormat, inOrder, loadColumns, scopeAndCursorQuery, scopeNotFound, selectRowValues, toSheetRow } from './pull.ts';
import type { Vocabularies } from './vocabularies.ts';
import type { SheetKind } from './sheets.ts';
import type { CellValue } from '../../core/values.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Kept well beyond the 24 hours a client may retry in. */
const RECEIPT_DAYS = 7;

/** The same request gives the same hash whatever order its JSON keys came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What pushChanges applies: a client's push, or the server's own revert of logged changes. */
export type Push = Omit<PushRequest, 'source'> & { source: PushRequest['source'] | 'revert' };

export function requestHash(sheet: SheetKind, request: Push): string {
  const { scope, source, changes } = request;
  return createHash('sha256').update(canonical({ kind: sheet.kind, scope, source, changes })).digest('hex');
}

/**
 * Applies a push inside the caller's transaction: every row is decided by mergeChange against
 * its locked current state, all writes go to the database in one statement, and the answer is
 * stored under the idempotency key, so that a retry returns it and applies nothing twice.
 */
export async function pushChanges(
  tx: Sql,
  kind: SheetKind,
  request: Push,
  options: { vocabularies?: Vocabularies } = {},
): Promise<PushResponse> {
  const sheet = checkScopeFormat(kind, request.scope);
  // Sheets across Kommunen are refused row by row (row-level security lets only the caller's rows be
  // locked, below); every other push as a whole, with 403, before anything is written. A push refused
  // below before this is awaited must not leave its 403 as an unhandled rejection (inOrder still sees it).
  const allowed = sheet.rowOwner ? Promise.resolve() : assertMayWrite(tx, sheet, request.scope);
  allowed.catch(() => {});
  const hash = requestHash(sheet, request);
  // Everything up to the rows goes out at once and is answered in this order: the write right,
  // then the key's lock, the stored receipt, scope and cursor.
  // Every caller's receipts are read, so that a key reused by someone else is a 409 and not a
  // duplicate-key error; the functions are the server's alone (intern, no EXECUTE for authenticated).
  const [, , [receipt], [scopeRow], vocabularyColumns] = await inOrder([
    allowed,
    tx.query('select pg_advisory_xact_lock(hashtext($1))', [request.idempotencyKey]),
    withServerRights(tx, () =>
      tx.query<{ inhalt_hash: string; antwort: PushResponse }>('select inhalt_hash, antwort from intern.push_quittung_lesen($1)', [
        request.idempotencyKey,
      ]),
    ),
    tx.query<{ found: boolean; cursor: string }>(scopeAndCursorQuery(sheet), [request.scope, null]),
    loadColumns(tx, sheet, options.vocabularies),
  ] as const);
  if (receipt) {
    if (receipt.inhalt_hash === hash) return receipt.antwort;
    throw new AppError(
      'conflict',
      'Dieser Idempotenzschlüssel wurde schon für einen anderen Sendevorgang benutzt. Senden Sie neue Änderungen mit einem neuen Schlüssel.',
    );
  }
  // A retry gets its stored answer even where the scope has gone since.
  if (!scopeRow!.found) throw scopeNotFound(sheet, request.scope);
  const { cursor } = scopeRow!;
  const columns = vocabularyColumns.map((column) => ({
    ...sheet.columns.find((def) => def.key === column.key)!,
    ...column,
  }));

  const ids = [...new Set(request.changes.map((c) => c.id).filter((id) => UUID.test(id)))];
  const stored = new Map<string, StoredRow>();
  /** Rows the caller may read but not update: row-level security leaves them out of a locking read. */
  const readOnly = new Map<string, string>();
  if (ids.length) {
    // Locked in one order (by id) by every push: two pushes with the same rows in another order would deadlock.
    const records = await tx.query<{ id: string; version: number; scope: string | null } & Record<string, CellValue>>(
      `select ${selectRowValues(sheet)}, ${sheet.scopeOf} as scope from ${sheet.from}
       where t.id = any($1::uuid[]) order by t.id for update of t`,
      [ids],
    );
    for (const record of records) {
      const { values } = toSheetRow(sheet, record);
      stored.set(record.id, { id: record.id, version: record.version, scope: record.scope, values });
    }
    if (sheet.rowOwner && stored.size < ids.length) {
      // SELECT … FOR UPDATE sees only the rows the UPDATE policies' USING lets the caller change, the
      // others silently suppressed (https://www.postgresql.org/docs/current/sql-createpolicy.html, table
      // "Policies Applied by Command Type"), so the database's own rule decides here; the rows left out
      // that a plain read still sees are someone else's.
      const others = await tx.query<{ id: string; version: number; scope: string | null; owner: string } & Record<string, CellValue>>(
        `select ${selectRowValues(sheet)}, ${sheet.scopeOf} as scope, ${sheet.rowOwner} as owner from ${sheet.from}
         where t.id = any($1::uuid[]) and not (t.id = any($2::uuid[]))`,
        [ids, [...stored.keys()]],
      );
      for (const record of others) {
        const { values } = toSheetRow(sheet, record);
        stored.set(record.id, { id: record.id, version: record.version, scope: record.scope, values });
        readOnly.set(record.id, record.owner);
      }
    }
  }

  const mergeSheet = { columns, scopeLabel: sheet.scopeLabel };
  const patches = new Map<string, Record<string, CellValue>>();
  const decisions = request.changes.map((change) => {
    const row = stored.get(change.id);
    const owner = readOnly.get(change.id);
    const decision: MergeDecision =
      owner !== undefined && row?.scope === request.scope
        ? {
            outcome: 'rejected',
            errors: [{ key: 'id', message: `Diese Zeile gehört zu ${owner}; Sie dürfen sie nur ansehen, nicht ändern. Schreibrechte vergibt die OZG-Koordinierungsstelle.` }],
          }
        : mergeChange(mergeSheet, request.scope, row, change);
    if (row && 'write' in decision && Object.keys(decision.write).length) {
      // a later change to the same row in this push builds on this one
      stored.set(row.id, { ...row, values: { ...row.values, ...decision.write } });
      patches.set(row.id, { ...patches.get(row.id), ...decision.write });
    }
    return decision;
  });

  // The write and the read of the rows after it go out together.
  const writes: Promise<unknown>[] = [];
  if (patches.size) {
    writes.push(
      tx.query(`select set_config('ozg.quelle', $1, true), set_config('ozg.push', $2, true)`, [request.source, request.idempotencyKey]),
    );
    writes.push(
      tx.query(patchRowsQuery(sheet), [[...patches.keys()], [...patches.values()].map((patch) => JSON.stringify(patch))]),
    );
  }
  const touched = [...stored.keys()];
  const [, records] = await inOrder([
    Promise.all(writes),
    touched.length
      ? tx.query<{ id: string; version: number } & Record<string, CellValue>>(
          `select ${selectRowValues(sheet)} from ${sheet.from} where t.id = any($1::uuid[])`,
          [touched],
        )
      : Promise.resolve([]),
  ] as const);
  const after = new Map(records.map((record) => [record.id, toSheetRow(sheet, record)]));

  const results: PushResult[] = request.changes.map((change, i) => {
    const decision = decisions[i]!;
    const row = after.get(change.id);
    const base = { id: change.id, outcome: decision.outcome, version: row?.version ?? null, values: row?.values ?? null };
    if (decision.outcome === 'rejected') return { ...base, errors: decision.errors };
    if (decision.outcome === 'conflict') return { ...base, konflikte: decision.konflikte };
    return base;
  });
  const response: PushResponse = { results, cursor };

  await inOrder([
    tx.query(
      `insert into public.push_quittung (schluessel, tabelle, bereich, inhalt_hash, antwort) values ($1, $2, $3, $4, $5::text::jsonb)`,
      [request.idempotencyKey, sheet.table, request.scope, hash, JSON.stringify(response)],
    ),
    withServerRights(tx, () => tx.query('select intern.push_quittungen_aufraeumen($1)', [RECEIPT_DAYS])),
  ]);
  return response;
}

/**
 * The write of a push: the rows' ids ($1) and each row's changed cells as JSON ($2), side by side. unnest of two
 * arrays tells the planner how many rows there are (an array parameter's length; jsonb_to_recordset is always
 * guessed at 100): 10 cells are looked up by key, 10,000 joined by hash, and neither scans all 96,228 rows at NRW
 * volume for a push of 10 (43 ms) nor loops 10,000 × 10,000 for a large one.
 */
export function patchRowsQuery(sheet: SheetKind): string {
  const assignments = sheet.columns
    .filter((c) => c.editable)
    .map(({ key, cast, column = key }) => {
      const value = cast === 'text[]' ? `array(select jsonb_array_elements_text(p.patch -> '${key}'))` : `(p.patch ->> '${key}')::${cast}`;
      return `${column} = case when p.patch ? '${key}' then ${value} else t.${column} end`;
    });
  return `update public.${sheet.table} t set ${assignments.join(', ')}
     from (select u.id, u.patch::jsonb as patch from unnest($1::uuid[], $2::text[]) as u (id, patch)) p
     where t.id = p.id`;
}
