-- Who may see and change what, enforced by row-level security for every path into the data:
-- the Hono API (which runs each request as role authenticated with the caller's JWT claims, as
-- PostgREST does), supabase-js and PostgREST clients, and Supabase Studio.
--
-- admin         reads and writes everything, manages mitglied, reviews changes
-- koordination  reads everything; writes leistung_status of its Themenfelder; reviews changes there
-- kommune       reads catalogue and every municipality's status; writes only its own kommune_status
-- no membership reads nothing

-- The caller's email from the JWT (lower-cased, as identities are compared case-insensitively).
create function public.anmelde_email() returns text
language sql stable
set search_path = ''
as $$
  select nullif(lower(auth.jwt() ->> 'email'), '')
$$;

-- Security definer: policies on mitglied itself would otherwise recurse. The policies below call
-- these inside (select …), so PostgreSQL evaluates them once per statement, not once per row.
create function public.ist_mitglied() returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.mitglied m where m.email = public.anmelde_email())
$$;

create function public.ist_admin() returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.mitglied m where m.email = public.anmelde_email() and m.rolle = 'admin')
$$;

create function public.meine_themenfelder() returns smallint[]
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.themenfeld_id), '{}') from public.mitglied m
  where m.email = public.anmelde_email() and m.rolle = 'koordination'
$$;

create function public.meine_kommunen() returns text[]
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.ags), '{}') from public.mitglied m
  where m.email = public.anmelde_email() and m.rolle = 'kommune'
$$;

create function public.themenfeld_der_leistung(leistung uuid) returns smallint
language sql stable
security definer
set search_path = ''
as $$
  select l.themenfeld_id from public.ozg_leistung l where l.id = leistung
$$;

-- Catalogue: members read, admins write.
do $$
declare
  tabelle text;
begin
  foreach tabelle in array array['themenfeld', 'lage', 'ozg_leistung', 'kreis', 'kommune', 'aktivitaet', 'zeile_ausgetreten'] loop
    execute format('create policy mitglieder_lesen on public.%I for select to authenticated using ((select public.ist_mitglied()))', tabelle);
    execute format(
      'create policy admins_schreiben on public.%I for all to authenticated using ((select public.ist_admin())) with check ((select public.ist_admin()))',
      tabelle);
  end loop;
end
$$;

create policy mitglieder_lesen on public.leistung_status for select to authenticated using ((select public.ist_mitglied()));
create policy koordination_schreibt on public.leistung_status for update to authenticated
  using ((select public.ist_admin()) or public.themenfeld_der_leistung(ozg_leistung_id) = any ((select public.meine_themenfelder())::smallint[]))
  with check ((select public.ist_admin()) or public.themenfeld_der_leistung(ozg_leistung_id) = any ((select public.meine_themenfelder())::smallint[]));

create policy mitglieder_lesen on public.kommune_status for select to authenticated using ((select public.ist_mitglied()));
create policy kommune_schreibt on public.kommune_status for update to authenticated
  using ((select public.ist_admin()) or ags = any ((select public.meine_kommunen())::text[]))
  with check ((select public.ist_admin()) or ags = any ((select public.meine_kommunen())::text[]));

create policy eigene_oder_admin on public.mitglied for select to authenticated
  using (email = (select public.anmelde_email()) or (select public.ist_admin()));
create policy admins_verwalten on public.mitglied for all to authenticated
  using ((select public.ist_admin())) with check ((select public.ist_admin()));

-- Change log: coordinators see and review their Themenfelder (aenderung.themenfeld_id).
create policy admin_und_koordination_lesen on public.aenderung for select to authenticated
  using ((select public.ist_admin()) or themenfeld_id = any ((select public.meine_themenfelder())::smallint[]));
create policy admin_und_koordination_pruefen on public.aenderung for update to authenticated
  using ((select public.ist_admin()) or themenfeld_id = any ((select public.meine_themenfelder())::smallint[]))
  with check ((select public.ist_admin()) or themenfeld_id = any ((select public.meine_themenfelder())::smallint[]));

-- Memberships are writes like any other: logged per row, with the whole row as old/new value.
create function public.mitglied_protokollieren() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  zeile public.mitglied := coalesce(new, old);
begin
  insert into public.aenderung (akteur, tabelle, bereich, zeile_id, spalte, alt, neu, version, quelle, push_schluessel)
  values (
    public.aktueller_akteur(), 'mitglied', zeile.email, zeile.id, '*',
    case when tg_op = 'INSERT' then null else to_jsonb(old) end,
    case when tg_op = 'DELETE' then null else to_jsonb(new) end,
    zeile.version,
    coalesce(nullif(current_setting('ozg.quelle', true), ''), 'sql'),
    nullif(current_setting('ozg.push', true), '')::uuid
  );
  return null;
end
$$;
create trigger mitglied_protokollieren after insert or update or delete on public.mitglied
  for each row execute function public.mitglied_protokollieren();

-- Push receipts: a caller stores its own; looking one up must see every caller's, so that a key
-- reused by someone else is a 409 and not a duplicate-key error.
create policy eigene_quittungen on public.push_quittung for insert to authenticated
  with check (akteur = public.aktueller_akteur());

create function public.push_quittung_lesen(schluessel uuid)
returns table (inhalt_hash text, antwort jsonb)
language sql stable
security definer
set search_path = ''
as $$
  select q.inhalt_hash, q.antwort from public.push_quittung q where q.schluessel = push_quittung_lesen.schluessel
$$;

create function public.push_quittungen_aufraeumen(tage integer) returns void
language sql
security definer
set search_path = ''
as $$
  delete from public.push_quittung where erstellt_am < now() - make_interval(days => tage)
$$;
