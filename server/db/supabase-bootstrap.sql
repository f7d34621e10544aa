-- What a Supabase project provides before any migration runs: the API roles, the auth schema
-- with auth.jwt()/auth.uid()/auth.role() reading the PostgREST claims, and the default grants
-- on schema public. Created only where missing, so on a real Supabase project this changes
-- nothing; on plain PostgreSQL and PGlite it makes the migrations run unchanged.
do $bootstrap$
declare
  rolle text;
begin
  foreach rolle in array array['anon', 'authenticated', 'service_role'] loop
    begin
      if not exists (select 1 from pg_roles where rolname = rolle) then
        execute format('create role %I nologin noinherit%s', rolle,
          case when rolle = 'service_role' then ' bypassrls' else '' end);
      end if;
    exception when duplicate_object or unique_violation then
      -- another connection created it at the same moment (roles are cluster-wide)
      null;
    end;
    if not pg_has_role(current_user, rolle, 'member') then
      execute format('grant %I to %I', rolle, current_user);
    end if;
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
