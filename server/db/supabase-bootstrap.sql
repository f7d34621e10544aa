-- What a hosted Supabase project provides before any migration runs, so that tests and plain
-- PostgreSQL see the privileges a hosted project has: the API roles, the `authenticator` login
-- role PostgREST connects as, the auth schema with auth.jwt()/auth.uid()/auth.role() reading the
-- PostgREST claims, and Supabase's default grants on schema public. Mirrors supabase/postgres,
-- migrations/db/init-scripts/00000000000000-initial-schema.sql ("create role anon nologin
-- noinherit", "create user authenticator noinherit; grant anon to authenticator; …",
-- "alter default privileges in schema public grant all on tables/functions/sequences to postgres,
-- anon, authenticated, service_role") and migrations/20230529180330_alter_api_roles_for_inherit.sql
-- (the three API roles become INHERIT). Created only where missing, so on a real Supabase project
-- this changes nothing.
do $bootstrap$
declare
  rolle text;
begin
  foreach rolle in array array['anon', 'authenticated', 'service_role', 'authenticator'] loop
    begin
      if not exists (select 1 from pg_roles where rolname = rolle) then
        execute format('create role %I %s', rolle,
          case rolle
            when 'service_role' then 'nologin inherit bypassrls'
            -- no password: it logs in only where the operator's pg_hba.conf trusts it (test clusters)
            when 'authenticator' then 'login noinherit'
            else 'nologin inherit'
          end);
      end if;
    exception when duplicate_object or unique_violation then
      -- another connection created it at the same moment (roles are cluster-wide)
      null;
    end;
  end loop;

  foreach rolle in array array['anon', 'authenticated', 'service_role'] loop
    begin
      if not pg_has_role('authenticator', rolle, 'member') then
        execute format('grant %I to authenticator', rolle);
      end if;
      -- the server connects as the database owner and switches to authenticated per request
      if not pg_has_role(current_user, rolle, 'member') then
        execute format('grant %I to %I', rolle, current_user);
      end if;
    exception when unique_violation then
      null;
    end;
  end loop;

  if not exists (select 1 from pg_namespace where nspname = 'auth') then
    create schema auth;
    grant usage on schema auth to anon, authenticated, service_role;
    grant usage on schema public to anon, authenticated, service_role;
    alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
    alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
    alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
  end if;

  if to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb language sql stable as $f$
      select coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
      )::jsonb
    $f$;
  end if;
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid language sql stable as $f$
      select coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
      )::uuid
    $f$;
  end if;
  if to_regprocedure('auth.role()') is null then
    create function auth.role() returns text language sql stable as $f$
      select coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
      )::text
    $f$;
  end if;
end
$bootstrap$;
