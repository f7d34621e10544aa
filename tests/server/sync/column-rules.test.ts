import { expect, it } from 'vitest';
import { diffTable, toCell, type BaseRow, type ExcelValue, type TableRow } from '../../../core/index.ts';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { postChanges, pullRows, rowOf } from '../../helpers/sheets.ts';
import { SHEET_KINDS } from '../../../server/sync/sheets.ts';
import { DATE_LIMITS } from '../../../core/columns.ts';

const KOELN = '05315000';
const UNTERNEHMENSANMELDUNG = 10294;

describeEachDatabase('Each column rule once: the pane refuses what the server refuses, in the same words', ({ db }) => {
  /**
   * The same edit twice: typed into the pulled table and diffed as the pane does before sending,
   * and sent to the API as it stands. Returns the pane's messages and the server's.
   */
  async function bothSides(edit: Record<string, unknown>) {
    const app = apiAs(db());
    const pull = await pullRows(app, 'kommune-status', KOELN);
    const row = rowOf(pull, UNTERNEHMENSANMELDUNG);
    const cells: Record<string, ExcelValue> = {};
    for (const column of pull.columns) cells[column.key] = toCell(column, row.values[column.key] ?? null);
    for (const [key, value] of Object.entries(edit)) cells[key] = value as ExcelValue;
    const base = new Map<string, BaseRow>([[row.id, { version: row.version, values: row.values }]]);
    const table: TableRow[] = [{ id: row.id, values: cells }];
    const diff = diffTable(pull.columns, base, table);

    const response = await postChanges(app, 'kommune-status', {
      scope: KOELN,
      changes: [{ id: row.id, baseVersion: row.version, base: {}, set: edit }],
    });
    const body = (await response.json()) as { results: { outcome: string; errors?: { key: string; message: string }[] }[] };
    return {
      sent: diff.changes.length,
      pane: diff.invalid.map(({ key, message }) => ({ key, message })),
      server: body.results[0]!.outcome === 'rejected' ? body.results[0]!.errors : [],
    };
  }

  it.each([
    ['an over-long Bemerkung', { bemerkung: 'x'.repeat(4001) }, 'bemerkung', '„Bemerkung“ darf höchstens 4000 Zeichen lang sein.'],
    ['a Reifegrad above every model', { reifegrad: 8 }, 'reifegrad', '„Reifegrad“ muss zwischen 0 und 7 liegen.'],
    ['a Zieltermin after 2099', { zieltermin: '2100-01-01' }, 'zieltermin', '„Zieltermin“ muss zwischen 2017 und 2099 liegen.'],
    ['an empty Status', { status: '' }, 'status', '„Status“ darf nicht leer sein.'],
  ])('refuses %s before sending, with the message the server gives', async (_name, edit, key, message) => {
    const { sent, pane, server } = await bothSides(edit);
    expect(sent).toBe(0);
    expect(pane).toEqual([{ key, message }]);
    expect(server).toEqual([{ key, message }]);
  });

  it('refuses a Reifegrad the chosen Reifegradmodell does not have before sending, in the server’s words, and holds back the row’s other edit', async () => {
    const { sent, pane, server } = await bothSides({ reifegrad_modell: '1.1', reifegrad: 5 });
    const refusal = { key: 'reifegrad', message: 'Reifegrad 5 gibt es im Reifegradmodell 1.1 nicht (erlaubt: 0 bis 4).' };
    expect(sent).toBe(0);
    expect(server).toEqual([refusal]);
    expect(pane).toEqual([refusal, { key: 'reifegrad_modell', message: 'Nicht gesendet wegen eines Fehlers in „Reifegrad“ derselben Zeile.' }]);
  });

  it('sends a row the rules allow, the highest Reifegrad of model 1.1 included', async () => {
    const { sent, pane } = await bothSides({ reifegrad_modell: '1.1', reifegrad: 4 });
    expect(pane).toEqual([]);
    expect(sent).toBe(1);
  });

  it('states each Reifegradmodell’s range as the database does: its levels, and its check constraint', async () => {
    const reifegrad = SHEET_KINDS['kommune-status'].columns.find((c) => c.key === 'reifegrad')!;
    const levels = await db().query<{ modell: string; min: number; max: number }>(
      'select modell::text as modell, min(stufe) as min, max(stufe) as max from public.reifegrad_stufe group by modell order by modell',
    );
    expect(Object.fromEntries(levels.map(({ modell, min, max }) => [modell, [min, max]]))).toEqual(reifegrad.rangeBy!.ranges);
    const [stored] = await db().query<{ default: string }>(
      `select pg_get_expr(d.adbin, d.adrelid) as default from pg_attrdef d
       join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
       where d.adrelid = 'public.kommune_status'::regclass and a.attname = 'reifegrad_modell'`,
    );
    expect(stored?.default).toContain(`'${reifegrad.rangeBy!.fallback}'`);

    const row = await db().query<{ id: string }>('select id from public.kommune_status where ags = $1 limit 1', [KOELN]);
    for (const [modell, [, max]] of Object.entries(reifegrad.rangeBy!.ranges)) {
      const write = (value: number) =>
        db().transaction((tx) =>
          tx.query('update public.kommune_status set reifegrad_modell = $1, reifegrad = $2 where id = $3', [modell, value, row[0]!.id]).then(() => {
            throw new Error('rollback');
          }),
        );
      await expect(write(max)).rejects.toThrow('rollback');
      await expect(write(max + 1)).rejects.toThrow(/reifegrad_im_modell/);
    }
  });

  it('holds the date range the pane and the API check to the database’s check constraints on both date columns', async () => {
    const [row] = await db().query<{ id: string }>('select id from public.kommune_status where ags = $1 limit 1', [KOELN]);
    const dayBefore = (iso: string) => new Date(Date.parse(iso) - 86_400_000).toISOString().slice(0, 10);
    const dayAfter = (iso: string) => new Date(Date.parse(iso) + 86_400_000).toISOString().slice(0, 10);
    for (const column of ['zieltermin', 'inbetriebnahme']) {
      const write = (value: string) =>
        db().transaction((tx) =>
          tx.query(`update public.kommune_status set ${column} = $1::date where id = $2`, [value, row!.id]).then(() => {
            throw new Error('rollback');
          }),
        );
      await expect(write(DATE_LIMITS.min)).rejects.toThrow('rollback');
      await expect(write(DATE_LIMITS.max)).rejects.toThrow('rollback');
      await expect(write(dayBefore(DATE_LIMITS.min))).rejects.toThrow(/check constraint/);
      await expect(write(dayAfter(DATE_LIMITS.max))).rejects.toThrow(/check constraint/);
    }
  });
});
