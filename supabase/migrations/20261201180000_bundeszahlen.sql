-- The federal figures, as the Dashboard Digitale Verwaltung counts availability: a Leistung is
-- "flächendeckend" online in an area only where every Kommune of the area offers it, and counted
-- separately where at least one Kommune does (README, section "Bundeskennzahlen"). Only
-- Leistungen with kommunalem Vollzug and Kommunen still on the list count, as in public.fortschritt.

create function public.bundeszahlen(nach text, nur_themenfeld smallint default null, nur_kreis text default null, zum_stichtag bigint default null)
returns table (
  schluessel text,
  name text,
  kommunen integer,
  leistungen integer,
  mindestens_eine_kommune integer,
  flaechendeckend integer,
  zeilen integer,
  ozg_konform integer,
  anteil_ozg_konform numeric
)
language sql stable
set search_path = ''
as $$
  with quelle as (
    select s.ags, s.ozg_leistung_id, l.themenfeld_id, k.kreisschluessel, s.status,
           coalesce(s.reifegrad >= m.ozg_konform_ab, false) as konform
    from public.kommune_status s
    join public.reifegradmodell m on m.modell = s.reifegrad_modell
    join public.ozg_leistung l on l.id = s.ozg_leistung_id
    join public.kommune k on k.ags = s.ags
    where zum_stichtag is null and l.kommunaler_vollzug and not l.ausgeblendet and not k.ausgeblendet
    union all
    select f.ags, f.ozg_leistung_id, f.themenfeld_id, f.kreisschluessel, f.status, f.ozg_konform
    from public.stichtag_status f
    where f.stichtag_id = zum_stichtag
  ),
  gefiltert as (
    select * from quelle q
    where (nur_themenfeld is null or q.themenfeld_id = nur_themenfeld)
      and (nur_kreis is null or q.kreisschluessel = nur_kreis)
  ),
  -- One Leistung in one area: all of NRW (or the chosen Kreis), or each Kreis when counting per Kreis.
  leistung_im_gebiet as (
    select g.ozg_leistung_id, g.themenfeld_id,
           case when nach = 'kreis' then g.kreisschluessel end as kreisschluessel,
           count(*) as zeilen,
           count(*) filter (where g.status = 'online') as online,
           count(*) filter (where g.konform) as konform
    from gefiltert g
    group by g.ozg_leistung_id, g.themenfeld_id, case when nach = 'kreis' then g.kreisschluessel end
  ),
  gruppe as (
    select case nach when 'leistung' then lg.ozg_leistung_id::text when 'kreis' then lg.kreisschluessel else lg.themenfeld_id::text end as schluessel,
           lg.*
    from leistung_im_gebiet lg
  )
  select gr.schluessel,
         case nach when 'leistung' then min(l.name) when 'kreis' then min(kr.name) else min(tf.name) end,
         (select count(distinct g.ags) from gefiltert g
          where case nach when 'leistung' then g.ozg_leistung_id::text when 'kreis' then g.kreisschluessel else g.themenfeld_id::text end = gr.schluessel)::integer,
         count(*)::integer,
         count(*) filter (where gr.online > 0)::integer,
         count(*) filter (where gr.online = gr.zeilen)::integer,
         sum(gr.zeilen)::integer,
         sum(gr.konform)::integer,
         round(sum(gr.konform)::numeric / sum(gr.zeilen), 4)
  from gruppe gr
  join public.ozg_leistung l on l.id = gr.ozg_leistung_id
  join public.themenfeld tf on tf.id = gr.themenfeld_id
  left join public.kreis kr on kr.kreisschluessel = gr.kreisschluessel
  group by gr.schluessel
  order by 2
$$;
comment on function public.bundeszahlen is
  'Bundeskennzahlen je OZG-Leistung, Themenfeld oder Kreis (nach = leistung | themenfeld | kreis): OZG-Leistungen mit kommunalem Vollzug, davon online in mindestens einer Kommune und flächendeckend (in allen Kommunen des Gebiets) online, Anteil OZG-konform; optional nur ein Themenfeld oder Kreis, heute oder zum Stichtag.';

revoke all on function public.bundeszahlen(text, smallint, text, bigint) from public, anon, authenticated;
grant execute on function public.bundeszahlen(text, smallint, text, bigint) to authenticated;
