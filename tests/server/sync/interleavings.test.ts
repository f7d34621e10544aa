import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { apiAs } from '../../helpers/api.ts';
import type { PullResponse } from '../../../core/contract.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { pullRows, pushRows } from '../../helpers/sheets.ts';

const KOELN = '05315000';
const KEYS = ['status', 'loesung', 'bemerkung'] as const;
const VALUES: Record<(typeof KEYS)[number], (string | null)[]> = {
  status: ['offen', 'in Planung', 'online'],
  loesung: [null, 'A', 'B'],
  bemerkung: [null, 'x', 'y'],
};
const CLIENTS = 3;
const ROWS = 3;

type Cells = Record<string, unknown>;
type Op =
  | { type: 'edit'; client: number; row: number; key: (typeof KEYS)[number]; value: string | null }
  | { type: 'push'; client: number }
  | { type: 'pull'; client: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({ client: fc.nat(CLIENTS - 1), row: fc.nat(ROWS - 1), key: fc.constantFrom(...KEYS) })
    .chain((e) => fc.constantFrom(...VALUES[e.key]).map((value) => ({ type: 'edit' as const, ...e, value }))),
  fc.record({ type: fc.constant('push' as const), client: fc.nat(CLIENTS - 1) }),
  fc.record({ type: fc.constant('pull' as const), client: fc.nat(CLIENTS - 1) }),
);

describeEachDatabase('Random interleavings of pushes from several clients', ({ db }) => {
  it('lose no accepted value, report every conflict, and leave a log that replays to the table', async () => {
    const app = apiAs(db());
    const rowIds = (await pullRows(app, 'kommune-status', KOELN)).rows.slice(0, ROWS).map((r) => r.id);
    const table = async (): Promise<Map<string, Cells>> => {
      const rows = await db().query<Cells & { id: string }>(
        `select id, status::text as status, loesung, bemerkung from public.kommune_status where id = any($1::uuid[])`,
        [rowIds],
      );
      return new Map(rows.map(({ id, ...cells }) => [id, cells]));
    };

    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const [{ last }] = (await db().query<{ last: number }>('select coalesce(max(id), 0)::int as last from public.aenderung')) as [
          { last: number },
        ];
        const start = await table();
        const view = (pull: PullResponse) => new Map(pull.rows.filter((r) => rowIds.includes(r.id)).map((r) => [r.id, r]));
        const clients = await Promise.all(
          Array.from({ length: CLIENTS }, async () => ({
            base: view(await pullRows(app, 'kommune-status', KOELN)),
            edits: new Map<string, Cells>(),
          })),
        );
        const appliedCells: { push: string; row: string; key: string }[] = [];

        for (const step of ops) {
          const client = clients[step.client]!;
          if (step.type === 'edit') {
            const id = rowIds[step.row]!;
            client.edits.set(id, { ...client.edits.get(id), [step.key]: step.value });
          } else if (step.type === 'pull') {
            client.base = view(await pullRows(app, 'kommune-status', KOELN));
          } else if (client.edits.size) {
            const truth = await table();
            const changes = [...client.edits].map(([id, set]) => {
              const seen = client.base.get(id)!;
              return { id, baseVersion: seen.version, base: Object.fromEntries(Object.keys(set).map((k) => [k, seen.values[k]])), set };
            });
            const key = randomUUID();
            const { results } = await pushRows(app, 'kommune-status', { scope: KOELN, idempotencyKey: key, changes });
            const after = await table();
            for (const [i, change] of changes.entries()) {
              const result = results[i]!;
              for (const [cell, mine] of Object.entries(change.set)) {
                const theirs = truth.get(change.id)![cell];
                const conflict = result.konflikte?.find((c) => c.key === cell);
                if (mine === theirs) {
                  expect(conflict).toBeUndefined();
                } else if (change.base[cell] === theirs) {
                  expect(after.get(change.id)![cell]).toBe(mine);
                  appliedCells.push({ push: key, row: change.id, key: cell });
                } else {
                  expect(conflict).toEqual({ key: cell, base: change.base[cell], mine, theirs });
                  expect(after.get(change.id)![cell]).toBe(theirs);
                }
              }
              client.base.set(change.id, { id: change.id, version: result.version!, values: result.values! });
            }
            client.edits.clear();
          }
        }

        const log = await db().query<{ push_schluessel: string; zeile_id: string; spalte: string; neu: unknown }>(
          'select push_schluessel, zeile_id, spalte, neu from public.aenderung where id > $1 order by id',
          [last],
        );
        for (const cell of appliedCells) {
          const entries = log.filter((e) => e.push_schluessel === cell.push && e.zeile_id === cell.row && e.spalte === cell.key);
          expect(entries).toHaveLength(1);
        }
        expect(log).toHaveLength(appliedCells.length);

        const replayed = new Map([...start].map(([id, cells]) => [id, { ...cells }]));
        for (const entry of log) replayed.get(entry.zeile_id)![entry.spalte] = entry.neu;
        expect(replayed).toEqual(await table());
      }),
      { numRuns: 30 },
    );
  });
});
