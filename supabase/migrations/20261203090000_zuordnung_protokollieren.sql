-- Assigning a Kommune to an IT-Dienstleister gives the provider's members the right to write that
-- Kommune's kommune_status rows: a change of rights like a membership, so it is logged like one
-- (per row, the whole row as old and new value, admins alone read it: themenfeld_id stays null),
-- whoever makes it: the API, Studio or SQL. One trigger function for both tables of rights; its
-- argument names the column that is the entry's bereich (the member's email, the Kommune's AGS).
create function intern.rechte_protokollieren() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  zeile jsonb := to_jsonb(coalesce(new, old));
begin
  insert into public.aenderung (akteur, tabelle, bereich, zeile_id, spalte, alt, neu, version, quelle, push_schluessel)
  values (
    intern.aktueller_akteur(), tg_table_name, zeile ->> tg_argv[0], (zeile ->> 'id')::uuid, '*',
    case when tg_op = 'INSERT' then null else to_jsonb(old) end,
    case when tg_op = 'DELETE' then null else to_jsonb(new) end,
    (zeile ->> 'version')::bigint,
    coalesce(nullif(current_setting('ozg.quelle', true), ''), 'sql'),
    nullif(current_setting('ozg.push', true), '')::uuid
  );
  return null;
end
$$;
revoke all on function intern.rechte_protokollieren() from public, anon, authenticated;

drop trigger mitglied_protokollieren on public.mitglied;
drop function intern.mitglied_protokollieren();
create trigger mitglied_protokollieren after insert or update or delete on public.mitglied
  for each row execute function intern.rechte_protokollieren('email');
create trigger zuordnung_protokollieren after insert or update or delete on public.kommune_dienstleister
  for each row execute function intern.rechte_protokollieren('ags');
