-- An OZG-Leistung hidden by the catalogue import (no longer in the catalogue) leaves every sheet,
-- as one that loses its kommunaler Vollzug does: delta pulls tell clients to drop its rows.
-- Unhiding it brings the rows back through the changed ozg_leistung.txid, like any catalogue change.
create or replace function public.austritte_vermerken() returns trigger
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
  select 'kommune_status', s.ags, s.id
  from neue n join alte a on a.id = n.id join public.kommune_status s on s.ozg_leistung_id = n.id
  where a.kommunaler_vollzug and not a.ausgeblendet and not (n.kommunaler_vollzug and not n.ausgeblendet)
  on conflict (tabelle, bereich, zeile_id) do update set txid = excluded.txid;
  return null;
end
$$;
