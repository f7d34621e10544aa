-- Who has reported: per Kommune the last change to its kommune_status rows (when and by whom, as
-- the change log records it) and how many of its rows changed since a date, so that a coordinator
-- can remind the Kommunen that have not reported since.
--
-- Read from the rows' own stamps (public.zeile_stempeln), not from the change log: every logged
-- change sets updated_at and updated_by (the log's zeitpunkt and akteur, both now() and
-- aktueller_akteur() of the writing transaction), and a row changed since a date is one whose
-- last change is since then. So the cost is bounded by the 560-odd rows per Kommune, however long
-- the log grows, and every member reads what they may already read in kommune_status. A row never
-- changed since it was created (version 1: a new Kommune or OZG-Leistung) is no report.

-- One probe per Kommune for the last change, one range scan from the date on for the count, both
-- answered from the index alone.
create index kommune_status_meldung_idx on public.kommune_status (ags, updated_at desc)
  include (updated_by, ozg_leistung_id)
  where version > 1;

-- security invoker (a function's default): the caller's row-level security on kommune_status and
-- kommune applies.
create function public.meldungen(seit timestamptz default '-infinity', nur_themenfeld smallint default null, nur_kreis text default null)
returns table (
  ags text,
  name text,
  kreisschluessel text,
  letzte_meldung timestamptz,
  gemeldet_von text,
  zeilen_seit integer
)
language sql stable
set search_path = ''
set jit = off
as $$
  select k.ags, k.name, k.kreisschluessel, letzte.updated_at, letzte.updated_by, coalesce(seitdem.zeilen, 0)
  from public.kommune k
  left join lateral (
    select s.updated_at, s.updated_by
    from public.kommune_status s
    where s.ags = k.ags and s.version > 1
      and (nur_themenfeld is null
           or s.ozg_leistung_id in (select l.id from public.ozg_leistung l where l.themenfeld_id = nur_themenfeld))
    order by s.updated_at desc
    limit 1
  ) letzte on true
  left join lateral (
    select count(*)::integer as zeilen
    from public.kommune_status s
    where s.ags = k.ags and s.version > 1 and s.updated_at >= seit
      and (nur_themenfeld is null
           or s.ozg_leistung_id in (select l.id from public.ozg_leistung l where l.themenfeld_id = nur_themenfeld))
  ) seitdem on true
  where not k.ausgeblendet
    and (nur_kreis is null or k.kreisschluessel = nur_kreis)
  order by k.name
$$;
comment on function public.meldungen is
  'Je Kommune die letzte Änderung an ihren Statuszeilen (Zeitpunkt, wer) und wie viele ihrer Zeilen seit seit geändert wurden (ohne seit: überhaupt je; seit null zählt nichts), optional nur Zeilen der OZG-Leistungen eines Themenfelds und nur Kommunen eines Kreises.';

revoke all on function public.meldungen(timestamptz, smallint, text) from public, anon, authenticated;
grant execute on function public.meldungen(timestamptz, smallint, text) to authenticated;
