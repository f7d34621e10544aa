-- Review of the change log and progress reports, for the API and for admins in Supabase Studio.

-- Column labels as users see them in sheets, the pane and Studio. The API's sheet descriptions
-- (server/sync/sheets.ts) carry the same labels; a test keeps the two equal.
comment on column public.kommune_status.status is 'Status';
comment on column public.kommune_status.reifegrad is 'Reifegrad';
comment on column public.kommune_status.reifegrad_modell is 'Reifegradmodell';
comment on column public.kommune_status.loesung is 'Lösung';
comment on column public.kommune_status.url is 'URL';
comment on column public.kommune_status.anbieter is 'Anbieter';
comment on column public.kommune_status.zieltermin is 'Zieltermin';
comment on column public.kommune_status.inbetriebnahme is 'Inbetriebnahme';
comment on column public.kommune_status.ansprechperson is 'Ansprechperson';
comment on column public.kommune_status.bemerkung is 'Bemerkung';
comment on column public.leistung_status.online_dienst_nrw is 'Online-Dienst in NRW';
comment on column public.leistung_status.weitere_aktivitaeten is 'Weitere Aktivitäten';
comment on column public.leistung_status.umsetzungsvariante is 'Umsetzungsvariante';
comment on column public.leistung_status.entscheidungsstand is 'Entscheidungsstand';
comment on column public.leistung_status.prioritaet is 'Priorität';
comment on column public.leistung_status.leistungsverantwortlich is 'Leistungsverantwortlich';
comment on column public.leistung_status.umsetzungsverantwortlich is 'Umsetzungsverantwortlich';
comment on column public.leistung_status.bemerkung is 'Bemerkung';

-- Reviewing stamps who and when, whatever path it comes by (API, Studio, SQL), and happens once:
-- the first reviewer stays on record.
create function public.pruefung_stempeln() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.geprueft_am is null then
    raise exception using
      errcode = '42501',
      message = 'Eine Prüfung kann nicht zurückgenommen werden.';
  end if;
  if old.geprueft_am is not null then
    raise exception using
      errcode = '23514',
      message = format('Die Änderung %s wurde schon am %s von %s geprüft.', old.id, old.geprueft_am, old.geprueft_von);
  end if;
  new.geprueft_von := public.aktueller_akteur();
  new.geprueft_am := now();
  return new;
end
$$;
create trigger pruefung_stempeln before update of geprueft_von, geprueft_am on public.aenderung
  for each row execute function public.pruefung_stempeln();

-- The change log with names instead of ids: which Kommune or Themenfeld, which OZG-Leistung,
-- which column label. security_invoker: each reader sees only the entries RLS lets them read.
create view public.aenderung_lesbar with (security_invoker = true) as
select a.id,
       a.zeitpunkt,
       a.akteur,
       a.quelle,
       a.push_schluessel,
       a.txid::text as txid,
       a.tabelle,
       a.bereich,
       case a.tabelle
         when 'kommune_status' then k.name
         when 'leistung_status' then tf.name
         else a.bereich
       end as bereich_name,
       a.themenfeld_id,
       l.ozg_id,
       l.name as leistung,
       a.zeile_id,
       a.spalte,
       coalesce(pg_catalog.col_description(('public.' || a.tabelle)::regclass, att.attnum), a.spalte) as spalte_label,
       a.alt,
       a.neu,
       a.version,
       a.geprueft_von,
       a.geprueft_am
from public.aenderung a
left join public.kommune_status ks on a.tabelle = 'kommune_status' and ks.id = a.zeile_id
left join public.leistung_status ls on a.tabelle = 'leistung_status' and ls.id = a.zeile_id
left join public.ozg_leistung l on l.id = coalesce(ks.ozg_leistung_id, ls.ozg_leistung_id)
left join public.kommune k on a.tabelle = 'kommune_status' and k.ags = a.bereich
left join public.themenfeld tf on tf.id = a.themenfeld_id
left join pg_catalog.pg_attribute att
  on att.attrelid = ('public.' || a.tabelle)::regclass and att.attname = a.spalte and not att.attisdropped;
comment on view public.aenderung_lesbar is 'Änderungsprotokoll mit Namen: Kommune bzw. Themenfeld, OZG-Leistung, Spaltenbeschriftung.';

create view public.pruefung_offen with (security_invoker = true) as
select * from public.aenderung_lesbar where geprueft_am is null;
comment on view public.pruefung_offen is 'Noch nicht geprüfte Änderungen, neueste zuerst nach id; Admins sehen alle, Koordination ihre Themenfelder.';

-- Progress of the municipalities: kommune_status rows of municipal OZG-Leistungen, counted per
-- status and Reifegrad and grouped by OZG-Leistung, Kommune or Themenfeld. The OZG counts a
-- Leistung as fulfilled from Reifegrad 3. One function, so that the API's filtered reports and
-- the views for Studio count the same way.
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
  anteil_ab_reifegrad_3 numeric
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
           s.reifegrad
    from public.kommune_status s
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
         count(*) filter (where reifegrad >= 3)::integer,
         round(count(*) filter (where reifegrad >= 3)::numeric / count(*), 4)
  from zeile
  group by schluessel, name, ozg_id, themenfeld_id, kreisschluessel
  order by ozg_id nulls last, name
$$;
comment on function public.fortschritt is
  'Umsetzungsstand der Kommunen je OZG-Leistung, Kommune oder Themenfeld (nach = leistung | kommune | themenfeld), optional nur ein Themenfeld oder ein Kreis.';

create view public.fortschritt_themenfeld with (security_invoker = true) as
select * from public.fortschritt('themenfeld');
comment on view public.fortschritt_themenfeld is 'Umsetzungsstand der Kommunen je Themenfeld (Anteil ab Reifegrad 3 = OZG-erfüllt).';

create view public.fortschritt_leistung with (security_invoker = true) as
select * from public.fortschritt('leistung');
comment on view public.fortschritt_leistung is 'Umsetzungsstand der Kommunen je OZG-Leistung.';

create view public.fortschritt_kommune with (security_invoker = true) as
select * from public.fortschritt('kommune');
comment on view public.fortschritt_kommune is 'Umsetzungsstand je Kommune über alle OZG-Leistungen mit kommunalem Vollzug.';
