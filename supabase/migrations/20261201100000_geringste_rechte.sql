-- Least privilege for the Data API. On a hosted Supabase project PostgREST serves the schema
-- public to anyone holding the anon key, which the task pane ships ("By default, your database
-- has a public schema which is automatically exposed on data APIs",
-- https://supabase.com/docs/guides/api/using-custom-schemas), and Supabase's init script grants
-- ALL on every new table, sequence and function in public to anon and authenticated
-- (supabase/postgres, migrations/db/init-scripts/00000000000000-initial-schema.sql); PostgreSQL
-- itself grants EXECUTE on every new function to PUBLIC ("All functions access is PUBLIC by
-- default", https://supabase.com/kb/troubleshooting/how-can-i-revoke-execution-of-a-postgresql-function-2GYb0A).
--
-- So: every helper that only policies, triggers and the server use moves to the schema intern,
-- which no Data API exposes; EXECUTE is revoked from PUBLIC and anon everywhere and granted to
-- authenticated only where a policy, a column default or a view evaluated as authenticated needs
-- it. What anon and authenticated may touch is declared in supabase/privileges.json; the test
-- tests/server/db/privileges.test.ts reads the catalogue and fails on anything not listed there.

create schema intern;
comment on schema intern is 'Hilfsfunktionen für Policies, Trigger und den Server; von keiner Data API (PostgREST) erreichbar.';
revoke all on schema intern from public;
-- Functions inside row-level security policies run as the querying role.
grant usage on schema intern to authenticated;

alter function public.aktueller_akteur() set schema intern;
alter function public.anmelde_email() set schema intern;
alter function public.ist_mitglied() set schema intern;
alter function public.ist_admin() set schema intern;
alter function public.meine_themenfelder() set schema intern;
alter function public.meine_kommunen() set schema intern;
alter function public.themenfeld_der_leistung(uuid) set schema intern;
alter function public.push_quittung_lesen(uuid) set schema intern;
alter function public.push_quittungen_aufraeumen(integer) set schema intern;
alter function public.zeile_stempeln() set schema intern;
alter function public.weitere_aktivitaeten_pruefen() set schema intern;
alter function public.status_zeilen_fuer_leistungen() set schema intern;
alter function public.status_zeilen_fuer_kommunen() set schema intern;
alter function public.aenderungen_protokollieren() set schema intern;
alter function public.aenderung_unveraenderlich() set schema intern;
alter function public.austritte_vermerken() set schema intern;
alter function public.mitglied_protokollieren() set schema intern;
alter function public.kommunalen_vollzug_festlegen() set schema intern;
alter function public.pruefung_stempeln() set schema intern;

-- One identity rule for server and database: an email is compared trimmed and lower-cased.
-- The server asks this function (through intern.anmelde_email()) instead of normalising itself.
create function intern.email_normalisieren(email text) returns text
language sql immutable
set search_path = ''
as $$
  select nullif(pg_catalog.lower(pg_catalog.regexp_replace(email, '^[[:space:]]+|[[:space:]]+$', '', 'g')), '')
$$;

-- Bodies that named the functions in public are rewritten; policies, triggers and column
-- defaults refer to the functions themselves and follow them to intern unchanged.
create or replace function intern.anmelde_email() returns text
language sql stable
set search_path = ''
as $$
  select intern.email_normalisieren(auth.jwt() ->> 'email')
$$;

create or replace function intern.aktueller_akteur() returns text
language sql stable
set search_path = ''
as $$
  select coalesce(intern.anmelde_email(), session_user::text)
$$;

create or replace function intern.ist_mitglied() returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.mitglied m where m.email = intern.anmelde_email())
$$;

create or replace function intern.ist_admin() returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.mitglied m where m.email = intern.anmelde_email() and m.rolle = 'admin')
$$;

create or replace function intern.meine_themenfelder() returns smallint[]
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.themenfeld_id), '{}') from public.mitglied m
  where m.email = intern.anmelde_email() and m.rolle = 'koordination'
$$;

create or replace function intern.meine_kommunen() returns text[]
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.ags), '{}') from public.mitglied m
  where m.email = intern.anmelde_email() and m.rolle = 'kommune'
$$;

-- A negative or missing number of days would have deleted every receipt, after which a reused
-- idempotency key with a different body was applied instead of answering 409.
create or replace function intern.push_quittungen_aufraeumen(tage integer) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tage is null or tage < 1 then
    raise exception using
      errcode = '22023',
      message = format('Quittungen werden mindestens einen Tag aufbewahrt; %s Tage sind nicht zulässig.', coalesce(tage::text, 'keine'));
  end if;
  delete from public.push_quittung where erstellt_am < now() - make_interval(days => tage);
end
$$;

create or replace function intern.zeile_stempeln() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  stempel constant text[] := array['version', 'updated_at', 'updated_by', 'txid'];
begin
  if tg_op = 'UPDATE' then
    if (to_jsonb(new) - stempel) = (to_jsonb(old) - stempel) then
      new.version := old.version;
      new.updated_at := old.updated_at;
      new.updated_by := old.updated_by;
      new.txid := old.txid;
      return new;
    end if;
    new.version := old.version + 1;
  else
    new.version := 1;
  end if;
  new.updated_at := now();
  new.updated_by := intern.aktueller_akteur();
  new.txid := pg_current_xact_id();
  return new;
end
$$;

create or replace function intern.mitglied_protokollieren() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  zeile public.mitglied := coalesce(new, old);
begin
  insert into public.aenderung (akteur, tabelle, bereich, zeile_id, spalte, alt, neu, version, quelle, push_schluessel)
  values (
    intern.aktueller_akteur(), 'mitglied', zeile.email, zeile.id, '*',
    case when tg_op = 'INSERT' then null else to_jsonb(old) end,
    case when tg_op = 'DELETE' then null else to_jsonb(new) end,
    zeile.version,
    coalesce(nullif(current_setting('ozg.quelle', true), ''), 'sql'),
    nullif(current_setting('ozg.push', true), '')::uuid
  );
  return null;
end
$$;

create or replace function intern.pruefung_stempeln() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.geprueft_am is null then
    raise exception using
      errcode = '42501',
      message = 'Eine Prüfung kann nicht zurückgenommen werden.';
  end if;
  if old.geprueft_am is not null then
    raise exception using
      errcode = '23514',
      message = format('Die Änderung %s wurde schon am %s von %s geprüft.', old.id, old.geprueft_am, old.geprueft_von);
  end if;
  new.geprueft_von := intern.aktueller_akteur();
  new.geprueft_am := now();
  return new;
end
$$;

-- Functions: nobody but the owner, then exactly what row-level security and the views need.
-- Trigger functions need no EXECUTE at all: PostgreSQL checks it when the trigger is created.
revoke all on all functions in schema intern from public, anon, authenticated;
revoke all on all functions in schema public from public, anon, authenticated;
grant execute on function
  intern.email_normalisieren(text),
  intern.anmelde_email(),
  intern.aktueller_akteur(),
  intern.ist_mitglied(),
  intern.ist_admin(),
  intern.meine_themenfelder(),
  intern.meine_kommunen(),
  intern.themenfeld_der_leistung(uuid)
  to authenticated;
-- Security invoker: counts only the rows the caller may read; the fortschritt_* views call it.
grant execute on function public.fortschritt(text, smallint, text) to authenticated;

-- Tables and views: anon reads and writes nothing; authenticated gets the statements a policy
-- can allow (row-level security decides the rows), never TRUNCATE, REFERENCES or TRIGGER, which
-- row-level security does not govern.
revoke all on all tables in schema public from anon, authenticated;
revoke all on all sequences in schema public from anon, authenticated;
grant select, insert, update, delete on
  public.themenfeld, public.lage, public.ozg_leistung, public.kreis, public.kommune,
  public.aktivitaet, public.zeile_ausgetreten, public.leika_leistung, public.mitglied
  to authenticated;
grant select, update on public.leistung_status, public.kommune_status, public.aenderung to authenticated;
grant insert on public.push_quittung to authenticated;
grant select on
  public.aenderung_lesbar, public.pruefung_offen,
  public.fortschritt_themenfeld, public.fortschritt_leistung, public.fortschritt_kommune
  to authenticated;

-- Future objects created by this role: nothing for PUBLIC and anon; authenticated keeps what the
-- tables above have (row-level security is required on every table, see tests/server/auth/rls.test.ts),
-- and tests/server/db/privileges.test.ts fails until a new object is declared in supabase/privileges.json.
alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke all on tables from anon;
alter default privileges in schema public revoke all on sequences from anon;
alter default privileges in schema public revoke all on functions from anon;
alter default privileges in schema public revoke truncate, references, trigger on tables from authenticated;
-- PostgreSQL 17 added MAINTAIN to a table's privileges (and so to Supabase's "grant all").
do $$
begin
  if current_setting('server_version_num')::integer >= 170000 then
    execute 'alter default privileges in schema public revoke maintain on tables from authenticated';
  end if;
end
$$;
