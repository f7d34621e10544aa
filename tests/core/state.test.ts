import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeChange, type MergeSheet } from '../../core/merge.ts';
import {
  applyPushResults,
  chunkChanges,
  diffTable,
  emptyState,
  fromCell,
  keepMine,
  mergePull,
  sameCellValue,
  takeTheirs,
  toCell,
  type BaseRow,
  type CellUpdate,
  type CellValue,
  type Column,
  type PullResponse,
  type PushChange,
  type PushResult,
  type SyncState,
  type TableRow,
} from '../../core/index.ts';
import {
  applyCells,
  applyUpdate,
  column,
  columnsArb,
  editsArb,
  permutationArb,
  rowsArb,
  rowValuesArb,
  tableOf,
  valueArb,
  valueOfCell,
  type Row,
} from './arbitraries.ts';

const RUNS = { numRuns: 200 };
const SCOPE = '05315000';

const snapshotOf = (rows: Row[]) => new Map<string, BaseRow>(rows.map(({ id, version, values }) => [id, { version, values }]));
const stateOf = (columns: Column[], rows: Row[]): SyncState => ({ ...emptyState(), columns, base: snapshotOf(rows), cursor: 'c1' });
const pullOf = (columns: Column[], rows: Row[], deleted: string[] = []): PullResponse => ({
  kind: 'kommune-status',
  scope: SCOPE,
  columns,
  rows,
  deleted,
  cursor: 'c2',
});

/** Per column key, maybe a new value someone else stored on the server. */
const serverEditsArb = (columns: Column[]) =>
  fc.record(Object.fromEntries(columns.map((c) => [c.key, fc.option(valueArb(c).map((value) => ({ value })), { nil: undefined, freq: 2 })])));

function changedBy(row: Row, edits: Record<string, { value: CellValue } | undefined>): Row {
  const changed = Object.entries(edits).filter(([, edit]) => edit !== undefined);
  if (changed.length === 0) return row;
  return { ...row, version: row.version + 1, values: { ...row.values, ...Object.fromEntries(changed.map(([key, edit]) => [key, edit!.value])) } };
}

/** How the user left one cell, compared with the base. */
function localCell(c: Column, row: TableRow, base: Row) {
  const cell = row.values[c.key]!;
  const parsed = fromCell(c, cell);
  const mine = valueOfCell(c, cell);
  const edited = c.editable && !(parsed.ok && sameCellValue(parsed.value, base.values[c.key]));
  return { cell, valid: parsed.ok, mine, edited };
}

const pendingOf = (columns: Column[], base: ReadonlyMap<string, BaseRow>, table: TableRow[]) =>
  diffTable(columns, base, table).changes.flatMap((change) =>
    Object.keys(change.set).map((key) => ({ id: change.id, key, value: change.set[key], base: change.base[key] })),
  );

const byAddress = (a: { id: string; key: string }, b: { id: string; key: string }) =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

const pullScenario = columnsArb.chain((columns) =>
  rowsArb(columns).chain((rows) =>
    fc.record({
      columns: fc.constant(columns),
      rows: fc.constant(rows),
      edits: fc.array(editsArb(columns), { minLength: rows.length, maxLength: rows.length }),
      order: permutationArb(rows.length),
      fate: fc.array(fc.constantFrom('same', 'changed', 'changed', 'deleted'), { minLength: rows.length, maxLength: rows.length }),
      serverEdits: fc.array(serverEditsArb(columns), { minLength: rows.length, maxLength: rows.length }),
      newRows: rowsArb(columns, 3).map((fresh) => fresh.filter((row) => !rows.some((r) => r.id === row.id))),
    }),
  ),
);

describe('mergePull', () => {
  it.each([{ full: false }, { full: true }])('never drops a local edit and brings every other server change into the table (%o)', ({ full }) => {
    fc.assert(
      fc.property(pullScenario, ({ columns, rows, edits, order, fate, serverEdits, newRows }) => {
        const table = tableOf(columns, rows, edits, order);
        const server = rows.map((row, i) => (fate[i] === 'changed' ? changedBy(row, serverEdits[i]!) : row));
        const inPull = (i: number) => fate[i] === 'changed' || (full && fate[i] === 'same');
        const pull = full
          ? pullOf(columns, [...server.filter((_, i) => inPull(i)), ...newRows])
          : pullOf(columns, [...server.filter((_, i) => inPull(i)), ...newRows], rows.filter((_, i) => fate[i] === 'deleted').map((r) => r.id));

        const { state, update } = mergePull(stateOf(columns, rows), table, pull, { full });
        const after = applyUpdate(table, update);
        const expectedKonflikte = [];
        const expectedPending = [];
        const expectedInvalid = [];

        for (const [i, row] of rows.entries()) {
          const local = table.find((r) => r.id === row.id)!;
          const cells = columns.map((c) => ({ c, ...localCell(c, local, row) }));
          const editedKeys = cells.filter((cell) => cell.edited).map((cell) => cell.c.key);

          if (fate[i] === 'deleted') {
            expect(state.base.has(row.id)).toBe(false);
            if (editedKeys.length > 0) {
              expect(update.deletedWithEdits).toContainEqual({ id: row.id, keys: editedKeys });
              expect(after.find((r) => r.id === row.id)).toEqual(local);
            } else {
              expect(update.remove).toContain(row.id);
            }
            continue;
          }

          const shown = after.find((r) => r.id === row.id)!;
          const theirs = server[i]!;
          for (const { c, cell, valid, mine, edited } of cells) {
            const serverValue = theirs.values[c.key]!;
            if (edited) {
              // A local edit is never overwritten ...
              expect(shown.values[c.key]).toBe(cell);
              const converged = inPull(i) && valid && sameCellValue(mine, serverValue);
              const konflikt = inPull(i) && !converged && !sameCellValue(serverValue, row.values[c.key]);
              // ... and stays pending, or becomes a Konflikt when the server changed the cell too.
              if (konflikt) expectedKonflikte.push({ id: row.id, key: c.key, base: row.values[c.key], mine, theirs: serverValue });
              if (valid && !converged) expectedPending.push({ id: row.id, key: c.key, value: mine, base: row.values[c.key] });
              if (!valid) expectedInvalid.push({ id: row.id, key: c.key });
            } else if (inPull(i)) {
              // Every server change to a cell the user did not edit reaches the table.
              expect(sameCellValue(valueOfCell(c, shown.values[c.key]!), serverValue)).toBe(true);
            } else {
              expect(shown.values[c.key]).toBe(cell);
            }
          }
          expect(state.base.get(row.id)!.version).toBe(theirs.version);
        }

        for (const row of newRows) {
          expect(after.filter((r) => r.id === row.id)).toEqual([{ id: row.id, values: Object.fromEntries(columns.map((c) => [c.key, toCell(c, row.values[c.key]!)])) }]);
          expect(state.base.get(row.id)).toEqual({ version: row.version, values: row.values });
        }
        expect(update.append.map((r) => r.id)).toEqual(newRows.map((r) => r.id));
        expect([...state.konflikte].sort(byAddress)).toEqual(expectedKonflikte.sort(byAddress));

        // Diffing the merged table against the new base yields exactly the pending edits, Konflikt cells against their old base.
        expect(pendingOf(columns, state.base, after).sort(byAddress)).toEqual(expectedPending.sort(byAddress));
        const diff = diffTable(columns, state.base, after);
        expect(diff.invalid.map(({ id, key }) => ({ id, key })).sort(byAddress)).toEqual(expectedInvalid.sort(byAddress));
        expect(diff.unknownRows.map((r) => r.id).sort()).toEqual(update.deletedWithEdits.map((r) => r.id).sort());
        expect(state.cursor).toBe('c2');
      }),
      RUNS,
    );
  });

  it('loads a first full pull into an empty table', () => {
    const columns = [column('text'), column('enum[]', true, ['GSP', 'DMR Soest'])];
    const rows = [{ id: 'a', version: 1, values: { text: 'Formular', enum_liste: ['GSP'] } }];
    const { state, update } = mergePull(emptyState(), [], pullOf(columns, rows), { full: true });
    expect(update).toEqual({ cells: [], append: [{ id: 'a', values: { text: 'Formular', enum_liste: 'GSP' } }], remove: [], deletedWithEdits: [] });
    expect(state).toEqual({ columns, base: snapshotOf(rows), cursor: 'c2', konflikte: [], fehler: [] });
  });

  it('reports a row that left the scope with unsent edits once, however often the server names it', () => {
    const columns = [column('text')];
    const rows = [{ id: 'a', version: 1, values: { text: 'alt' } }];
    const table = [{ id: 'a', values: { text: 'neu' } }];
    const { state, update } = mergePull(stateOf(columns, rows), table, pullOf(columns, [], ['a', 'a', 'unbekannt']), { full: false });
    expect(update).toEqual({ cells: [], append: [], remove: [], deletedWithEdits: [{ id: 'a', keys: ['text'] }] });
    expect(state.base.size).toBe(0);
  });
});

/** The server's decision per row (core/merge.ts), on rows held in memory. */
class FakeServer {
  readonly rows: Map<string, BaseRow>;
  private readonly sheet: MergeSheet;

  constructor(columns: Column[], rows: Row[]) {
    this.rows = snapshotOf(rows);
    this.sheet = { columns, scopeLabel: 'Kommune (AGS)' };
  }

  push(changes: PushChange[]): PushResult[] {
    const decisions = changes.map((change) => {
      const row = this.rows.get(change.id);
      const decision = mergeChange(this.sheet, SCOPE, row && { id: change.id, scope: SCOPE, ...row }, change);
      if (row && 'write' in decision && Object.keys(decision.write).length > 0) {
        this.rows.set(change.id, { version: row.version + 1, values: { ...row.values, ...decision.write } });
      }
      return decision;
    });
    // Like the server, every result carries the row as stored after the whole push.
    return changes.map((change, i) => {
      const decision = decisions[i]!;
      const row = this.rows.get(change.id);
      const result: PushResult = { id: change.id, outcome: decision.outcome, version: row?.version ?? null, values: row?.values ?? null };
      if (decision.outcome === 'rejected') result.errors = decision.errors;
      if (decision.outcome === 'conflict') result.konflikte = decision.konflikte;
      return result;
    });
  }

  pushAll(changes: PushChange[]): PushResult[] {
    return chunkChanges(changes, { scope: SCOPE, source: 'addin' }, { maxChanges: 2, maxBytes: 1_000_000 }).flatMap((chunk) => this.push(chunk.changes));
  }
}

const pushScenario = columnsArb.chain((columns) =>
  rowsArb(columns).chain((rows) =>
    fc.record({
      columns: fc.constant(columns),
      rows: fc.constant(rows),
      edits: fc.array(editsArb(columns), { minLength: rows.length, maxLength: rows.length }),
      order: permutationArb(rows.length),
      others: fc.array(serverEditsArb(columns), { minLength: rows.length, maxLength: rows.length }),
      keep: fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
    }),
  ),
);

describe('applyPushResults, against the server’s own merge', () => {
  it('keeps both sides’ changes, turns clashes into Konflikte, and never overwrites silently, until resolved', () => {
    fc.assert(
      fc.property(pushScenario, ({ columns, rows, edits, order, others, keep }) => {
        const server = new FakeServer(columns, rows.map((row, i) => changedBy(row, others[i]!)));
        const theirsOf = (id: string, key: string) => server.rows.get(id)!.values[key] ?? null;
        const table0 = tableOf(columns, rows, edits, order);
        const state0 = stateOf(columns, rows);

        const results = server.pushAll(diffTable(columns, state0.base, table0).changes);
        const { state: state1, cells } = applyPushResults(state0, table0, results);
        const table1 = applyCells(table0, cells);

        const expectedKonflikte = [];
        for (const [i, row] of rows.entries()) {
          const local = table0.find((r) => r.id === row.id)!;
          const pushed = results.some((r) => r.id === row.id);
          for (const c of columns) {
            const { valid, mine, edited } = localCell(c, local, row);
            const othersChanged = others[i]![c.key] !== undefined && !sameCellValue(others[i]![c.key]!.value, row.values[c.key]);
            const stored = theirsOf(row.id, c.key);
            if (edited && valid && !othersChanged) expect(sameCellValue(stored, mine)).toBe(true);
            if (othersChanged) expect(sameCellValue(stored, others[i]![c.key]!.value)).toBe(true);
            if (edited && othersChanged && pushed && !(valid && sameCellValue(mine, stored))) {
              expectedKonflikte.push({ id: row.id, key: c.key, base: row.values[c.key], mine, theirs: stored });
            }
            // What others changed shows in the table, so the next push cannot revert it.
            if (pushed && !edited) expect(sameCellValue(valueOfCell(c, table1.find((r) => r.id === row.id)!.values[c.key]!), stored)).toBe(true);
          }
        }
        expect([...state1.konflikte].sort(byAddress)).toEqual(expectedKonflikte.sort(byAddress));

        // Sending again sends only the Konflikt cells, and the server keeps refusing them.
        const again = pendingOf(columns, state1.base, table1);
        const validKonflikte = expectedKonflikte.filter((k) => !isRawInvalid(columns, k));
        expect(again.map(({ id, key }) => ({ id, key })).sort(byAddress)).toEqual(validKonflikte.map(({ id, key }) => ({ id, key })).sort(byAddress));
        const stored = structuredClone([...server.rows]);
        const retry = server.pushAll(diffTable(columns, state1.base, table1).changes);
        expect(retry.every((r) => r.outcome === 'conflict')).toBe(true);
        expect([...server.rows]).toEqual(stored);

        // Resolving every Konflikt, one way or the other, leaves nothing to send and nothing open.
        let state2 = state1;
        const kept: PushChange[] = [];
        const restored: CellUpdate[] = [];
        const decisions = state1.konflikte.map((k, i) => ({ k, keepMine: keep[i % keep.length]! }));
        for (const { k, keepMine: mineWins } of decisions) {
          if (mineWins) {
            const resolved = keepMine(state2, k)!;
            state2 = resolved.state;
            kept.push(resolved.change);
          } else {
            const resolved = takeTheirs(state2, k)!;
            state2 = resolved.state;
            restored.push(resolved.cell);
          }
        }
        expect(state2.konflikte).toEqual([]);
        const table2 = applyCells(table1, restored);
        const { state: state3, cells: cells3 } = applyPushResults(state2, table2, server.pushAll(kept));
        const table3 = applyCells(table2, cells3);

        for (const { k, keepMine: mineWins } of decisions) {
          const invalid = isRawInvalid(columns, k);
          const want = mineWins && !invalid ? k.mine : k.theirs;
          expect(sameCellValue(theirsOf(k.id, k.key), want)).toBe(true);
          if (invalid && mineWins) expect(state3.fehler.some((f) => f.id === k.id && f.key === k.key)).toBe(true);
        }
        expect(state3.konflikte).toEqual([]);
        expect(diffTable(columns, state3.base, table3).changes).toEqual([]);
      }),
      RUNS,
    );
  });
});

/** A Konflikt whose `mine` is what the user typed, not a value: the cell holds no valid value. */
function isRawInvalid(columns: Column[], k: { key: string; mine: CellValue }): boolean {
  const c = columns.find((col) => col.key === k.key)!;
  return !Array.isArray(k.mine) && k.mine !== null && !fromCell(c, k.mine).ok;
}

describe('resolving a Konflikt', () => {
  const status = column('enum', true, ['offen', 'in Planung', 'online']);
  const rows = [{ id: 'a', version: 4, values: { enum: 'offen' } }];
  const table = [{ id: 'a', values: { enum: 'online' } }];
  const pulled = mergePull(stateOf([status], rows), table, pullOf([status], [{ id: 'a', version: 5, values: { enum: 'in Planung' } }]), { full: false });

  it('comes from a pull that changed an edited cell, which keeps its old base', () => {
    expect(pulled.update.cells).toEqual([]);
    expect(pulled.state.konflikte).toEqual([{ id: 'a', key: 'enum', base: 'offen', mine: 'online', theirs: 'in Planung' }]);
    expect(pulled.state.base.get('a')).toEqual({ version: 5, values: { enum: 'offen' } });
    expect(diffTable([status], pulled.state.base, table).changes).toEqual([{ id: 'a', baseVersion: 5, base: { enum: 'offen' }, set: { enum: 'online' } }]);
  });

  it('„Meine behalten“ sends mine against theirs', () => {
    const { state, change } = keepMine(pulled.state, { id: 'a', key: 'enum' })!;
    expect(change).toEqual({ id: 'a', baseVersion: 5, base: { enum: 'in Planung' }, set: { enum: 'online' } });
    expect(state.konflikte).toEqual([]);
    expect(diffTable([status], state.base, table).changes).toEqual([change]);
  });

  it('„Server übernehmen“ writes theirs into the cell and drops the edit', () => {
    const { state, cell } = takeTheirs(pulled.state, { id: 'a', key: 'enum' })!;
    expect(cell).toEqual({ id: 'a', key: 'enum', value: 'in Planung' });
    expect(state.konflikte).toEqual([]);
    expect(diffTable([status], state.base, applyCells(table, [cell])).changes).toEqual([]);
  });

  it('does nothing for a Konflikt that is no longer open', () => {
    expect(keepMine(pulled.state, { id: 'a', key: 'text' })).toBeUndefined();
    expect(takeTheirs(emptyState(), { id: 'a', key: 'enum' })).toBeUndefined();
  });
});

describe('applyPushResults', () => {
  it('keeps the base and the errors of a rejected row', () => {
    const zahl = column('number');
    const state = stateOf([zahl], [{ id: 'a', version: 2, values: { number: 1 } }]);
    const { state: after, cells } = applyPushResults(state, [{ id: 'a', values: { number: 9 } }], [
      { id: 'a', outcome: 'rejected', version: 2, values: { number: 1 }, errors: [{ key: 'number', message: 'Reifegrad 9 gibt es nicht.' }] },
    ]);
    expect(cells).toEqual([]);
    expect(after.base).toEqual(state.base);
    expect(after.fehler).toEqual([{ id: 'a', key: 'number', message: 'Reifegrad 9 gibt es nicht.' }]);
  });

  it('clears a row’s errors once it is applied', () => {
    const text = column('text');
    const state = { ...stateOf([text], [{ id: 'a', version: 2, values: { text: null } }]), fehler: [{ id: 'a', key: 'text', message: 'alt' }] };
    const { state: after } = applyPushResults(state, [{ id: 'a', values: { text: 'ok' } }], [
      { id: 'a', outcome: 'applied', version: 3, values: { text: 'ok' } },
    ]);
    expect(after.fehler).toEqual([]);
    expect(after.base.get('a')).toEqual({ version: 3, values: { text: 'ok' } });
  });

  it('uses any row values as its base for a row the table no longer has', () => {
    const fresh = rowValuesArb([column('text')]);
    fc.assert(
      fc.property(fresh, (values) => {
        const { state } = applyPushResults(stateOf([column('text')], []), [], [{ id: 'z', outcome: 'applied', version: 1, values }]);
        expect(state.base.get('z')).toEqual({ version: 1, values });
      }),
      { numRuns: 20 },
    );
  });
});
