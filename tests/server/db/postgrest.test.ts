import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database, Sql } from '../../../server/db/database.ts';
import { openPostgres } from '../../../server/db/postgres.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { FREMD } from '../../helpers/members.ts';

/**
 * What PostgREST does per request: connected as the login role `authenticator` ("CREATE ROLE
 * authenticator LOGIN NOINHERIT …", user impersonation "done with the SET ROLE statement",
 * https://docs.postgrest.org/en/v12/references/auth.html), it opens a transaction, switches with
 * `set local role` to the JWT's role, hands the claims over as request.jwt.claims, runs one
 * statement and commits (https://docs.postgrest.org/en/v12/references/transactions.html). On PostgreSQL the test really logs in as authenticator (the test cluster
 * trusts local logins); PGlite has a single session, so there `set local role authenticator` first.
 */
const IDENTITIES = {
  anon: { role: 'anon', claims: { role: 'anon' } },
  'authenticated without membership': {
    role: 'authenticated',
    claims: { role: 'authenticated', aud: 'authenticated', email: FREMD, sub: '00000000-0000-4000-8000-000000000001' },
  },
} as const;
type Identity = keyof typeof IDENTITIES;

type Outcome = { rows: Record<string, unknown>[] } | { error: string; code: string | undefined };

const EXPOSED = `n.nspname in ('public', 'graphql_public')`;

describeEachDatabase('Data API requests as anon and as a signed-in person without membership, as PostgREST sends them', ({ db, kind, url }) => {
  let api: Database;
  beforeAll(() => {
    if (kind === 'postgres') {
      const login = new URL(url()!);
      login.username = 'authenticator';
      api = openPostgres(login.toString(), { max: 1 });
    } else {
      api = db();
    }
  });
  afterAll(async () => {
    if (kind === 'postgres') await api.close();
  });

  async function request(identity: Identity, statement: string, params: unknown[] = []): Promise<Outcome> {
    const { role, claims } = IDENTITIES[identity];
    try {
      return {
        rows: await api.transaction(async (tx: Sql) => {
          if (kind === 'pglite') await tx.exec('set local role authenticator');
          await tx.exec(`set local role ${role}`);
          await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
          return tx.query(statement, params);
        }),
      };
    } catch (error) {
      return { error: (error as Error).message, code: (error as { code?: string }).code };
    }
  }

  /** Everything in the database, as its owner sees it: any committed change shows. */
  async function snapshot(): Promise<Record<string, string>> {
    const relations = await db().query<{ name: string }>(
      `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p') and n.nspname in ('public', 'intern', 'auth', 'supabase_migrations') order by 1`,
    );
    const out: Record<string, string> = {};
    for (const { name } of relations) {
      const [row] = await db().query<{ digest: string }>(
        `select count(*) || ':' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${name} t`,
      );
      out[name] = row!.digest;
    }
    return out;
  }

  const nothingRead = (outcome: Outcome) =>
    'error' in outcome || outcome.rows.every((row) => Object.values(row).every((value) => value === null));

  it.each(Object.keys(IDENTITIES) as Identity[])('lets %s change nothing and read nothing through any exposed table or view', async (identity) => {
    const before = await snapshot();
    const relations = await db().query<{ name: string; column: string }>(
      `select format('%I.%I', n.nspname, c.relname) as name,
              (select quote_ident(a.attname) from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
               order by a.attnum limit 1) as column
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where ${EXPOSED} and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1`,
    );
    expect(relations.length).toBeGreaterThanOrEqual(17);
    const leaks: string[] = [];
    for (const { name, column } of relations) {
      for (const statement of [
        `select * from ${name}`,
        `insert into ${name} default values returning *`,
        `update ${name} set ${column} = ${column} returning *`,
        `delete from ${name} returning *`,
      ]) {
        const outcome = await request(identity, statement);
        if ('rows' in outcome && outcome.rows.length > 0) leaks.push(`${statement}: ${outcome.rows.length} Zeilen`);
      }
    }
    expect(leaks).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it.each(Object.keys(IDENTITIES) as Identity[])('lets %s change nothing and read nothing through any exposed function', async (identity) => {
    const before = await snapshot();
    const functions = await db().query<{ name: string; args: string; definer: boolean }>(
      `select format('%I.%I', n.nspname, f.proname) as name,
              coalesce((select string_agg(format('null::%s', t::regtype), ', ' order by i)
                        from unnest(f.proargtypes::oid[]) with ordinality as a (t, i)), '') as args,
              f.prosecdef as definer
       from pg_proc f join pg_namespace n on n.oid = f.pronamespace
       where ${EXPOSED} and f.prokind = 'f' and f.prorettype <> 'trigger'::regtype`,
    );
    expect(functions.map((f) => f.name)).toContain('public.fortschritt');
    for (const { name, args, definer } of functions) {
      const outcome = await request(identity, `select * from ${name}(${args})`);
      expect(nothingRead(outcome), `${name}: ${JSON.stringify(outcome)}`).toBe(true);
      if (identity === 'anon' || definer) expect(outcome, name).toMatchObject({ code: '42501' });
    }
    expect(await snapshot()).toEqual(before);
  });

  it.each(Object.keys(IDENTITIES) as Identity[])(
    'does not let %s delete the push receipts or read a stored answer (rpc/push_quittungen_aufraeumen, rpc/push_quittung_lesen)',
    async (identity) => {
      const key = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
      await db().query(
        `insert into public.push_quittung (schluessel, tabelle, bereich, inhalt_hash, antwort, akteur)
         values ($1, 'kommune_status', '05315000', 'hash', '{"geheim": true}', 'ozg@koeln.example') on conflict do nothing`,
        [key],
      );
      for (const schema of ['public', 'intern']) {
        const cleanup = await request(identity, `select ${schema}.push_quittungen_aufraeumen($1)`, [-36500]);
        expect(cleanup, `${schema}.push_quittungen_aufraeumen`).toHaveProperty('error');
        const read = await request(identity, `select * from ${schema}.push_quittung_lesen($1)`, [key]);
        expect(read, `${schema}.push_quittung_lesen`).toHaveProperty('error');
      }
      const [stored] = await db().query<{ antwort: unknown }>('select antwort from public.push_quittung where schluessel = $1', [key]);
      expect(stored?.antwort).toEqual({ geheim: true });
    },
  );

  it('gives the login role authenticator itself, before it switches role, no table, view or function of public', async () => {
    const exposed = await db().query<{ statement: string }>(
      `select format('select * from %I.%I', n.nspname, c.relname) as statement from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where ${EXPOSED} and c.relkind in ('r', 'p', 'v', 'm', 'f')
       union all
       select 'select public.fortschritt(null, null, null)'`,
    );
    for (const { statement } of exposed) {
      const outcome = await api
        .transaction(async (tx: Sql) => {
          if (kind === 'pglite') await tx.exec('set local role authenticator');
          return tx.query(statement);
        })
        .then((rows) => ({ rows }), (error: { code?: string }) => ({ code: error.code }));
      expect(outcome, statement).toEqual({ code: '42501' });
    }
  });

  it('refuses to clean up push receipts with less than one day to keep, whoever asks', async () => {
    await db().query(
      `insert into public.push_quittung (schluessel, tabelle, bereich, inhalt_hash, antwort, akteur)
       values (gen_random_uuid(), 'kommune_status', '05315000', 'hash', '{}', 'ozg@koeln.example')`,
    );
    const [{ n: before }] = (await db().query<{ n: number }>('select count(*)::int as n from public.push_quittung')) as [{ n: number }];
    expect(before).toBeGreaterThan(0);
    for (const tage of [-36500, 0, null]) {
      await expect(db().query('select intern.push_quittungen_aufraeumen($1)', [tage])).rejects.toMatchObject({ code: '22023' });
    }
    const [{ n: after }] = (await db().query<{ n: number }>('select count(*)::int as n from public.push_quittung')) as [{ n: number }];
    expect(after).toBe(before);
  });
});
