import { expect, it } from 'vitest';
import { apiAs } from '../../helpers/api.ts';
import { openPostgres } from '../../../server/db/postgres.ts';
import { deltaRowsQuery } from '../../../server/sync/pull.ts';
import { patchRowsQuery } from '../../../server/sync/push.ts';
import { SHEET_KINDS } from '../../../server/sync/sheets.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { pullRows, rowOf } from '../../helpers/sheets.ts';

const KOELN = '05315000';

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };
function planNodes(explained: unknown): PlanNode[] {
  const walk = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(walk)];
  return walk((explained as [{ Plan: PlanNode }])[0].Plan);
}

describeEachDatabase('Delta pull cost', ({ db }) => {
  /**
   * A pull's cursor once it lies past every row written so far. Transaction ids and snapshots are
   * the cluster's: a long transaction in another database (another test file on the same server)
   * holds every snapshot's xmin back, and a cursor from before the bulk insert rightly asks for all
   * of its rows. In steady use cursors are past the rows; that is the plan these tests are about.
   */
  async function cursorPastEveryRow(scope: string): Promise<string> {
    const [{ newest }] = (await db().query<{ newest: string }>('select txid::text as newest from public.kommune_status order by txid desc limit 1')) as [{ newest: string }];
    for (let attempt = 0; ; attempt++) {
      const { cursor } = await pullRows(apiAs(db()), 'kommune-status', scope);
      if (BigInt(cursor.split(':')[0]!) > BigInt(newest) || attempt === 100) return cursor;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('reads a delta through the (ags, txid) index, in proportion to the changes, not the rows in scope', async () => {
    await db().exec(`
      insert into public.kreis (kreisschluessel, name, typ) values ('05170', 'Wesel', 'Kreis') on conflict do nothing;
      insert into public.kommune (ags, name, typ)
      select '05170' || lpad(i::text, 3, '0'), 'Testgemeinde ' || i, 'kreisangehörige Gemeinde' from generate_series(1, 400) i;
      analyze public.kommune_status; analyze public.ozg_leistung;`);
    const [{ n }] = (await db().query<{ n: number }>('select count(*)::int as n from public.kommune_status')) as [{ n: number }];
    expect(n).toBeGreaterThan(18_000);

    const cursor = await cursorPastEveryRow(KOELN);
    const plan = await db().query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${deltaRowsQuery(SHEET_KINDS['kommune-status'])}`, [
      KOELN,
      cursor,
    ]);
    const scans = planNodes(plan[0]!['QUERY PLAN']).filter((node) => node['Relation Name'] === 'kommune_status');
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(scans.map((node) => node['Index Name'])).toContain('kommune_status_delta_idx');
  });

  it('reads the delta of a Kreis sheet through the same index, from the cursor on for each of its 400 Kommunen', async () => {
    const kreis = SHEET_KINDS['kommune-status'].shapes![0]!;
    const cursor = await cursorPastEveryRow('05170');
    const plan = await db().query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${deltaRowsQuery(kreis)}`, ['05170', cursor]);
    const scans = planNodes(plan[0]!['QUERY PLAN']).filter((node) => node['Relation Name'] === 'kommune_status');
    expect(scans.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    const delta = scans.find((node) => node['Index Name'] === 'kommune_status_delta_idx');
    // Both columns bound: the Kommunen of the Kreis and the transactions since the cursor.
    expect(String(delta?.['Index Cond'])).toMatch(/ags = ANY .*txid >= /s);
  });

  it('reads the delta of a leistung-kommunen sheet through the (ozg_leistung_id, txid) index, from the cursor on, not every Kommune’s row', async () => {
    const cursor = await cursorPastEveryRow(KOELN);
    const plan = await db().query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${deltaRowsQuery(SHEET_KINDS['leistung-kommunen'])}`, [
      '10177',
      cursor,
    ]);
    const scans = planNodes(plan[0]!['QUERY PLAN']).filter((node) => node['Relation Name'] === 'kommune_status');
    expect(scans.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    const delta = scans.find((node) => node['Index Name'] === 'kommune_status_leistung_delta_idx');
    expect(String(delta?.['Index Cond'])).toMatch(/ozg_leistung_id = .*txid >= /s);
  });

  it('writes a push of 10 cells by the rows’ primary key, not by a scan of every Kommune’s rows', async () => {
    const ids = (await db().query<{ id: string }>('select id::text from public.kommune_status where ags = $1 order by id limit 10', [KOELN])).map((r) => r.id);
    const patches = ids.map(() => JSON.stringify({ bemerkung: 'per Schlüssel' }));
    const plan = await db().query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${patchRowsQuery(SHEET_KINDS['kommune-status'])}`, [ids, patches]);
    const nodes = planNodes(plan[0]!['QUERY PLAN']);
    const scans = nodes.filter((node) => node['Relation Name'] === 'kommune_status' && node['Node Type'] !== 'ModifyTable');
    expect(scans.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(nodes.map((node) => node['Index Name'])).toContain('kommune_status_pkey');
  });

  it('plans a push of 5,000 rows for 5,000 rows, not the 100 a JSON recordset is guessed at, so that it is joined by hash and not row by row', async () => {
    const ids = (await db().query<{ id: string }>('select id::text from public.kommune_status order by id limit 5000')).map((r) => r.id);
    expect(ids).toHaveLength(5000);
    const patches = ids.map(() => JSON.stringify({ bemerkung: 'in einem Rutsch' }));
    const plan = await db().query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${patchRowsQuery(SHEET_KINDS['kommune-status'])}`, [ids, patches]);
    const nodes = planNodes(plan[0]!['QUERY PLAN']);
    const cells = nodes.find((node) => node['Node Type'] === 'Function Scan');
    expect(cells?.['Plan Rows']).toBe(5000);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Nested Loop');
  });
});

describeEachDatabase('Delta cursor with concurrent transactions on two real connections', ({ db, kind, url }) => {
      it.skipIf(kind !== 'postgres')(
        'delivers a change whose transaction started before a pull and committed after it',
        async () => {
          const app = apiAs(db());
          const row = rowOf(await pullRows(app, 'kommune-status', KOELN), 10294);
          const writer = openPostgres(url()!, { max: 1 });
          let commit!: () => void;
          const gate = new Promise<void>((resolve) => (commit = resolve));
          let written!: () => void;
          const wrote = new Promise<void>((resolve) => (written = resolve));
          const slow = writer.transaction(async (tx) => {
            await tx.query(`update public.kommune_status set bemerkung = 'langsamer Schreiber' where id = $1`, [row.id]);
            written();
            await gate;
          });
          await wrote;

          const during = await pullRows(app, 'kommune-status', KOELN);
          expect(rowOf(during, 10294).values.bemerkung).toBeNull();
          commit();
          await slow;
          await writer.close();

          const [{ updated_at: writtenAt }] = (await db().query<{ updated_at: string }>(
            'select updated_at from public.kommune_status where id = $1',
            [row.id],
          )) as [{ updated_at: string }];
          const delta = await pullRows(app, 'kommune-status', KOELN, during.cursor);
          expect(delta.rows.map((r) => r.id)).toEqual([row.id]);
          expect(delta.rows[0]!.values.bemerkung).toBe('langsamer Schreiber');
          // The write is stamped before the pull happened, so a timestamp cursor would have lost it.
          expect(new Date(writtenAt).getTime()).toBeLessThan(Date.now());
          expect((await pullRows(app, 'kommune-status', KOELN, delta.cursor)).rows).toEqual([]);
        },
      );

});
