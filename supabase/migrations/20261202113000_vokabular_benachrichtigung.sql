-- Server processes keep the vocabularies of the sheets' columns (enum values, the aktivitaet
-- entries) in memory instead of reading them on every pull. Whatever changes aktivitaet (the API,
-- an import, Studio, plain SQL) tells every listening process to forget them, once per statement;
-- PostgreSQL delivers the notice only when the transaction commits
-- (https://www.postgresql.org/docs/current/sql-notify.html). Enum types change only in migrations,
-- and the server's migration runner sends the same notice after applying any.
create function intern.vokabular_geaendert() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('ozg_vokabular', tg_table_name);
  return null;
end
$$;
revoke execute on function intern.vokabular_geaendert() from public;

create trigger vokabular_geaendert after insert or update or delete or truncate on public.aktivitaet
  for each statement execute function intern.vokabular_geaendert();
