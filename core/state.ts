import { fromCell, sameCellValue, toCell, valueAt } from './cells.ts';
import type {
  BaseRow,
  CellAddress,
  CellUpdate,
  Column,
  PullResponse,
  PushChange,
  PushResult,
  SheetRow,
  Snapshot,
  TableRow,
  ZellFehler,
  ZellKonflikt,
} from './types.ts';

/**
 * What the add-in keeps between syncs. Local edits are not part of it: they are whatever the
 * table holds beyond `base`, so nothing the user does in Excel can slip past the bookkeeping.
 */
export interface SyncState {
  columns: Column[];
  base: Snapshot;
  /** The cursor of the last pull, for the next `since`; null before the first pull. */
  cursor: string | null;
  /** Open Konflikte, for the UI; a cell stays in Konflikt until resolved or the server agrees. */
  konflikte: ZellKonflikt[];
  /** Why the server rejected rows in their last push. */
  fehler: ZellFehler[];
}

export function emptyState(): SyncState {
  return { columns: [], base: new Map(), cursor: null, konflikte: [], fehler: [] };
}

/** What the Excel layer has to do to the table after a pull. */
export interface TableUpdate {
  cells: CellUpdate[];
  /** Rows new to the table, in server order. */
  append: TableRow[];
  /** Rows that left the scope and held no edits. */
  remove: string[];
  /** Rows that left the scope while holding local edits: to be marked, not removed, since the edits cannot be sent any more. */
  deletedWithEdits: { id: string; keys: string[] }[];
}

interface RowMerge {
  base: BaseRow;
  cells: CellUpdate[];
  konflikte: ZellKonflikt[];
}

/** The first row of each id; the diff refuses to send duplicated ids, so which one answers matters little. */
function indexTable(table: readonly TableRow[]): Map<string, TableRow> {
  const index = new Map<string, TableRow>();
  for (const row of table) if (row.id.trim() !== '' && !index.has(row.id)) index.set(row.id, row);
  return index;
}

function editedKeys(columns: readonly Column[], before: BaseRow, local: TableRow): string[] {
  return columns
    .filter((column) => column.editable && Object.hasOwn(local.values, column.key))
    .filter((column) => {
      const parsed = fromCell(column, local.values[column.key]!);
      return !parsed.ok || !sameCellValue(parsed.value, valueAt(before.values, column.key));
    })
    .map((column) => column.key);
}

/**
 * Merges a row as the server now has it into the table row and its base, cell by cell: an
 * unedited cell takes the server's value; an edited cell stays as it is, and becomes a Konflikt
 * when the server changed it too. A Konflikt cell keeps its old base, so that sending the edit
 * again makes the server report the Konflikt again instead of overwriting the other change.
 * Read-only cells always take the server's value. A row missing from the base counts as empty.
 */
function mergeRow(columns: readonly Column[], before: BaseRow | undefined, local: TableRow, server: SheetRow): RowMerge {
  const merged: RowMerge = { base: { version: server.version, values: { ...server.values } }, cells: [], konflikte: [] };
  for (const column of columns) {
    const { key } = column;
    if (!Object.hasOwn(local.values, key)) continue;
    const theirs = valueAt(server.values, key);
    const seen = before ? valueAt(before.values, key) : null;
    const raw = local.values[key]!;
    const parsed = fromCell(column, raw);
    // An invalid cell is still the user's edit: it stays, and a Konflikt shows it as mine.
    const mine = parsed.ok ? parsed.value : raw;
    if (parsed.ok && sameCellValue(mine, theirs)) continue;
    const edited = column.editable && !(parsed.ok && sameCellValue(mine, seen));
    if (!edited) {
      merged.cells.push({ id: server.id, key, value: toCell(column, theirs) });
    } else if (!sameCellValue(theirs, seen)) {
      merged.konflikte.push({ id: server.id, key, base: seen, mine, theirs });
      merged.base.values = { ...merged.base.values, [key]: seen };
    }
  }
  return merged;
}

function replaceByRow<T extends { id: string }>(current: readonly T[], replacements: ReadonlyMap<string, T[]>): T[] {
  return current.filter((item) => !replacements.has(item.id)).concat([...replacements.values()].flat());
}

/**
 * Merges a pull into the state and the table without losing an unsent edit. `full` says the pull
 * had no `since`: then every row missing from it has left the scope.
 */
export function mergePull(
  state: SyncState,
  table: readonly TableRow[],
  pull: PullResponse,
  { full }: { full: boolean },
): { state: SyncState; update: TableUpdate } {
  const { columns } = pull;
  const base = new Map(state.base);
  const local = indexTable(table);
  const update: TableUpdate = { cells: [], append: [], remove: [], deletedWithEdits: [] };
  const konflikte = new Map<string, ZellKonflikt[]>();
  const gone = new Set<string>();

  const pulled = new Set(pull.rows.map((row) => row.id));
  for (const id of new Set(full ? state.base.keys() : pull.deleted)) {
    const before = base.get(id);
    if (pulled.has(id) || !before) continue;
    const row = local.get(id);
    const keys = row ? editedKeys(columns, before, row) : [];
    if (keys.length > 0) update.deletedWithEdits.push({ id, keys });
    else if (row) update.remove.push(id);
    base.delete(id);
    gone.add(id);
    konflikte.set(id, []);
  }

  for (const row of pull.rows) {
    const mine = local.get(row.id);
    if (mine) {
      const merged = mergeRow(columns, base.get(row.id), mine, row);
      base.set(row.id, merged.base);
      update.cells.push(...merged.cells);
      konflikte.set(row.id, merged.konflikte);
    } else {
      update.append.push({ id: row.id, values: Object.fromEntries(columns.map((c) => [c.key, toCell(c, valueAt(row.values, c.key))])) });
      base.set(row.id, { version: row.version, values: row.values });
      konflikte.set(row.id, []);
    }
  }

  return {
    state: {
      columns,
      base,
      cursor: pull.cursor,
      konflikte: replaceByRow(state.konflikte, konflikte),
      fehler: state.fehler.filter((fehler) => !gone.has(fehler.id)),
    },
    update,
  };
}

/**
 * Takes in the results of a push. Each answered row is merged like a pulled row, because the
 * server also merges in other people's changes to cells the push did not touch; taking its
 * values into the base without writing them to the table would make the next push revert them.
 * The table is read after the push, so edits made while it was under way are kept too. The
 * Konflikte come from that merge: they are the ones the server reported, unless the user has
 * changed the cell since. A rejected row keeps its base and its errors are kept.
 *
 * The push response's cursor is deliberately not used: it predates the push's own writes but
 * postdates changes the last pull has not brought yet, so pulling from it would skip those.
 */
export function applyPushResults(
  state: SyncState,
  table: readonly TableRow[],
  results: readonly PushResult[],
): { state: SyncState; cells: CellUpdate[] } {
  const base = new Map(state.base);
  const local = indexTable(table);
  const cells: CellUpdate[] = [];
  const konflikte = new Map<string, ZellKonflikt[]>();
  const fehler = new Map<string, ZellFehler[]>();

  for (const { id, outcome, version, values, errors } of results) {
    // One push may hold several changes to a row (a resolved Konflikt besides the diff): a later
    // success must not hide an earlier rejection.
    if (!fehler.has(id)) fehler.set(id, []);
    if (outcome === 'rejected' || version === null || values === null) {
      fehler.get(id)!.push(...(errors ?? []).map((error) => ({ id, ...error })));
      continue;
    }
    const mine = local.get(id);
    if (!mine) {
      base.set(id, { version, values });
      konflikte.set(id, []);
      continue;
    }
    const merged = mergeRow(state.columns, base.get(id), mine, { id, version, values });
    base.set(id, merged.base);
    cells.push(...merged.cells);
    konflikte.set(id, merged.konflikte);
  }

  return {
    state: { ...state, base, konflikte: replaceByRow(state.konflikte, konflikte), fehler: replaceByRow(state.fehler, fehler) },
    cells,
  };
}

function openKonflikt(state: SyncState, { id, key }: CellAddress) {
  const konflikt = state.konflikte.find((k) => k.id === id && k.key === key);
  const row = state.base.get(id);
  return konflikt && row ? { konflikt, row } : undefined;
}

/** The state once the user has seen `theirs`: from now on an edit of the cell is sent against it. */
function settle(state: SyncState, konflikt: ZellKonflikt, row: BaseRow): SyncState {
  const base = new Map(state.base);
  base.set(konflikt.id, { ...row, values: { ...row.values, [konflikt.key]: konflikt.theirs } });
  return { ...state, base, konflikte: state.konflikte.filter((k) => k !== konflikt) };
}

/**
 * „Meine behalten“: the base of the cell becomes theirs, so the returned change applies (the
 * next diff of the table yields it as well, for as long as the cell holds mine). Undefined
 * when there is no such open Konflikt, e.g. because a pull has settled it meanwhile.
 */
export function keepMine(state: SyncState, address: CellAddress): { state: SyncState; change: PushChange } | undefined {
  const open = openKonflikt(state, address);
  if (!open) return undefined;
  const { konflikt, row } = open;
  const change: PushChange = {
    id: konflikt.id,
    baseVersion: row.version,
    base: { [konflikt.key]: konflikt.theirs },
    set: { [konflikt.key]: konflikt.mine },
  };
  return { state: settle(state, konflikt, row), change };
}

/** „Server übernehmen“: the cell gets theirs back, which is then also its base, so the edit is gone. */
export function takeTheirs(state: SyncState, address: CellAddress): { state: SyncState; cell: CellUpdate } | undefined {
  const open = openKonflikt(state, address);
  const column = state.columns.find((c) => c.key === address.key);
  if (!open || !column) return undefined;
  const { konflikt, row } = open;
  return { state: settle(state, konflikt, row), cell: { id: konflikt.id, key: konflikt.key, value: toCell(column, konflikt.theirs) } };
}
