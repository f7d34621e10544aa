-- Who has reported: per Kommune the last change to its kommune_status rows (when, by whom, as the
-- change log records it) and how many of its rows changed since a date, so that a coordinator can
-- remind the Kommunen that have not reported since.

-- The change log is long (one entry per cell) and read here per Kommune, newest first: one probe
-- per Kommune for the last change, one range scan from the date on for the count. zeile_id, akteur
-- and themenfeld_id ride along so that both, and the row-level security on themenfeld_id, are
-- answered from the index alone.
create index aenderung_meldung_idx on public.aenderung (bereich, zeitpunkt desc, id desc)
  include (zeile_id, akteur, themenfeld_id)
  where tabelle = 'kommune_status';

-- security invoker (a function's default): each caller counts only the entries row-level security
-- lets them read, so admins see every change and a coordinator those of their Themenfelder.
create function public.meldungen(seit timestamptz default null, nur_themenfeld smallint default null, nur_kreis text default null)
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
as $$
  select k.ags, k.name, k.kreisschluessel, letzte.zeitpunkt, letzte.akteur, coalesce(seitdem.zeilen, 0)
  from public.kommune k
  left join lateral (
    select a.zeitpunkt, a.akteur
    from public.aenderung a
    where a.tabelle = 'kommune_status' and a.bereich = k.ags
      and (nur_themenfeld is null or a.themenfeld_id = nur_themenfeld)
    order by a.zeitpunkt desc, a.id desc
    limit 1
  ) letzte on true
  left join lateral (
    select count(distinct a.zeile_id)::integer as zeilen
    from public.aenderung a
    where a.tabelle = 'kommune_status' and a.bereich = k.ags
      and (nur_themenfeld is null or a.themenfeld_id = nur_themenfeld)
      and a.zeitpunkt >= coalesce(seit, '-infinity')
  ) seitdem on true
  where not k.ausgeblendet
    and (nur_kreis is null or k.kreisschluessel = nur_kreis)
  order by k.name
$$;
comment on function public.meldungen is
  'Je Kommune die letzte Änderung an ihren Statuszeilen (Zeitpunkt, wer) und wie viele ihrer Zeilen seit seit geändert wurden (ohne seit: insgesamt), optional nur Änderungen eines Themenfelds und nur Kommunen eines Kreises; gezählt wird, was die aufrufende Person im Änderungsprotokoll lesen darf.';

revoke all on function public.meldungen(timestamptz, smallint, text) from public, anon, authenticated;
grant execute on function public.meldungen(timestamptz, smallint, text) to authenticated;
