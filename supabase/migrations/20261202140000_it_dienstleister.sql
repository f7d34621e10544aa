-- Municipal IT service providers (kommunale IT-Dienstleister) report for the Kommunen assigned to
-- them. The providers are catalogue data (imported from KDN's list, then kept by admins); which
-- Kommune a provider serves is an admin's assignment; a member with the role dienstleister writes
-- the kommune_status rows of its provider's Kommunen. The rule lives in intern.schreibrechte()
-- like every other write right.

-- Natural key (name, ort): KDN's list has two providers named Südwestfalen-IT (Hemer and Siegen).
create table public.it_dienstleister (
  id integer generated always as identity primary key,
  -- The character rule and web address pattern of migration text_regeln (core/rules.ts).
  name text not null check (btrim(name) <> '' and char_length(name) <= 200)
    constraint it_dienstleister_name_zeichen check (name !~ '[\u0001-\u0008\u000b-\u001f\ufdd0-\ufdef\ufffe-\uffff\U0001fffe-\U0001ffff\U0002fffe-\U0002ffff\U0003fffe-\U0003ffff\U0004fffe-\U0004ffff\U0005fffe-\U0005ffff\U0006fffe-\U0006ffff\U0007fffe-\U0007ffff\U0008fffe-\U0008ffff\U0009fffe-\U0009ffff\U000afffe-\U000affff\U000bfffe-\U000bffff\U000cfffe-\U000cffff\U000dfffe-\U000dffff\U000efffe-\U000effff\U000ffffe-\U000fffff\U0010fffe-\U0010ffff]'),
  ort text not null check (btrim(ort) <> '' and char_length(ort) <= 200)
    constraint it_dienstleister_ort_zeichen check (ort !~ '[\u0001-\u0008\u000b-\u001f\ufdd0-\ufdef\ufffe-\uffff\U0001fffe-\U0001ffff\U0002fffe-\U0002ffff\U0003fffe-\U0003ffff\U0004fffe-\U0004ffff\U0005fffe-\U0005ffff\U0006fffe-\U0006ffff\U0007fffe-\U0007ffff\U0008fffe-\U0008ffff\U0009fffe-\U0009ffff\U000afffe-\U000affff\U000bfffe-\U000bffff\U000cfffe-\U000cffff\U000dfffe-\U000dffff\U000efffe-\U000effff\U000ffffe-\U000fffff\U0010fffe-\U0010ffff]'),
  -- KDN lists mostly a bare host name (citeq.de); the import adds https:// as for the Kommunen.
  url text check (char_length(url) <= 2048 and url ~ '^https?://[^\u0001-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028-\u2029\u202f\u205f\u3000\ufeff/?#]+\.[^\u0001-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028-\u2029\u202f\u205f\u3000\ufeff]*$'),
  version bigint not null default 1,
  updated_at timestamptz not null default now(),
  updated_by text not null default session_user,
  txid xid8 not null default pg_current_xact_id(),
  unique (name, ort)
);
comment on table public.it_dienstleister is 'Kommunale IT-Dienstleister in NRW (KDN-Liste), von Admins gepflegt.';
create trigger zeile_stempeln before insert or update on public.it_dienstleister
  for each row execute function intern.zeile_stempeln();

-- One provider per Kommune: the one that reports for it.
create table public.kommune_dienstleister (
  id uuid primary key default gen_random_uuid(),
  ags text not null unique references public.kommune (ags) on delete cascade,
  dienstleister_id integer not null references public.it_dienstleister (id),
  version bigint not null default 1,
  updated_at timestamptz not null default now(),
  updated_by text not null default session_user,
  txid xid8 not null default pg_current_xact_id()
);
comment on table public.kommune_dienstleister is 'Welcher IT-Dienstleister für eine Kommune meldet (je Kommune einer), von Admins gepflegt.';
create index kommune_dienstleister_dienstleister_idx on public.kommune_dienstleister (dienstleister_id);
create trigger zeile_stempeln before insert or update on public.kommune_dienstleister
  for each row execute function intern.zeile_stempeln();

-- Catalogue tables are not in the change log (only status rows, Vollzug and memberships are).
-- When a Kommune leaves a provider, its rows leave the provider's sheet (scope dl:<id>): recorded
-- so that a delta pull of that sheet drops them.
create function intern.zuordnung_austritte_vermerken() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.zeile_ausgetreten (tabelle, bereich, zeile_id)
  select 'kommune_status', 'dl:' || old.dienstleister_id, s.id from public.kommune_status s where s.ags = old.ags
  on conflict (tabelle, bereich, zeile_id) do update set txid = excluded.txid;
  return null;
end
$$;
revoke all on function intern.zuordnung_austritte_vermerken() from public, anon, authenticated;
create trigger zuordnung_austritte_vermerken after delete or update of dienstleister_id, ags on public.kommune_dienstleister
  for each row execute function intern.zuordnung_austritte_vermerken();

-- The new role. A value added with ALTER TYPE … ADD VALUE cannot be used before its transaction
-- commits ("unsafe use of new value"), and migrations run in one transaction, so the type is
-- rebuilt with the value instead; a type created in the same transaction has no such limit
-- (https://www.postgresql.org/docs/current/sql-altertype.html, Notes).
alter table public.mitglied drop constraint mitglied_bereich_passt_zur_rolle;
alter table public.mitglied drop constraint mitglied_email_rolle_themenfeld_id_ags_key;
alter type public.mitglied_rolle rename to mitglied_rolle_bis_dienstleister;
create type public.mitglied_rolle as enum ('admin', 'koordination', 'kommune', 'dienstleister');
alter table public.mitglied
  alter column rolle type public.mitglied_rolle using rolle::text::public.mitglied_rolle;
drop type public.mitglied_rolle_bis_dienstleister;

alter table public.mitglied add column dienstleister_id integer references public.it_dienstleister (id);
alter table public.mitglied add constraint mitglied_bereich_passt_zur_rolle check (
  (rolle = 'admin' and themenfeld_id is null and ags is null and dienstleister_id is null)
  or (rolle = 'koordination' and themenfeld_id is not null and ags is null and dienstleister_id is null)
  or (rolle = 'kommune' and ags is not null and themenfeld_id is null and dienstleister_id is null)
  or (rolle = 'dienstleister' and dienstleister_id is not null and themenfeld_id is null and ags is null)
);
alter table public.mitglied add constraint mitglied_einmalig
  unique nulls not distinct (email, rolle, themenfeld_id, ags, dienstleister_id);
comment on table public.mitglied is
  'Wer was darf: admin (alles), koordination (je Themenfeld), kommune (je AGS), dienstleister (die Kommunen eines IT-Dienstleisters).';

-- kommune-status: also each Kommune assigned to the provider of a dienstleister membership. The
-- rule of migration 20261202100000_schreibrecht_je_anweisung otherwise unchanged: darf_schreiben,
-- schreibbare_bereiche, the policies and the pull's readOnly flag all read this one function.
create or replace function intern.schreibrechte() returns table (art text, bereich text)
language sql stable
security definer
set search_path = ''
as $$
  select r.art, r.bereich
  from public.mitglied m
  cross join lateral (
    select a.art, null::text as bereich
    from pg_catalog.unnest(array['kommune-status', 'leistung-status', 'kommunaler-vollzug', 'pruefung', 'katalog', 'mitglieder', 'stichtage']) as a (art)
    where m.rolle = 'admin'
    union all
    select 'kommune-status', m.ags where m.rolle = 'kommune'
    union all
    select 'kommune-status', z.ags from public.kommune_dienstleister z
    where m.rolle = 'dienstleister' and z.dienstleister_id = m.dienstleister_id
    union all
    select a.art, m.themenfeld_id::text
    from pg_catalog.unnest(array['leistung-status', 'pruefung']) as a (art)
    where m.rolle = 'koordination'
  ) r
  where m.email = intern.anmelde_email()
$$;

-- Catalogue: members read, admins write (as the other catalogue tables).
alter table public.it_dienstleister enable row level security;
alter table public.kommune_dienstleister enable row level security;
create policy mitglieder_lesen on public.it_dienstleister for select to authenticated using ((select intern.ist_mitglied()));
create policy mitglieder_lesen on public.kommune_dienstleister for select to authenticated using ((select intern.ist_mitglied()));
create policy admins_schreiben on public.it_dienstleister for all to authenticated
  using ((select intern.darf_schreiben('katalog', null))) with check ((select intern.darf_schreiben('katalog', null)));
create policy admins_schreiben on public.kommune_dienstleister for all to authenticated
  using ((select intern.darf_schreiben('katalog', null))) with check ((select intern.darf_schreiben('katalog', null)));

revoke all on public.it_dienstleister, public.kommune_dienstleister from anon, authenticated;
grant select, insert, update, delete on public.it_dienstleister, public.kommune_dienstleister to authenticated;
-- An identity column needs no privilege on its sequence to insert; nobody gets one.
revoke all on sequence public.it_dienstleister_id_seq from anon, authenticated;
