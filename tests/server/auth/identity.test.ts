import { expect, it } from 'vitest';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { KOELN } from '../../helpers/members.ts';
import { apiInRollback, asOwner, authenticateAs, inRollback } from '../../helpers/rls.ts';
import { pullRows, pushRows } from '../../helpers/sheets.ts';

/** Supabase Auth keeps an address as the person typed it; the member is stored as ozg@koeln.example. */
const TYPED = '  OZG@Koeln.Example\t';

describeEachDatabase('One identity rule: a token email is trimmed and lower-cased, by the database, for the API and for row-level security', ({ db }) => {
  it('names the member and her rights through the API when the token’s email has surrounding spaces and capitals', async () => {
    await inRollback(db(), async (tx) => {
      const api = apiInRollback(db(), tx, TYPED);
      const me = await api.request('/api/me');
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ email: KOELN, mitgliedschaften: [{ rolle: 'kommune', ags: '05315000' }] });

      const pull = await pullRows(api, 'kommune-status', '05315000');
      expect(pull.rows).toHaveLength(46);
      const row = pull.rows[0]!;
      const push = await pushRows(api, 'kommune-status', {
        scope: '05315000',
        changes: [{ id: row.id, baseVersion: row.version, base: { bemerkung: row.values.bemerkung }, set: { bemerkung: 'Schreibweise egal' } }],
      });
      expect(push.results[0]).toMatchObject({ outcome: 'applied' });
      const [stored] = await tx.query<{ updated_by: string }>('select updated_by from public.kommune_status where id = $1', [row.id]);
      expect(stored?.updated_by).toBe(KOELN);
    });
  });

  it('lets row-level security see the same member for the same claims, directly in SQL', async () => {
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, TYPED);
      const [who] = await tx.query<{ email: string }>('select intern.anmelde_email() as email');
      expect(who?.email).toBe(KOELN);
      expect((await tx.query(`update public.kommune_status set bemerkung = 'RLS' where ags = '05315000' returning 1`)).length).toBe(46);
      await asOwner(tx);
      expect((await tx.query(`select 1 from public.kommune_status where ags = '05315000' and bemerkung = 'RLS'`)).length).toBe(46);
    });
  });

  it('answers 401 naming the missing email when the claim is only white space', async () => {
    const response = await apiAs(db(), ' \t ').request('/api/me');
    expect(response.status).toBe(401);
    expect((await response.json()).error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/keine E-Mail-Adresse/) });
  });
});
