import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import type { Sql } from '../../../server/db/database.ts';
import { SUPABASE_DIR } from '../../../server/db/migrate.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';

interface RoleList {
  schemas: Record<string, string[]>;
  functions: string[];
  tables: Record<string, string[]>;
  sequences: Record<string, string[]>;
}
interface PrivilegeList {
  roles: Record<'anon' | 'authenticated', RoleList>;
  defaultPrivileges: Record<string, string[]>;
}

const declared = JSON.parse(await readFile(`${SUPABASE_DIR}privileges.json`, 'utf8')) as PrivilegeList;
const ROLES = ['anon', 'authenticated'] as const;

/** Every schema a migration or Supabase can put objects in: all but PostgreSQL's own. */
const USER_SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`;

const byName = (rows: { name: string; privilege: string }[]) => {
  const out: Record<string, string[]> = {};
  for (const { name, privilege } of rows) (out[name] ??= []).push(privilege);
  for (const list of Object.values(out)) list.sort();
  return out;
};
const sorted = (map: Record<string, string[]>) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, [...v].sort()]));

async function actualFor(db: Sql, role: string): Promise<RoleList> {
  const schemas = await db.query<{ name: string; privilege: string }>(
    `select n.nspname as name, p.privilege
     from pg_namespace n cross join (values ('USAGE'), ('CREATE')) p (privilege)
     where ${USER_SCHEMAS} and has_schema_privilege($1, n.oid, p.privilege)`,
    [role],
  );
  const functions = await db.query<{ name: string }>(
    `select format('%s.%s(%s)', n.nspname, f.proname, pg_get_function_identity_arguments(f.oid)) as name
     from pg_proc f join pg_namespace n on n.oid = f.pronamespace
     where ${USER_SCHEMAS} and has_function_privilege($1, f.oid, 'EXECUTE')
     order by 1`,
    [role],
  );
  // Column grants count too: has_any_column_privilege is true for a table grant or any column's.
  const tables = await db.query<{ name: string; privilege: string }>(
    `select format('%s.%s', n.nspname, c.relname) as name, p.privilege
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     cross join (values ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'), ('REFERENCES'), ('TRIGGER')) p (privilege)
     where ${USER_SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'f')
       and case when p.privilege in ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
                then has_any_column_privilege($1, c.oid, p.privilege)
                else has_table_privilege($1, c.oid, p.privilege) end`,
    [role],
  );
  const sequences = await db.query<{ name: string; privilege: string }>(
    `select format('%s.%s', n.nspname, c.relname) as name, p.privilege
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     cross join (values ('USAGE'), ('SELECT'), ('UPDATE')) p (privilege)
     where ${USER_SCHEMAS} and c.relkind = 'S' and has_sequence_privilege($1, c.oid, p.privilege)`,
    [role],
  );
  return { schemas: byName(schemas), functions: functions.map((f) => f.name), tables: byName(tables), sequences: byName(sequences) };
}

describeEachDatabase('Least privilege for the Data API roles, read from the catalogue', ({ db }) => {
  it.each(ROLES)('lets %s touch exactly the schemas, functions, tables, views and sequences of supabase/privileges.json', async (role) => {
    const actual = await actualFor(db(), role);
    const list = declared.roles[role];
    expect(actual.schemas).toEqual(sorted(list.schemas));
    expect(actual.functions).toEqual([...list.functions].sort());
    expect(actual.tables).toEqual(sorted(list.tables));
    expect(actual.sequences).toEqual(sorted(list.sequences));
  });

  it('lets anon execute no security definer function', async () => {
    const rows = await db().query<{ name: string }>(
      `select f.oid::regprocedure::text as name from pg_proc f join pg_namespace n on n.oid = f.pronamespace
       where ${USER_SCHEMAS} and f.prosecdef and has_function_privilege('anon', f.oid, 'EXECUTE')`,
    );
    expect(rows).toEqual([]);
    const definers = await db().query(`select 1 from pg_proc where prosecdef and pronamespace = 'intern'::regnamespace`);
    expect(definers.length).toBeGreaterThan(0);
  });

  it('keeps every security definer function out of the schemas the Data API exposes, with its search_path pinned', async () => {
    const rows = await db().query<{ name: string; schema: string; config: string[] | null }>(
      `select f.oid::regprocedure::text as name, n.nspname as schema, f.proconfig as config
       from pg_proc f join pg_namespace n on n.oid = f.pronamespace
       where ${USER_SCHEMAS} and n.nspname not in ('auth') and f.prosecdef`,
    );
    expect(rows.filter((r) => r.schema === 'public' || r.schema === 'graphql_public')).toEqual([]);
    expect(rows.filter((r) => !r.config?.some((setting) => setting.startsWith('search_path=')))).toEqual([]);
  });

  it('grants future objects of the migrating role only what supabase/privileges.json declares, and PUBLIC no EXECUTE', async () => {
    const rows = await db().query<{ name: string; privilege: string }>(
      `select format('%s|%s|%s', coalesce(n.nspname, '*'),
                     case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
                                          when 'T' then 'types' when 'n' then 'schemas' end,
                     case a.grantee when 0 then 'PUBLIC' else a.grantee::regrole::text end) as name,
              a.privilege_type as privilege
       from pg_default_acl d
       left join pg_namespace n on n.oid = d.defaclnamespace
       cross join lateral aclexplode(d.defaclacl) a
       where d.defaclrole = current_user::regrole
         and (a.grantee = 0 or a.grantee in ('anon'::regrole, 'authenticated'::regrole))`,
    );
    expect(byName(rows)).toEqual(sorted(declared.defaultPrivileges));
    // Without a global entry for functions PostgreSQL's built-in default applies: EXECUTE to PUBLIC.
    const global = await db().query<{ acl: string }>(
      `select defaclacl::text as acl from pg_default_acl where defaclrole = current_user::regrole and defaclnamespace = 0 and defaclobjtype = 'f'`,
    );
    expect(global).toHaveLength(1);
  });
});
