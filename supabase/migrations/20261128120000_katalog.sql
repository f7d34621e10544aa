-- OZG-Sync catalogue: Themenfelder, Lagen, OZG-Leistungen, Kreise and Kommunen,
-- plus the status tables that coordinators and municipalities edit.
-- Identifiers use the domain's German nouns so that admins can read them in Supabase Studio.

-- Vocabularies from KDN's OZG database (see README, "Datenmodell").
create type public.umsetzungsstatus as enum ('offen', 'in Planung', 'in Umsetzung', 'online');
create type public.prioritaet as enum ('nicht festgelegt', 'niedrig', 'mittel', 'hoch');
create type public.umsetzungsvariante as enum (
  'EfA-Nachnutzung aus anderem Bundesland (in Klärung)',
  'EfA-Nachnutzung aus anderem Bundesland (sicher)',
  'EfA-Entwicklung Land NRW',
  'EfA-Entwicklung KDN',
  'EfA-Entwicklung in Klärung',
  'kein EfA'
);
create type public.entscheidungsstand as enum (
  'Sichtung',
  'Priorisierung',
  'Umsetzungsvariante erarbeitet',
  'Entscheidungsvorschlag',
  'Bestätigung',
  'Mitteilung an OZG-Koordinierungsstelle'
);
-- The maturity model version is kept with every value: model 1.1 (2020) has levels 0-4, model 2.0 (2025) 0-7.
create type public.reifegrad_modell as enum ('1.1', '2.0');
create type public.mitglied_rolle as enum ('admin', 'koordination', 'kommune');

-- Who wrote a row: the email of the signed-in user (JWT claims), else the database user (Studio, psql).
create function public.aktueller_akteur() returns text
language sql stable
set search_path = ''
as $$
  select coalesce(nullif(lower(auth.jwt() ->> 'email'), ''), session_user::text)
$$;

-- Every write to a stamped row bumps version and records when, by whom and in which
-- transaction (txid, the basis of the delta cursor). No-op updates keep the stamp, so
-- saving an unchanged row in Studio does not look like a change.
create function public.zeile_stempeln() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  stempel constant text[] := array['version', 'updated_at', 'updated_by', 'txid'];
begin
  if tg_op = 'UPDATE' then
    if (to_jsonb(new) - stempel) = (to_jsonb(old) - stempel) then
      new.version := old.version;
      new.updated_at := old.updated_at;
      new.updated_by := old.updated_by;
      new.txid := old.txid;
      return new;
    end if;
    new.version := old.version + 1;
  else
    new.version := 1;
  end if;
  new.updated_at := now();
  new.updated_by := public.aktueller_akteur();
  new.txid := pg_current_xact_id();
  return new;
end
$$;

create table public.themenfeld (
  id smallint primary key check (id > 0),
  name text not null unique check (btrim(name) <> '' and char_length(name) <= 200)
);
comment on table public.themenfeld is 'Die 14 OZG-Themenfelder.';

create table public.lage (
  id integer primary key check (id > 0),
  themenfeld_id smallint not null references public.themenfeld (id),
  name text not null check (btrim(name) <> '' and char_length(name) <= 300)
);
comment on table public.lage is 'Lebens- und Unternehmenslagen des OZG-Katalogs.';

create table public.ozg_leistung (
  id uuid primary key default gen_random_uuid(),
  -- Nullable because the coordinators' tables also list Leistungen that KDN's catalogue
  -- has no OZG-ID for (e.g. "Sachkundenachweis" on the 2019 slides).
  ozg_id integer unique check (ozg_id between 10000 and 10601),
  name text not null check (btrim(name) <> '' and char_length(name) <= 500),
  themenfeld_id smallint not null references public.themenfeld (id),
  lage_id integer references public.lage (id),
  leika_anzahl integer check (leika_anzahl >= 0),
  leika_typen text[] not null default '{}' check (leika_typen <@ array['1', '2/3', '4', '5']),
  kommunaler_vollzug boolean not null default false,
  version bigint not null default 1,
  updated_at timestamptz not null default now(),
  updated_by text not null default session_user,
  txid xid8 not null default pg_current_xact_id()
);
comment on table public.ozg_leistung is 'OZG-Leistungen (Leistungsbündel) mit OZG-ID; kommunaler_vollzug: Kommunen führen sie aus.';
create index ozg_leistung_themenfeld_idx on public.ozg_leistung (themenfeld_id);

create table public.kreis (
  kreisschluessel text primary key check (kreisschluessel ~ '^05[0-9]{3}$'),
  name text not null check (btrim(name) <> '' and char_length(name) <= 200),
  typ text not null check (typ in ('Kreis', 'kreisfreie Stadt')),
  regierungsbezirk text check (char_length(regierungsbezirk) <= 200)
);
comment on table public.kreis is 'Kreise und kreisfreie Städte in NRW (Kreisschlüssel = erste 5 Stellen des AGS).';

create table public.kommune (
  -- NRW's Amtliche Gemeindeschlüssel all start with 05.
  ags text primary key check (ags ~ '^05[0-9]{6}$'),
  name text not null check (btrim(name) <> '' and char_length(name) <= 200),
  kreisschluessel text generated always as (left(ags, 5)) stored references public.kreis (kreisschluessel),
  typ text not null check (typ in ('kreisfreie Stadt', 'kreisangehörige Gemeinde')),
  version bigint not null default 1,
  updated_at timestamptz not null default now(),
  updated_by text not null default session_user,
  txid xid8 not null default pg_current_xact_id()
);
comment on table public.kommune is 'Die Kommunen NRWs, Schlüssel ist der Amtliche Gemeindeschlüssel (AGS).';
create index kommune_kreis_idx on public.kommune (kreisschluessel);

-- Further activities per OZG-Leistung (Digitalisierungslabor, DMR projects, GSP, ...): an open
-- vocabulary that admins extend by inserting rows.
create table public.aktivitaet (
  name text primary key check (btrim(name) <> '' and char_length(name) <= 200)
);
comment on table public.aktivitaet is 'Erlaubte Einträge für leistung_status.weitere_aktivitaeten.';
insert into public.aktivitaet (name) values
  ('Digitalisierungslabor'),
  ('Digitalisierungslabor (Kandidat)'),
  ('Digitalisierungslabor (abgeschlossen)'),
  ('Digitalisierungslabor 2020'),
  ('DMR-Projekt'),
  ('DMR-Projekte in OWL'),
  ('DMR Soest'),
  ('GSP');

-- The Themenfeld coordinator's row: one per OZG-Leistung.
create table public.leistung_status (
  id uuid primary key default gen_random_uuid(),
  ozg_leistung_id uuid not null unique references public.ozg_leistung (id),
  online_dienst_nrw boolean,
  weitere_aktivitaeten text[] not null default '{}',
  umsetzungsvariante public.umsetzungsvariante,
  entscheidungsstand public.entscheidungsstand,
  prioritaet public.prioritaet not null default 'nicht festgelegt',
  leistungsverantwortlich text check (char_length(leistungsverantwortlich) <= 300),
  umsetzungsverantwortlich text check (char_length(umsetzungsverantwortlich) <= 300),
  bemerkung text check (char_length(bemerkung) <= 4000),
  version bigint not null default 1,
  updated_at timestamptz not null default now(),
  updated_by text not null default session_user,
  txid xid8 not null default pg_current_xact_id()
);
comment on table public.leistung_status is 'Stand je OZG-Leistung, gepflegt von der Themenfeld-Koordination.';

-- The municipality's row: one per Kommune x OZG-Leistung with kommunaler Vollzug.
create table public.kommune_status (
  id uuid primary key default gen_random_uuid(),
  ags text not null references public.kommune (ags),
  ozg_leistung_id uuid not null references public.ozg_leistung (id),
  status public.umsetzungsstatus not null default 'offen',
  reifegrad smallint,
  reifegrad_modell public.reifegrad_modell not null default '1.1',
  loesung text check (char_length(loesung) <= 500),
  url text check (char_length(url) <= 2048 and url ~ '^https?://[^\s/?#]+\.[^\s]*$'),
  anbieter text check (char_length(anbieter) <= 300),
  zieltermin date check (zieltermin between date '2017-01-01' and date '2099-12-31'),
  inbetriebnahme date check (inbetriebnahme between date '2017-01-01' and date '2099-12-31'),
  ansprechperson text check (char_length(ansprechperson) <= 300),
  bemerkung text check (char_length(bemerkung) <= 4000),
  version bigint not null default 1,
  updated_at timestamptz not null default now(),
  updated_by text not null default session_user,
  txid xid8 not null default pg_current_xact_id(),
  unique (ags, ozg_leistung_id),
  constraint reifegrad_im_modell check (
    reifegrad is null
    or (reifegrad_modell = '1.1' and reifegrad between 0 and 4)
    or (reifegrad_modell = '2.0' and reifegrad between 0 and 7)
  )
);
comment on table public.kommune_status is 'Umsetzungsstand je Kommune und OZG-Leistung mit kommunalem Vollzug.';
create index kommune_status_leistung_idx on public.kommune_status (ozg_leistung_id);

create table public.mitglied (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email = lower(email) and email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and char_length(email) <= 320),
  rolle public.mitglied_rolle not null,
  themenfeld_id smallint references public.themenfeld (id),
  ags text references public.kommune (ags),
  version bigint not null default 1,
  updated_at timestamptz not null default now(),
  updated_by text not null default session_user,
  txid xid8 not null default pg_current_xact_id(),
  constraint mitglied_bereich_passt_zur_rolle check (
    (rolle = 'admin' and themenfeld_id is null and ags is null)
    or (rolle = 'koordination' and themenfeld_id is not null and ags is null)
    or (rolle = 'kommune' and ags is not null and themenfeld_id is null)
  ),
  unique nulls not distinct (email, rolle, themenfeld_id, ags)
);
comment on table public.mitglied is 'Wer was darf: admin (alles), koordination (je Themenfeld), kommune (je AGS).';
create index mitglied_email_idx on public.mitglied (email);

create trigger zeile_stempeln before insert or update on public.ozg_leistung
  for each row execute function public.zeile_stempeln();
create trigger zeile_stempeln before insert or update on public.kommune
  for each row execute function public.zeile_stempeln();
create trigger zeile_stempeln before insert or update on public.leistung_status
  for each row execute function public.zeile_stempeln();
create trigger zeile_stempeln before insert or update on public.kommune_status
  for each row execute function public.zeile_stempeln();
create trigger zeile_stempeln before insert or update on public.mitglied
  for each row execute function public.zeile_stempeln();

-- Arrays cannot carry foreign keys, so the vocabulary of weitere_aktivitaeten is checked here.
create function public.weitere_aktivitaeten_pruefen() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  unbekannt text;
begin
  select a into unbekannt
  from unnest(new.weitere_aktivitaeten) as a
  where not exists (select 1 from public.aktivitaet v where v.name = a)
  limit 1;
  if found then
    raise exception using
      errcode = '23514',
      message = format('Unbekannte weitere Aktivität „%s“.', unbekannt),
      hint = 'Erlaubt sind die Einträge der Tabelle aktivitaet.';
  end if;
  return new;
end
$$;
create trigger weitere_aktivitaeten_pruefen before insert or update of weitere_aktivitaeten on public.leistung_status
  for each row execute function public.weitere_aktivitaeten_pruefen();

-- Status rows exist for every OZG-Leistung and for every Kommune x OZG-Leistung with kommunaler
-- Vollzug, whichever side is added first. Statement-level triggers keep bulk imports to one
-- INSERT ... SELECT each. Security definer: whoever may add a Kommune gets its status rows,
-- regardless of their own write rights on the status tables.
create function public.status_zeilen_fuer_leistungen() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.leistung_status (ozg_leistung_id)
    select n.id from neue n
    on conflict (ozg_leistung_id) do nothing;

    insert into public.kommune_status (ags, ozg_leistung_id)
    select k.ags, n.id from neue n cross join public.kommune k
    where n.kommunaler_vollzug
    on conflict (ags, ozg_leistung_id) do nothing;
  else
    insert into public.kommune_status (ags, ozg_leistung_id)
    select k.ags, n.id
    from neue n
    join alte a on a.id = n.id
    cross join public.kommune k
    where n.kommunaler_vollzug and not a.kommunaler_vollzug
    on conflict (ags, ozg_leistung_id) do nothing;
  end if;
  return null;
end
$$;
create trigger status_zeilen_anlegen after insert on public.ozg_leistung
  referencing new table as neue
  for each statement execute function public.status_zeilen_fuer_leistungen();
create trigger status_zeilen_nachziehen after update on public.ozg_leistung
  referencing new table as neue old table as alte
  for each statement execute function public.status_zeilen_fuer_leistungen();

create function public.status_zeilen_fuer_kommunen() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.kommune_status (ags, ozg_leistung_id)
  select n.ags, l.id from neue n cross join public.ozg_leistung l
  where l.kommunaler_vollzug
  on conflict (ags, ozg_leistung_id) do nothing;
  return null;
end
$$;
create trigger status_zeilen_anlegen after insert on public.kommune
  referencing new table as neue
  for each statement execute function public.status_zeilen_fuer_kommunen();

-- Row-level security is on for every table from the start; without policies only the
-- table owner and service_role (the server's own connection) get through. The policies
-- per role come with the permissions migration.
alter table public.themenfeld enable row level security;
alter table public.lage enable row level security;
alter table public.ozg_leistung enable row level security;
alter table public.kreis enable row level security;
alter table public.kommune enable row level security;
alter table public.aktivitaet enable row level security;
alter table public.leistung_status enable row level security;
alter table public.kommune_status enable row level security;
alter table public.mitglied enable row level security;
