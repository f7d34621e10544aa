-- The catalogue import (npm run import, POST /api/admin/import): the LeiKa-Leistungen of each
-- OZG-Leistung, a manual override of kommunaler Vollzug, hiding rows the catalogue no longer
-- lists (the import never deletes), and the municipalities' websites from KDN's list.

create table public.leika_leistung (
  id uuid primary key default gen_random_uuid(),
  -- 14 digits for services in the LeiKa; KDN's catalogue also lists services "nicht im LeiKa"
  -- (436 rows) and a few keys of other lengths, so only real LeiKa keys are unique.
  leika_schluessel text not null check (btrim(leika_schluessel) <> '' and char_length(leika_schluessel) <= 100),
  name text not null check (btrim(name) <> '' and char_length(name) <= 500),
  -- empty where KDN assigned the service to no OZG-Leistung (26 rows)
  ozg_leistung_id uuid references public.ozg_leistung (id),
  -- A few LeiKa entries carry two types ("1, 2/3"). Type 2 (Bund regelt, Land vollzieht) and 6
  -- occur in KDN's data next to the combined 2/3.
  leika_typ text check (leika_typ <> '' and string_to_array(leika_typ, ', ') <@ array['1', '2', '2/3', '4', '5', '6']),
  rechtsgrundlage text check (char_length(rechtsgrundlage) <= 4000),
  ausgeblendet boolean not null default false
);
comment on table public.leika_leistung is 'Leistungen des Leistungskatalogs (LeiKa) je OZG-Leistung, mit LeiKa-Typ und Rechtsgrundlage.';
create unique index leika_leistung_schluessel_idx on public.leika_leistung (leika_schluessel)
  where leika_schluessel ~ '^[0-9]{14}$';
create index leika_leistung_ozg_leistung_idx on public.leika_leistung (ozg_leistung_id);

-- KDN's bundles also carry the LeiKa types 2 and 6 (see leika_leistung.leika_typ).
alter table public.ozg_leistung drop constraint ozg_leistung_leika_typen_check;
alter table public.ozg_leistung
  add constraint ozg_leistung_leika_typen_check check (leika_typen <@ array['1', '2', '2/3', '4', '5', '6']),
  -- null: the import derives kommunaler_vollzug from the LeiKa types (any of 2/3, 4, 5)
  add column kommunaler_vollzug_manuell boolean,
  add column ausgeblendet boolean not null default false;
comment on column public.ozg_leistung.kommunaler_vollzug_manuell is
  'Festlegung des kommunalen Vollzugs von Hand; leer: beim Import aus den LeiKa-Typen abgeleitet (2/3, 4 oder 5).';
comment on column public.ozg_leistung.ausgeblendet is 'Nicht mehr im Katalog (Import mit --hide-missing); nie gelöscht.';

-- A manual decision takes effect at once, from Studio or SQL, not only at the next import.
create function public.kommunalen_vollzug_festlegen() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.kommunaler_vollzug := new.kommunaler_vollzug_manuell;
  return new;
end
$$;
create trigger kommunalen_vollzug_festlegen before insert or update on public.ozg_leistung
  for each row when (new.kommunaler_vollzug_manuell is not null)
  execute function public.kommunalen_vollzug_festlegen();

alter table public.kommune
  add column ausgeblendet boolean not null default false,
  add column url text check (char_length(url) <= 2048 and url ~ '^https?://[^\s/?#]+\.[^\s]*$');
comment on column public.kommune.ausgeblendet is 'Nicht mehr im Gemeindeverzeichnis (Import mit --hide-missing); nie gelöscht.';
comment on column public.kommune.url is 'Website der Kommune, aus der Kommunenliste von KDN.';

-- Like the other catalogue tables: members read, admins write; (select …) evaluates once per statement.
alter table public.leika_leistung enable row level security;
create policy mitglieder_lesen on public.leika_leistung for select to authenticated using ((select public.ist_mitglied()));
create policy admins_schreiben on public.leika_leistung for all to authenticated
  using ((select public.ist_admin())) with check ((select public.ist_admin()));
