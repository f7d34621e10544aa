-- Stichtage: OZG 2.0 (§ 11) asks for monitoring at survey dates. A Stichtag freezes, in the
-- database, the status of every counted kommune_status row as of the moment it is set, together
-- with what the progress figures need (Themenfeld, Kreis, whether the rating is OZG-konform under
-- its model's threshold then). Nothing about it can change afterwards.

create table public.stichtag (
  id bigint generated always as identity primary key,
  datum date not null,
  bezeichnung text not null check (length(btrim(bezeichnung)) between 1 and 200),
  erstellt_am timestamptz not null default now(),
  erstellt_von text not null default coalesce(intern.anmelde_email(), current_user)
);
comment on table public.stichtag is 'Stichtage (Erhebungen): der eingefrorene Umsetzungsstand aller Kommunen zu einem Zeitpunkt.';

create table public.stichtag_status (
  stichtag_id bigint not null references public.stichtag (id),
  ags text not null,
  ozg_leistung_id uuid not null,
  themenfeld_id smallint not null,
  kreisschluessel text,
  status public.umsetzungsstatus not null,
  reifegrad smallint,
  reifegrad_modell public.reifegrad_modell not null,
  ozg_konform boolean not null,
  primary key (stichtag_id, ags, ozg_leistung_id)
);
comment on table public.stichtag_status is 'Der Umsetzungsstand je Kommune und OZG-Leistung, wie er zu einem Stichtag stand (unveränderlich).';

-- Runs as the owner so that the snapshot holds every counted row whatever the admin's session may read.
create function intern.stichtag_einfrieren() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.stichtag_status
    (stichtag_id, ags, ozg_leistung_id, themenfeld_id, kreisschluessel, status, reifegrad, reifegrad_modell, ozg_konform)
  select new.id, s.ags, s.ozg_leistung_id, l.themenfeld_id, k.kreisschluessel, s.status, s.reifegrad, s.reifegrad_modell,
         coalesce(s.reifegrad >= m.ozg_konform_ab, false)
  from public.kommune_status s
  join public.reifegradmodell m on m.modell = s.reifegrad_modell
  join public.ozg_leistung l on l.id = s.ozg_leistung_id
  join public.kommune k on k.ags = s.ags
  where l.kommunaler_vollzug and not l.ausgeblendet and not k.ausgeblendet;
  return null;
end
$$;
create trigger stichtag_einfrieren after insert on public.stichtag
  for each row execute function intern.stichtag_einfrieren();

create function intern.stichtag_unveraenderlich() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'Ein Stichtag ist eingefroren: % lässt sich nicht ändern oder löschen.', tg_table_name
    using errcode = 'P0001', hint = 'Für einen neuen Stand einen neuen Stichtag anlegen.';
end
$$;
create trigger stichtag_unveraenderlich before update or delete on public.stichtag
  for each row execute function intern.stichtag_unveraenderlich();
create trigger stichtag_unveraenderlich before update or delete on public.stichtag_status
  for each row execute function intern.stichtag_unveraenderlich();
create trigger stichtag_nicht_leeren before truncate on public.stichtag
  for each statement execute function intern.stichtag_unveraenderlich();
create trigger stichtag_nicht_leeren before truncate on public.stichtag_status
  for each statement execute function intern.stichtag_unveraenderlich();

alter table public.stichtag enable row level security;
alter table public.stichtag_status enable row level security;
create policy mitglieder_lesen on public.stichtag for select to authenticated using ((select intern.ist_mitglied()));
create policy admins_anlegen on public.stichtag for insert to authenticated with check ((select intern.ist_admin()));
create policy mitglieder_lesen on public.stichtag_status for select to authenticated using ((select intern.ist_mitglied()));
-- stichtag_status is written only by the freezing trigger (as owner); no policy lets anyone else insert.
-- Members read, admins add a Stichtag; nobody may update or delete (supabase/privileges.json).
revoke all on public.stichtag, public.stichtag_status from anon, authenticated;
revoke all on sequence public.stichtag_id_seq from anon, authenticated;
grant select, insert on public.stichtag to authenticated;
grant select on public.stichtag_status to authenticated;
revoke all on function intern.stichtag_einfrieren(), intern.stichtag_unveraenderlich() from public, anon, authenticated;

-- Progress as of today or as of a Stichtag: the same counting over the live rows or the frozen ones.
drop view public.fortschritt_themenfeld;
drop view public.fortschritt_leistung;
drop view public.fortschritt_kommune;
drop function public.fortschritt(text, smallint, text);

create function public.fortschritt(nach text, nur_themenfeld smallint default null, nur_kreis text default null, zum_stichtag bigint default null)
returns table (
  schluessel text,
  name text,
  ozg_id integer,
  themenfeld_id smallint,
  kreisschluessel text,
  zeilen integer,
  offen integer,
  in_planung integer,
  in_umsetzung integer,
  online integer,
  reifegrad_ohne integer,
  reifegrad_0 integer,
  reifegrad_1 integer,
  reifegrad_2 integer,
  reifegrad_3 integer,
  reifegrad_4 integer,
  reifegrad_5 integer,
  reifegrad_6 integer,
  reifegrad_7 integer,
  ab_reifegrad_3 integer,
  anteil_ab_reifegrad_3 numeric,
  online_ohne_reifegrad integer
)
language sql stable
set search_path = ''
as $$
  with quelle as (
    select s.ags, s.ozg_leistung_id, l.themenfeld_id, k.kreisschluessel, s.status, s.reifegrad,
           coalesce(s.reifegrad >= m.ozg_konform_ab, false) as konform
    from public.kommune_status s
    join public.reifegradmodell m on m.modell = s.reifegrad_modell
    join public.ozg_leistung l on l.id = s.ozg_leistung_id
    join public.kommune k on k.ags = s.ags
    where zum_stichtag is null and l.kommunaler_vollzug and not l.ausgeblendet and not k.ausgeblendet
    union all
    select f.ags, f.ozg_leistung_id, f.themenfeld_id, f.kreisschluessel, f.status, f.reifegrad, f.ozg_konform
    from public.stichtag_status f
    where f.stichtag_id = zum_stichtag
  ),
  zeile as (
    select case nach when 'leistung' then q.ozg_leistung_id::text when 'kommune' then q.ags else q.themenfeld_id::text end as schluessel,
           case nach when 'leistung' then l.name when 'kommune' then k.name else tf.name end as name,
           case nach when 'leistung' then l.ozg_id end as ozg_id,
           case nach when 'kommune' then null else q.themenfeld_id end as themenfeld_id,
           case nach when 'kommune' then q.kreisschluessel end as kreisschluessel,
           q.status, q.reifegrad, q.konform
    from quelle q
    join public.ozg_leistung l on l.id = q.ozg_leistung_id
    join public.kommune k on k.ags = q.ags
    join public.themenfeld tf on tf.id = q.themenfeld_id
    where (nur_themenfeld is null or q.themenfeld_id = nur_themenfeld)
      and (nur_kreis is null or q.kreisschluessel = nur_kreis)
  )
  select schluessel, name, ozg_id, themenfeld_id, kreisschluessel,
         count(*)::integer,
         count(*) filter (where status = 'offen')::integer,
         count(*) filter (where status = 'in Planung')::integer,
         count(*) filter (where status = 'in Umsetzung')::integer,
         count(*) filter (where status = 'online')::integer,
         count(*) filter (where reifegrad is null)::integer,
         count(*) filter (where reifegrad = 0)::integer,
         count(*) filter (where reifegrad = 1)::integer,
         count(*) filter (where reifegrad = 2)::integer,
         count(*) filter (where reifegrad = 3)::integer,
         count(*) filter (where reifegrad = 4)::integer,
         count(*) filter (where reifegrad = 5)::integer,
         count(*) filter (where reifegrad = 6)::integer,
         count(*) filter (where reifegrad = 7)::integer,
         count(*) filter (where konform)::integer,
         round(count(*) filter (where konform)::numeric / count(*), 4),
         count(*) filter (where status = 'online' and reifegrad is null)::integer
  from zeile
  group by schluessel, name, ozg_id, themenfeld_id, kreisschluessel
  order by ozg_id nulls last, name
$$;
comment on function public.fortschritt is
  'Umsetzungsstand der Kommunen je OZG-Leistung, Kommune oder Themenfeld (nach = leistung | kommune | themenfeld), optional nur ein Themenfeld oder ein Kreis, heute oder zum Stichtag zum_stichtag; OZG-konform je Reifegradmodell ab dessen Schwelle.';

create view public.fortschritt_themenfeld with (security_invoker = true) as
select * from public.fortschritt('themenfeld');
comment on view public.fortschritt_themenfeld is 'Umsetzungsstand der Kommunen je Themenfeld (OZG-konform ab der Schwelle des jeweiligen Reifegradmodells).';

create view public.fortschritt_leistung with (security_invoker = true) as
select * from public.fortschritt('leistung');
comment on view public.fortschritt_leistung is 'Umsetzungsstand der Kommunen je OZG-Leistung.';

create view public.fortschritt_kommune with (security_invoker = true) as
select * from public.fortschritt('kommune');
comment on view public.fortschritt_kommune is 'Umsetzungsstand je Kommune über alle OZG-Leistungen mit kommunalem Vollzug.';

revoke all on function public.fortschritt(text, smallint, text, bigint) from public, anon, authenticated;
grant execute on function public.fortschritt(text, smallint, text, bigint) to authenticated;
revoke all on public.fortschritt_themenfeld, public.fortschritt_leistung, public.fortschritt_kommune from anon, authenticated;
grant select on public.fortschritt_themenfeld, public.fortschritt_leistung, public.fortschritt_kommune to authenticated;
