/**
 * Many clients editing the same cells of one Kommune at once, against the running server, and the check
 * of what they leave behind: for the concurrency test, its test on a broken build, and the delta test's writers.
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from '../../server/db/database.ts';
import type { PullResponse, PushResponse } from '../../core/contract.ts';
import type { CellValue } from '../../core/values.ts';
import type { Api } from '../helpers/api.ts';
import { ADMIN, KOELN } from '../helpers/members.ts';
import type { ServerOnPostgres } from '../helpers/postgres-server.ts';
import { postChanges, pullRows, type PushBody } from '../helpers/sheets.ts';

export const KOELN_AGS = '05315000';
const KIND = 'kommune-status';

/** Three columns of different types; few values each, so that clients often type the same thing. */
const CELL_VALUES = {
  status: ['offen', 'in Planung', 'in Umsetzung', 'online'],
  loesung: [null, 'Lösung A', 'Lösung B', 'Lösung C'],
  bemerkung: [null, 'x', 'y', 'z'],
} as const satisfies Record<string, readonly CellValue[]>;
type CellKey = keyof typeof CELL_VALUES;
export const CELL_KEYS = Object.keys(CELL_VALUES) as CellKey[];

type Cells = Record<CellKey, CellValue>;
type Change = PushBody['changes'][number];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** What a client holds: the rows as it last saw them and the cursor to refresh from. */
class Replica {
  rows = new Map<string, { version: number; values: Record<string, CellValue> }>();
  cursor = '';

  take(pull: PullResponse) {
    for (const row of pull.rows) this.rows.set(row.id, { version: row.version, values: row.values });
    this.cursor = pull.cursor;
  }
}

interface PushRecord {
  key: string;
  changes: Change[];
  status: number;
  response?: PushResponse;
}

/**
 * One person at work, as the add-in behaves: pull once; then, again and again, change one to three cells,
 * send them with the values they were based on, keep what the server answers, and refresh after a conflict
 * (and now and then anyway).
 */
async function client(api: Api, rowIds: string[], pushes: number): Promise<PushRecord[]> {
  const replica = new Replica();
  replica.take(await pullRows(api, KIND, KOELN_AGS));
  const records: PushRecord[] = [];
  for (let n = 0; n < pushes; n++) {
    const edits = new Map<string, Partial<Cells>>();
    for (let cells = 1 + Math.floor(Math.random() * 3); cells > 0; cells--) {
      const id = pick(rowIds);
      const key = pick(CELL_KEYS);
      const value = pick(CELL_VALUES[key].filter((v) => v !== replica.rows.get(id)!.values[key]));
      edits.set(id, { ...edits.get(id), [key]: value });
    }
    const changes = [...edits].map(([id, set]): Change => {
      const seen = replica.rows.get(id)!;
      return { id, baseVersion: seen.version, base: Object.fromEntries(Object.keys(set).map((k) => [k, seen.values[k]])), set };
    });

    const key = randomUUID();
    const response = await postChanges(api, KIND, { scope: KOELN_AGS, idempotencyKey: key, source: 'addin', changes });
    const record: PushRecord = { key, changes, status: response.status };
    records.push(record);
    if (response.status !== 200) continue;
    record.response = (await response.json()) as PushResponse;
    for (const result of record.response.results) {
      if (result.values) replica.rows.set(result.id, { version: result.version!, values: result.values });
    }
    if (record.response.results.some((r) => r.outcome === 'conflict') || n % 5 === 4) {
      replica.take(await pullRows(api, KIND, KOELN_AGS, replica.cursor));
    }
  }
  return records;
}

interface LogEntry {
  push: string | null;
  row: string;
  key: CellKey;
  alt: CellValue;
  neu: CellValue;
  version: number;
}

/** The change log of some rows since a point in time, over the cells as they were then. */
export class ChangeLog {
  private readonly history = new Map<string, LogEntry[]>();

  constructor(
    readonly before: Map<string, Cells>,
    readonly entries: LogEntry[],
  ) {
    // In id order, which for one row is the order of its versions: a row's writers take turns at its lock.
    for (const entry of entries) {
      const cell = `${entry.row}/${entry.key}`;
      this.history.set(cell, [...(this.history.get(cell) ?? []), entry]);
    }
  }

  /** The value a cell had at a version of its row. */
  valueAt(row: string, key: CellKey, version: number): CellValue {
    const last = this.history.get(`${row}/${key}`)?.findLast((entry) => entry.version <= version);
    return last ? last.neu : this.before.get(row)![key];
  }

  /** The cells as the whole log leaves them. */
  replayed(): Map<string, Cells> {
    const cells = new Map([...this.before].map(([id, values]) => [id, { ...values }]));
    for (const entry of this.entries) cells.get(entry.row)![entry.key] = entry.neu;
    return cells;
  }

  /** Reads the log of these rows written after entry `since`. */
  static async read(db: Sql, before: Map<string, Cells>, since: number): Promise<ChangeLog> {
    const entries = await db.query<LogEntry>(
      `select push_schluessel as push, zeile_id as row, spalte as key, alt, neu, version
       from public.aenderung where id > $1 and zeile_id = any($2::uuid[]) order by id`,
      [since, [...before.keys()]],
    );
    return new ChangeLog(before, entries);
  }
}

/** The cells of these rows now, and the last entry of the change log so far. */
export async function snapshotOf(db: Sql, rowIds: string[]) {
  const [{ last }] = (await db.query<{ last: number }>('select coalesce(max(id), 0)::int as last from public.aenderung')) as [
    { last: number },
  ];
  return { cells: await readCells(db, rowIds), lastLogId: last };
}

async function readCells(db: Sql, rowIds: string[]): Promise<Map<string, Cells>> {
  const rows = await db.query<Cells & { id: string }>(
    `select id, ${CELL_KEYS.map((k) => `${k}::text as ${k}`).join(', ')} from public.kommune_status where id = any($1::uuid[])`,
    [rowIds],
  );
  return new Map(rows.map(({ id, ...cells }) => [id, cells]));
}

const shown = (value: unknown) => JSON.stringify(value);

/**
 * Everything that went wrong, as readable lines (empty when all is well):
 * - the change log, replayed over the cells as they were before, gives the table as it is now;
 * - every push got a complete answer: 200 and one result per change, in order;
 * - every cell reported as stored (applied, or already so) has that value in the log's history at the
 *   version the push answered with, and appears at most once under the push's key; nothing else is logged under it;
 * - no lost update: every cell a push wrote held, until then, exactly the value its client had based the change on;
 * - every conflict is real: the server held a value other than the client's base.
 */
function findViolations(log: ChangeLog, after: Map<string, Cells>, pushes: PushRecord[]): string[] {
  const violations: string[] = [];

  const replayed = log.replayed();
  for (const [id, cells] of after) {
    for (const key of CELL_KEYS) {
      if (replayed.get(id)![key] !== cells[key]) {
        violations.push(`replay: row ${id}, ${key} is ${shown(cells[key])} but the log replays to ${shown(replayed.get(id)![key])}`);
      }
    }
  }

  for (const push of pushes) {
    const { response } = push;
    if (push.status !== 200 || !response) {
      violations.push(`push ${push.key}: answered ${push.status}`);
      continue;
    }
    if (response.results.length !== push.changes.length || response.results.some((r, i) => r.id !== push.changes[i]!.id)) {
      violations.push(`push ${push.key}: ${response.results.length} results for ${push.changes.length} changes`);
      continue;
    }
    const logged = log.entries.filter((entry) => entry.push === push.key);
    for (const [i, change] of push.changes.entries()) {
      const result = response.results[i]!;
      const where = `push ${push.key}, row ${change.id}`;
      const conflicting = new Map((result.konflikte ?? []).map((c) => [c.key, c]));
      const stored = result.outcome === 'rejected' ? [] : Object.keys(change.set).filter((key) => !conflicting.has(key));
      const entries = logged.filter((entry) => entry.row === change.id);

      for (const key of stored as CellKey[]) {
        const times = entries.filter((entry) => entry.key === key).length;
        if (times > 1) violations.push(`${where}, ${key}: logged ${times} times`);
        const history = log.valueAt(change.id, key, result.version!);
        if (history !== change.set[key]) {
          violations.push(`${where}, ${key}: reported stored as ${shown(change.set[key])} but the log has ${shown(history)} at version ${result.version}`);
        }
      }
      for (const entry of entries) {
        if (!stored.includes(entry.key)) violations.push(`${where}, ${entry.key}: logged but not reported as stored`);
        if (entry.alt !== change.base![entry.key]) {
          violations.push(
            `lost update: ${where}, ${entry.key}: overwrote ${shown(entry.alt)} although its client had seen ${shown(change.base![entry.key])}`,
          );
        }
      }
      for (const [key, conflict] of conflicting) {
        const theirs = log.valueAt(change.id, key as CellKey, result.version!);
        if (conflict.theirs !== theirs || theirs === change.base![key]) {
          violations.push(`${where}, ${key}: conflict with ${shown(conflict.theirs)} but the server held ${shown(theirs)}, the client's base was ${shown(change.base![key])}`);
        }
      }
    }
  }
  return violations;
}

/** People at work on `rows` rows of Köln: Köln's own staff and the coordination office's admins write the same table. */
export async function writers(target: ServerOnPostgres, rows: number) {
  const people = [await target.signIn(KOELN), await target.signIn(ADMIN)];
  const rowIds = (await pullRows(people[0]!, KIND, KOELN_AGS)).rows.slice(0, rows).map((row) => row.id);
  return {
    rowIds,
    /** Runs `clients` of them at once, `pushesPerClient` pushes each; resolves with every push and its answer. */
    async run(clients: number, pushesPerClient: number): Promise<PushRecord[]> {
      const each = await Promise.all(Array.from({ length: clients }, (_, i) => client(people[i % people.length]!, rowIds, pushesPerClient)));
      return each.flat();
    },
  };
}

/** Runs `clients` people with `pushesPerClient` pushes each on `rows` rows of Köln, and checks what they leave behind. */
export async function runConcurrencyCheck(
  target: ServerOnPostgres,
  { clients, pushesPerClient, rows }: { clients: number; pushesPerClient: number; rows: number },
) {
  const team = await writers(target, rows);
  const before = await snapshotOf(target.db, team.rowIds);
  const pushes = await team.run(clients, pushesPerClient);
  const log = await ChangeLog.read(target.db, before.cells, before.lastLogId);
  const after = await readCells(target.db, team.rowIds);
  const outcomes = pushes.flatMap((push) => push.response?.results.map((r) => r.outcome) ?? []);
  return { violations: findViolations(log, after, pushes), pushes, outcomes };
}
