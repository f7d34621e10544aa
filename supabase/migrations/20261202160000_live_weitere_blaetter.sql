-- Live updates for the sheets that show kommune_status rows under a scope other than the AGS:
-- leistung-kommunen (scope: the Leistung's OZG-ID) and the IT-Dienstleister's kommune-status sheet
-- (scope: dl:<provider id>). The Kreis sheet needs nothing here: its scope is the AGS's first five
-- digits, which the server's LiveHub derives from the AGS notice itself.
--
-- The trigger knows each changed row's Leistung and the Kommune's provider at the moment of the
-- change, in the writing transaction, so every server process hears the same precise notices and
-- no process needs a cache of the AGS→provider mapping that could go stale.
--
-- Bound: a statement touching the rows of more than 100 distinct Leistungen (a bulk import over
-- the whole catalogue: 18,000 rows of 460 Leistungen) sends one notice with scope '*' instead of
-- one per Leistung; the LiveHub tells it to every open leistung-kommunen sheet, each of which then
-- does one delta pull. Each notice is a separate pg_notify of ~100 bytes, far below the 8000-byte
-- payload limit (https://www.postgresql.org/docs/current/sql-notify.html).
create or replace function intern.aenderungen_protokollieren() returns trigger
language plpgsql
security definer
set search_path = ''
set jit = off
as $$
declare
  quelle text := coalesce(nullif(current_setting('ozg.quelle', true), ''), 'sql');
  push uuid := nullif(current_setting('ozg.push', true), '')::uuid;
  fest constant text[] := array['id', 'version', 'updated_at', 'updated_by', 'txid', 'ags', 'ozg_leistung_id'];
  art constant text := replace(tg_table_name, '_', '-');
  hoechstens_leistungen constant integer := 100;
  tx constant text := pg_catalog.pg_current_xact_id()::text;
  gemeldet integer;
begin
  -- materialized: each row is turned into jsonb once, not once per column compared
  with z as materialized (
    select to_jsonb(n) as neu, to_jsonb(a) as alt, l.themenfeld_id,
           case when l.kommunaler_vollzug and not l.ausgeblendet then l.ozg_id end as ozg_id
    from neue n join alte a on a.id = n.id join public.ozg_leistung l on l.id = n.ozg_leistung_id
  ),
  protokolliert as (
    insert into public.aenderung
      (akteur, tabelle, bereich, themenfeld_id, zeile_id, spalte, alt, neu, version, quelle, push_schluessel)
    select z.neu ->> 'updated_by',
           tg_table_name,
           case tg_table_name when 'kommune_status' then z.neu ->> 'ags' else z.themenfeld_id::text end,
           z.themenfeld_id,
           (z.neu ->> 'id')::uuid,
           e.key,
           z.alt -> e.key,
           e.value,
           (z.neu ->> 'version')::bigint,
           quelle,
           push
    from z cross join lateral jsonb_each(z.neu) e
    where not (e.key = any (fest)) and (z.alt -> e.key) is distinct from e.value
    returning bereich, zeile_id
  ),
  -- Only rows with a logged change notify, as before: a no-op UPDATE tells no one.
  geaendert as materialized (
    select distinct p.bereich, z.ozg_id, z.neu ->> 'ags' as ags
    from protokolliert p join z on (z.neu ->> 'id')::uuid = p.zeile_id
  ),
  leistungen as (select pg_catalog.count(distinct g.ozg_id) as anzahl from geaendert g)
  select pg_catalog.count(pg_catalog.pg_notify(
           'ozg_aenderung',
           pg_catalog.json_build_object('kind', s.kind, 'scope', s.scope, 'txid', tx)::text))
  into gemeldet
  from (
    select distinct art as kind, g.bereich as scope from geaendert g
    union all
    select 'leistung-kommunen', l.scope
    from (select distinct g.ozg_id::text as scope from geaendert g where g.ozg_id is not null) l
    where tg_table_name = 'kommune_status'
      and (select anzahl from leistungen) <= hoechstens_leistungen
    union all
    select 'leistung-kommunen', '*'
    where tg_table_name = 'kommune_status'
      and (select anzahl from leistungen) > hoechstens_leistungen
    union all
    select distinct 'kommune-status', 'dl:' || zd.dienstleister_id
    from geaendert g join public.kommune_dienstleister zd on zd.ags = g.ags
    where tg_table_name = 'kommune_status'
  ) s;
  return null;
end
$$;

-- A Kommune that joins or leaves a provider changes the rows of both providers' sheets.
create function intern.zuordnung_live_melden() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  gemeldet integer;
begin
  select pg_catalog.count(pg_catalog.pg_notify(
           'ozg_aenderung',
           pg_catalog.json_build_object('kind', 'kommune-status', 'scope', d.scope, 'txid', pg_catalog.pg_current_xact_id()::text)::text))
  into gemeldet
  from (
    select 'dl:' || old.dienstleister_id as scope where tg_op in ('UPDATE', 'DELETE')
    union
    select 'dl:' || new.dienstleister_id where tg_op in ('UPDATE', 'INSERT')
  ) d;
  return null;
end
$$;
revoke all on function intern.zuordnung_live_melden() from public, anon, authenticated;
create trigger zuordnung_live_melden after insert or delete or update of dienstleister_id on public.kommune_dienstleister
  for each row execute function intern.zuordnung_live_melden();
