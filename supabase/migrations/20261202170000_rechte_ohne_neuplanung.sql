-- The membership helpers that every policy asks, in PL/pgSQL instead of SQL.
--
-- A SQL function with `set search_path` or `security definer` is never inlined; PostgreSQL then
-- parses and plans its body anew at every place a statement calls it, and again for every SQL
-- function that body calls (PostgreSQL 15, functions.c: the plan lives only as long as the call
-- site's query). A delta pull of a Kommune names kommune_status three times and each name brings
-- its policies' init plans: eight calls of ist_mitglied(), darf_schreiben() and
-- schreibbare_bereiche(), each through anmelde_email() and email_normalisieren(), about 0.2 ms
-- each, 1.6 of the 2.5 ms the statement took at NRW volume. PL/pgSQL keeps the plans of its
-- statements for the session, so a call costs microseconds. Bodies, volatility, security and the
-- pinned search_path stay as they were; create or replace keeps every grant and revoke.

create or replace function intern.email_normalisieren(email text) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return nullif(pg_catalog.lower(pg_catalog.regexp_replace(email, '^[[:space:]]+|[[:space:]]+$', '', 'g')), '');
end
$$;

create or replace function intern.anmelde_email() returns text
language plpgsql stable
set search_path = ''
as $$
begin
  return intern.email_normalisieren(auth.jwt() ->> 'email');
end
$$;

create or replace function intern.aktueller_akteur() returns text
language plpgsql stable
set search_path = ''
as $$
begin
  return coalesce(intern.anmelde_email(), session_user::text);
end
$$;

create or replace function intern.ist_mitglied() returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return exists (select 1 from public.mitglied m where m.email = intern.anmelde_email());
end
$$;

create or replace function intern.ist_admin() returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return exists (select 1 from public.mitglied m where m.email = intern.anmelde_email() and m.rolle = 'admin');
end
$$;

create or replace function intern.schreibrechte() returns table (art text, bereich text)
language plpgsql stable
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  select r.art, r.bereich
  from public.mitglied m
  cross join lateral (
    select a.art, null::text as bereich
    from pg_catalog.unnest(array['kommune-status', 'leistung-status', 'kommunaler-vollzug', 'pruefung', 'katalog', 'mitglieder', 'stichtage']) as a (art)
    where m.rolle = 'admin'
    union all
    select 'kommune-status', m.ags where m.rolle = 'kommune'
    union all
    select 'kommune-status', z.ags from public.kommune_dienstleister z
    where m.rolle = 'dienstleister' and z.dienstleister_id = m.dienstleister_id
    union all
    select a.art, m.themenfeld_id::text
    from pg_catalog.unnest(array['leistung-status', 'pruefung']) as a (art)
    where m.rolle = 'koordination'
  ) r
  where m.email = intern.anmelde_email();
end
$$;
