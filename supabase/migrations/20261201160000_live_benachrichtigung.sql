-- Live updates: the change log tells every listening server process which sheet changed, so that
-- open sheets can pull their delta at once instead of asking once a minute.
--
-- One notification per statement and sheet, not per cell: a push of 10,000 cells is one UPDATE
-- and one notice. The payload names the sheet (kind, scope) and the writing transaction, never a
-- value, because every listener hears every notification regardless of what its caller may read.
-- PostgreSQL delivers notifications only when the transaction commits, in commit order, drops
-- them for rolled-back transactions and folds identical ones of one transaction into a single
-- notice (https://www.postgresql.org/docs/current/sql-notify.html), so two statements of one push
-- on the same sheet still reach a listener once.
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
  gemeldet integer;
begin
  -- materialized: each row is turned into jsonb once, not once per column compared
  with z as materialized (
    select to_jsonb(n) as neu, to_jsonb(a) as alt, l.themenfeld_id
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
    returning bereich
  )
  select pg_catalog.count(pg_catalog.pg_notify(
           'ozg_aenderung',
           pg_catalog.json_build_object('kind', art, 'scope', b.bereich, 'txid', pg_catalog.pg_current_xact_id()::text)::text))
  into gemeldet
  from (select distinct bereich from protokolliert) b;
  return null;
end
$$;
