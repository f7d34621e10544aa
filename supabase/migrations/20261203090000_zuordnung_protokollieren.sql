-- Assigning a Kommune to an IT-Dienstleister gives the provider's members the right to write that
-- Kommune's kommune_status rows: a change of rights like a membership, so it is logged like one
-- (per row, the whole row as old and new value, admins alone read it: themenfeld_id stays null),
-- whoever makes it: the API, Studio or SQL.
create function intern.zuordnung_protokollieren() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  zeile public.kommune_dienstleister := coalesce(new, old);
begin
  insert into public.aenderung (akteur, tabelle, bereich, zeile_id, spalte, alt, neu, version, quelle, push_schluessel)
  values (
    intern.aktueller_akteur(), 'kommune_dienstleister', zeile.ags, zeile.id, '*',
    case when tg_op = 'INSERT' then null else to_jsonb(old) end,
    case when tg_op = 'DELETE' then null else to_jsonb(new) end,
    zeile.version,
    coalesce(nullif(current_setting('ozg.quelle', true), ''), 'sql'),
    nullif(current_setting('ozg.push', true), '')::uuid
  );
  return null;
end
$$;
revoke all on function intern.zuordnung_protokollieren() from public, anon, authenticated;
create trigger zuordnung_protokollieren after insert or update or delete on public.kommune_dienstleister
  for each row execute function intern.zuordnung_protokollieren();
