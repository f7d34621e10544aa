import { expect, it } from 'vitest';
import type { PullResponse } from '../../core/contract.ts';
import type { CellValue } from '../../core/values.ts';
import type { Api } from '../helpers/api.ts';
import { ADMIN, METTMANN } from '../helpers/members.ts';
import { describeServerOnPostgres } from '../helpers/postgres-server.ts';
import { pullRows } from '../helpers/sheets.ts';
import { CELL_KEYS, ChangeLog, KOELN_AGS, snapshotOf, writers } from './concurrent-clients.ts';

const KIND = 'kommune-status';

interface Delivery {
  /** Which pull delivered it: 0 is the first, full pull. */
  pull: number;
  id: string;
  version: number;
  values: Record<string, CellValue>;
}

/** Someone who keeps a copy of Köln's table current by pulling only the changes, again and again, until told to stop. */
async function puller(api: Api, writing: () => boolean) {
  const cursors: string[] = [];
  const deliveries: Delivery[] = [];
  const replica = new Map<string, { version: number; values: Record<string, CellValue> }>();
  const take = (pull: PullResponse) => {
    for (const row of pull.rows) {
      deliveries.push({ pull: cursors.length, ...row });
      replica.set(row.id, { version: row.version, values: row.values });
    }
    cursors.push(pull.cursor);
  };
  take(await pullRows(api, KIND, KOELN_AGS));
  while (writing()) take(await pullRows(api, KIND, KOELN_AGS, cursors.at(-1)));
  // once more after the last write: this is what a client sees when it refreshes later
  take(await pullRows(api, KIND, KOELN_AGS, cursors.at(-1)));
  return { cursors, deliveries, replica };
}

describeServerOnPostgres('Delta pulls while others write, against the server process on PostgreSQL', (target) => {
  it('deliver every change to every puller exactly once or within a newer state of its row, and miss none', async () => {
    const { db } = target();
    const team = await writers(target(), 8);
    const before = await snapshotOf(db, team.rowIds);
    // Mettmann may read Köln's table (transparency among Kommunen); the coordination office reads everything.
    const readers = [await target().signIn(METTMANN), await target().signIn(ADMIN), await target().signIn(METTMANN)];

    let writing = true;
    const pulling = readers.map((api) => puller(api, () => writing));
    const pushes = await team.run(6, 30);
    writing = false;
    const pullers = await Promise.all(pulling);

    const log = await ChangeLog.read(db, before.cells, before.lastLogId);
    const table = await pullRows(readers[1]!, KIND, KOELN_AGS);
    expect(pushes.every((push) => push.status === 200)).toBe(true);
    expect(log.entries.length).toBeGreaterThan(0);

    for (const { cursors, deliveries, replica } of pullers) {
      const problems: string[] = [];
      // Every change in the log, with the first pull whose snapshot saw its transaction committed.
      const changes = await db.query<{ id: string; row: string; version: number; pull: number | null }>(
        `select e.id::text, e.zeile_id as row, e.version,
                (select min(c.n)::int - 1 from unnest($2::text[]) with ordinality c (cursor, n)
                 where pg_visible_in_snapshot(e.txid, c.cursor::pg_snapshot)) as pull
         from public.aenderung e where e.id > $1 and e.zeile_id = any($3::uuid[])`,
        [before.lastLogId, cursors, team.rowIds],
      );
      for (const change of changes) {
        const delivered = deliveries.find((d) => d.pull === change.pull && d.id === change.row && d.version >= change.version);
        if (!delivered) problems.push(`change ${change.id} (row ${change.row}, version ${change.version}) missed by pull ${change.pull}`);
      }

      const versions = new Map<string, number>();
      for (const delivery of deliveries) {
        const previous = versions.get(delivery.id);
        if (previous !== undefined && delivery.version <= previous) {
          problems.push(`row ${delivery.id}: version ${delivery.version} delivered by pull ${delivery.pull} after version ${previous}`);
        }
        versions.set(delivery.id, delivery.version);
        // A delivered row is a state the row really had: the log's values at that version.
        if (log.before.has(delivery.id)) {
          for (const key of CELL_KEYS) {
            const real = log.valueAt(delivery.id, key, delivery.version);
            if (delivery.values[key] !== real) {
              problems.push(`row ${delivery.id}, version ${delivery.version}: ${key} delivered as ${delivery.values[key]}, but it was ${real}`);
            }
          }
        }
      }

      expect(problems).toEqual([]);
      expect(cursors.length).toBeGreaterThan(2);
      expect(replica).toEqual(
        new Map(table.rows.map((row) => [row.id, { version: row.version, values: row.values }])),
      );
    }
  }, 120_000);
});
