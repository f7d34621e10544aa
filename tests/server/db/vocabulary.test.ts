import { expect, it } from 'vitest';
import { PUSH_QUELLEN, QUELLEN, ROLLEN } from '../../../core/vocabulary.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';

describeEachDatabase('The vocabularies the code branches on are the database’s', ({ db }) => {
  it('names exactly the roles of the enum mitglied_rolle, in its order', async () => {
    const [row] = await db().query<{ rollen: string[] }>('select enum_range(null::public.mitglied_rolle)::text[] as rollen');
    expect(row?.rollen).toEqual([...ROLLEN]);
  });

  it('names exactly the sources the change log’s check constraint admits, and lets clients push only under three of them', async () => {
    const [row] = await db().query<{ definition: string }>(
      `select pg_get_constraintdef(c.oid) as definition from pg_constraint c
       where c.conrelid = 'public.aenderung'::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%quelle%'`,
    );
    const admitted = [...(row?.definition ?? '').matchAll(/'([^']+)'::text/g)].map((match) => match[1]);
    expect(new Set(admitted)).toEqual(new Set(QUELLEN));
    expect([...PUSH_QUELLEN]).toEqual(['addin', 'xlsx', 'api']);
  });
});
