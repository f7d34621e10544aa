-- Kommunaler Vollzug as admins decide it, per OZG-Leistung, in bulk (the sheet "Kommunaler
-- Vollzug" and the catalogue import's column kommunaler_vollzug).
--
-- A Leistung that loses kommunaler Vollzug keeps every kommune_status row: the rows are only
-- hidden, here in the database and not just in the API, so that supabase-js, PostgREST and Studio
-- queries as a member see what a pull sees. Setting Vollzug again shows the same rows, unchanged
-- (status_zeilen_nachziehen inserts only the rows that are missing).

-- Restrictive: combined with AND with the members' read and write policies, for admins too. The
-- table owner (npm run import, Studio as postgres) and the Stichtag trigger (security definer)
-- still see every row. The exists is planned as a semi-join with the pull's own join.
create policy nur_kommunaler_vollzug on public.kommune_status as restrictive for all to authenticated
  using (exists (
    select 1 from public.ozg_leistung l
    where l.id = kommune_status.ozg_leistung_id and l.kommunaler_vollzug and not l.ausgeblendet
  ));

comment on column public.ozg_leistung.kommunaler_vollzug is 'Kommunaler Vollzug';

-- Every change of kommunaler Vollzug is logged like a pushed cell, whoever makes it: the sheet
-- (source and push key of the API), the catalogue import (source import), Studio or SQL. One entry
-- per Leistung in the column kommunaler_vollzug, the sheet's column, so that a revert of the entry
-- goes through the sheet like any other. Listening servers hear of the Vollzug sheet of the
-- Themenfeld and of every Kommune's sheet, whose rows leave or come back.
create function intern.vollzug_protokollieren() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  quelle text := coalesce(nullif(current_setting('ozg.quelle', true), ''), 'sql');
  push uuid := nullif(current_setting('ozg.push', true), '')::uuid;
  gemeldet integer;
begin
  with protokolliert as (
    insert into public.aenderung
      (akteur, tabelle, bereich, themenfeld_id, zeile_id, spalte, alt, neu, version, quelle, push_schluessel)
    select n.updated_by, 'ozg_leistung', n.themenfeld_id::text, n.themenfeld_id, n.id, 'kommunaler_vollzug',
           pg_catalog.to_jsonb(a.kommunaler_vollzug), pg_catalog.to_jsonb(n.kommunaler_vollzug), n.version, quelle, push
    from neue n join alte a on a.id = n.id
    where n.kommunaler_vollzug is distinct from a.kommunaler_vollzug
    returning bereich
  ),
  blaetter as (
    select distinct 'kommunaler-vollzug' as art, p.bereich from protokolliert p
    union all
    select 'kommune-status', k.ags from public.kommune k where exists (select 1 from protokolliert)
  )
  select pg_catalog.count(pg_catalog.pg_notify(
           'ozg_aenderung',
           pg_catalog.json_build_object('kind', b.art, 'scope', b.bereich, 'txid', pg_catalog.pg_current_xact_id()::text)::text))
  into gemeldet
  from blaetter b;
  return null;
end
$$;
revoke all on function intern.vollzug_protokollieren() from public;
create trigger vollzug_protokollieren after update on public.ozg_leistung
  referencing old table as alte new table as neue
  for each statement execute function intern.vollzug_protokollieren();

-- The Vollzug sheet's rows are the OZG-Leistungen of a Themenfeld: a Leistung that moves to another
-- Themenfeld or is hidden leaves that sheet too, as its leistung_status row leaves the Themenfeld-Übersicht.
create or replace function intern.austritte_vermerken() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.zeile_ausgetreten (tabelle, bereich, zeile_id)
  select 'leistung_status', a.themenfeld_id::text, s.id
  from neue n join alte a on a.id = n.id join public.leistung_status s on s.ozg_leistung_id = n.id
  where not a.ausgeblendet and (n.themenfeld_id <> a.themenfeld_id or n.ausgeblendet)
  on conflict (tabelle, bereich, zeile_id) do update set txid = excluded.txid;

  insert into public.zeile_ausgetreten (tabelle, bereich, zeile_id)
  select 'ozg_leistung', a.themenfeld_id::text, n.id
  from neue n join alte a on a.id = n.id
  where not a.ausgeblendet and (n.themenfeld_id <> a.themenfeld_id or n.ausgeblendet)
  on conflict (tabelle, bereich, zeile_id) do update set txid = excluded.txid;

  insert into public.zeile_ausgetreten (tabelle, bereich, zeile_id)
  select 'kommune_status', s.ags, s.id
  from neue n join alte a on a.id = n.id join public.kommune_status s on s.ozg_leistung_id = n.id
  where a.kommunaler_vollzug and not a.ausgeblendet and not (n.kommunaler_vollzug and not n.ausgeblendet)
  on conflict (tabelle, bereich, zeile_id) do update set txid = excluded.txid;
  return null;
end
$$;

-- The change log names the Leistung and Themenfeld of a Vollzug entry as it does for the status tables.
create or replace view public.aenderung_lesbar with (security_invoker = true) as
select a.id,
       a.zeitpunkt,
       a.akteur,
       a.quelle,
       a.push_schluessel,
       a.txid::text as txid,
       a.tabelle,
       a.bereich,
       case a.tabelle
         when 'kommune_status' then k.name
         when 'leistung_status' then tf.name
         when 'ozg_leistung' then tf.name
         else a.bereich
       end as bereich_name,
       a.themenfeld_id,
       l.ozg_id,
       l.name as leistung,
       a.zeile_id,
       a.spalte,
       coalesce(pg_catalog.col_description(('public.' || a.tabelle)::regclass, att.attnum), a.spalte) as spalte_label,
       a.alt,
       a.neu,
       a.version,
       a.geprueft_von,
       a.geprueft_am
from public.aenderung a
left join public.kommune_status ks on a.tabelle = 'kommune_status' and ks.id = a.zeile_id
left join public.leistung_status ls on a.tabelle = 'leistung_status' and ls.id = a.zeile_id
left join public.ozg_leistung l
  on l.id = coalesce(ks.ozg_leistung_id, ls.ozg_leistung_id, case when a.tabelle = 'ozg_leistung' then a.zeile_id end)
left join public.kommune k on a.tabelle = 'kommune_status' and k.ags = a.bereich
left join public.themenfeld tf on tf.id = a.themenfeld_id
left join pg_catalog.pg_attribute att
  on att.attrelid = ('public.' || a.tabelle)::regclass and att.attname = a.spalte and not att.attisdropped;
