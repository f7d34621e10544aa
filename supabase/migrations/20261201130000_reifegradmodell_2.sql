-- Reifegradmodell 2.0 first. Model 2.0 replaced 1.1 in July 2025 (levels 0-7 over 13 criteria;
-- 0-3 the online application, 4-6 process orientation and data behind it, 7 end to end digital:
-- https://ozg.sachsen-anhalt.de/grundlagen/reifegradmodell, state 02-2026). Model 1.1 (June 2020):
-- 0 Offline, 1 Information, 2 Formular-Assistent, 3 Online-Leistung, 4 Online-Transaktion, OZG
-- fulfilled from level 3 (https://ozg.brandenburg.de/ozg/de/service/aktuelle-meldungen/detail/~31-05-2023-schon-gewusst-das-reifegradmodell-nach-dem-ozg,
-- https://digital-direkt.nrw/faq-items/reifegradmodell/). The levels and each model's OZG threshold
-- live here, in one place: progress counts against them, the API and exports show them.

create table public.reifegradmodell (
  modell public.reifegrad_modell primary key,
  bezeichnung text not null,
  stufen smallint not null check (stufen > 0),
  -- from this level a rating counts as OZG-konform
  ozg_konform_ab smallint not null check (ozg_konform_ab between 0 and stufen),
  gueltig_ab date not null,
  erlaeuterung text not null,
  quelle text not null
);
comment on table public.reifegradmodell is 'Die OZG-Reifegradmodelle mit der Stufe, ab der eine Leistung als OZG-konform zählt.';

create table public.reifegrad_stufe (
  modell public.reifegrad_modell not null references public.reifegradmodell (modell),
  stufe smallint not null check (stufe >= 0),
  -- null where the published model names no level title that could be verified
  name text,
  erklaerung text not null,
  primary key (modell, stufe)
);
comment on table public.reifegrad_stufe is 'Die Stufen der Reifegradmodelle mit kurzer Erklärung.';

insert into public.reifegradmodell (modell, bezeichnung, stufen, ozg_konform_ab, gueltig_ab, erlaeuterung, quelle) values
  ('1.1', 'OZG-Reifegradmodell 1.1', 4, 3, '2020-06-01',
   'Stufen 0 bis 4 über zehn Kriterien; das niedrigste Kriterium bestimmt die Stufe. OZG-erfüllt ab Stufe 3.',
   'https://ozg.brandenburg.de/ozg/de/service/aktuelle-meldungen/detail/~31-05-2023-schon-gewusst-das-reifegradmodell-nach-dem-ozg'),
  ('2.0', 'OZG-Reifegradmodell 2.0', 7, 3, '2025-07-01',
   'Stufen 0 bis 7 über 13 Kriterien: 0 bis 3 der Online-Antrag, 4 bis 6 Prozesse und Daten in der Verwaltung, 7 vollständig Ende-zu-Ende digital. Als OZG-konform zählt OZG-Sync ab Stufe 3 (Online-Antrag vollständig), wie im Modell 1.1; eine amtliche Schwelle für 2.0 war nicht zu finden, das Modell gilt zunächst als Orientierungshilfe.',
   'https://ozg.sachsen-anhalt.de/grundlagen/reifegradmodell');

insert into public.reifegrad_stufe (modell, stufe, name, erklaerung) values
  ('1.1', 0, 'Offline', 'Auf der Website der Behörde gibt es keine Informationen zur Leistung.'),
  ('1.1', 1, 'Information', 'Auf der Website der Behörde gibt es Informationen zur Leistung.'),
  ('1.1', 2, 'Formular-Assistent', 'Eine Hilfe beim Ausfüllen des Formulars; online beantragen geht nicht.'),
  ('1.1', 3, 'Online-Leistung', 'Die Leistung lässt sich einschließlich aller Nachweise online beantragen (OZG-erfüllt).'),
  ('1.1', 4, 'Online-Transaktion', 'Die Leistung läuft vollständig digital; Nachweise nach dem Once-Only-Prinzip.'),
  ('2.0', 0, null, 'Die Leistung ist nur offline verfügbar.'),
  ('2.0', 1, null, 'Online-Antragsdienst (Frontend), erste Stufe.'),
  ('2.0', 2, null, 'Online-Antragsdienst (Frontend), zweite Stufe.'),
  ('2.0', 3, null, 'Online-Antragsdienst (Frontend) vollständig; ab hier zählt OZG-Sync die Leistung als OZG-konform.'),
  ('2.0', 4, null, 'Prozessorientierung und Datenzentrierung in der Verwaltung, erste Stufe.'),
  ('2.0', 5, null, 'Prozessorientierung und Datenzentrierung in der Verwaltung, zweite Stufe.'),
  ('2.0', 6, null, 'Durchgängig digital in der Verwaltung; braucht Basiskomponenten wie DeutschlandID, Organisationskonto, NOOTS, E-Akte.'),
  ('2.0', 7, null, 'Die Leistung läuft vollständig Ende-zu-Ende digital.');

alter table public.reifegradmodell enable row level security;
alter table public.reifegrad_stufe enable row level security;
create policy mitglieder_lesen on public.reifegradmodell for select to authenticated using ((select intern.ist_mitglied()));
create policy mitglieder_lesen on public.reifegrad_stufe for select to authenticated using ((select intern.ist_mitglied()));
-- Read-only for everyone: the thresholds change only by migration (supabase/privileges.json).
revoke all on public.reifegradmodell, public.reifegrad_stufe from anon, authenticated;
grant select on public.reifegradmodell, public.reifegrad_stufe to authenticated;

-- New ratings are model 2.0. Rows without a Reifegrad carry no rating yet, so they move to 2.0
-- as well; every rated row keeps its model.
alter table public.kommune_status alter column reifegrad_modell set default '2.0';
update public.kommune_status set reifegrad_modell = '2.0' where reifegrad is null and reifegrad_modell = '1.1';

-- Progress counts each rating against the OZG threshold of its own model, and counts the rows
-- reported online without a Reifegrad, which the threshold cannot count.
drop view public.fortschritt_themenfeld;
drop view public.fortschritt_leistung;
drop view public.fortschritt_kommune;
drop function public.fortschritt(text, smallint, text);

create function public.fortschritt(nach text, nur_themenfeld smallint default null, nur_kreis text default null)
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
  with zeile as (
    select case nach when 'leistung' then l.id::text when 'kommune' then k.ags else l.themenfeld_id::text end as schluessel,
           case nach when 'leistung' then l.name when 'kommune' then k.name else tf.name end as name,
           case nach when 'leistung' then l.ozg_id end as ozg_id,
           case nach when 'kommune' then null else l.themenfeld_id end as themenfeld_id,
           case nach when 'kommune' then k.kreisschluessel end as kreisschluessel,
           s.status,
           s.reifegrad,
           s.reifegrad >= m.ozg_konform_ab as konform
    from public.kommune_status s
    join public.reifegradmodell m on m.modell = s.reifegrad_modell
    join public.ozg_leistung l on l.id = s.ozg_leistung_id
    join public.kommune k on k.ags = s.ags
    join public.themenfeld tf on tf.id = l.themenfeld_id
    where l.kommunaler_vollzug and not l.ausgeblendet and not k.ausgeblendet
      and (nur_themenfeld is null or l.themenfeld_id = nur_themenfeld)
      and (nur_kreis is null or k.kreisschluessel = nur_kreis)
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
  'Umsetzungsstand der Kommunen je OZG-Leistung, Kommune oder Themenfeld (nach = leistung | kommune | themenfeld), optional nur ein Themenfeld oder ein Kreis; OZG-konform je Reifegradmodell ab dessen Schwelle (reifegradmodell.ozg_konform_ab).';

create view public.fortschritt_themenfeld with (security_invoker = true) as
select * from public.fortschritt('themenfeld');
comment on view public.fortschritt_themenfeld is 'Umsetzungsstand der Kommunen je Themenfeld (OZG-konform ab der Schwelle des jeweiligen Reifegradmodells).';

create view public.fortschritt_leistung with (security_invoker = true) as
select * from public.fortschritt('leistung');
comment on view public.fortschritt_leistung is 'Umsetzungsstand der Kommunen je OZG-Leistung.';

create view public.fortschritt_kommune with (security_invoker = true) as
select * from public.fortschritt('kommune');
comment on view public.fortschritt_kommune is 'Umsetzungsstand je Kommune über alle OZG-Leistungen mit kommunalem Vollzug.';

revoke all on function public.fortschritt(text, smallint, text) from public, anon, authenticated;
grant execute on function public.fortschritt(text, smallint, text) to authenticated;
revoke all on public.fortschritt_themenfeld, public.fortschritt_leistung, public.fortschritt_kommune from anon, authenticated;
grant select on public.fortschritt_themenfeld, public.fortschritt_leistung, public.fortschritt_kommune to authenticated;
