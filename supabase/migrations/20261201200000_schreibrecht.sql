-- Who may write what, decided in one place. Every policy that lets a role write, the API's check
-- before any work (server/auth/caller.ts) and the rights /api/me reports ask this one function,
-- so the rule cannot drift between them (tests/server/auth/schreibrecht.test.ts holds each role
-- against all three).
--
-- art                bereich            who may write
-- kommune-status     AGS                admins; members of that Kommune
-- leistung-status    Themenfeld-Nummer  admins; the coordination of that Themenfeld
-- kommunaler-vollzug Themenfeld-Nummer  admins (the flag on ozg_leistung, a catalogue table)
-- pruefung           Themenfeld-Nummer  admins; the coordination of that Themenfeld (review marks in aenderung)
-- katalog            –                  admins (Themenfelder, Leistungen, Kommunen, Kreise, LeiKa, …)
-- mitglieder         –                  admins
-- stichtage          –                  admins
--
-- Without a bereich (null) the answer is whether the person may write every bereich of the art:
-- only admins may, so a change log entry without a Themenfeld is reviewed by admins alone, and
-- /api/me names the kinds an admin may change instead of listing 396 Kommunen.
--
-- Security definer, as the other membership helpers: a policy on mitglied that read mitglied as
-- the caller would recurse. An unknown art is an error, not a silent "no", so a misspelt policy
-- fails loudly instead of locking everyone out.
create function intern.darf_schreiben(art text, bereich text) returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  if art is null or art not in ('kommune-status', 'leistung-status', 'kommunaler-vollzug', 'pruefung', 'katalog', 'mitglieder', 'stichtage') then
    raise exception using
      errcode = '22023',
      message = format('Unbekannte Art von Schreibrecht: %s.', coalesce(art, 'keine'));
  end if;
  return exists (
    select 1 from public.mitglied m
    where m.email = intern.anmelde_email()
      and (
        m.rolle = 'admin'
        or (art = 'kommune-status' and m.rolle = 'kommune' and m.ags = bereich)
        or (art in ('leistung-status', 'pruefung') and m.rolle = 'koordination' and m.themenfeld_id::text = bereich)
      )
  );
end
$$;
comment on function intern.darf_schreiben(text, text) is
  'Ob die angemeldete Person diese Art (kommune-status, leistung-status, kommunaler-vollzug, pruefung, katalog, mitglieder, stichtage) im Bereich ändern darf; die eine Regel für Policies, API und /api/me.';

-- Policies run their functions as the querying role.
revoke all on function intern.darf_schreiben(text, text) from public, anon;
grant execute on function intern.darf_schreiben(text, text) to authenticated;

-- Rules without a bereich are wrapped in (select …): PostgreSQL then evaluates them once per
-- statement, not once per row. Per-row rules cannot be, the bereich comes from the row.
do $$
declare
  tabelle text;
begin
  foreach tabelle in array array['themenfeld', 'lage', 'ozg_leistung', 'kreis', 'kommune', 'aktivitaet', 'zeile_ausgetreten', 'leika_leistung'] loop
    execute format(
      $sql$alter policy admins_schreiben on public.%I
        using ((select intern.darf_schreiben('katalog', null)))
        with check ((select intern.darf_schreiben('katalog', null)))$sql$,
      tabelle);
  end loop;
end
$$;

alter policy admins_verwalten on public.mitglied
  using ((select intern.darf_schreiben('mitglieder', null)))
  with check ((select intern.darf_schreiben('mitglieder', null)));

alter policy admins_anlegen on public.stichtag
  with check ((select intern.darf_schreiben('stichtage', null)));

alter policy kommune_schreibt on public.kommune_status
  using (intern.darf_schreiben('kommune-status', ags))
  with check (intern.darf_schreiben('kommune-status', ags));

alter policy koordination_schreibt on public.leistung_status
  using (intern.darf_schreiben('leistung-status', intern.themenfeld_der_leistung(ozg_leistung_id)::text))
  with check (intern.darf_schreiben('leistung-status', intern.themenfeld_der_leistung(ozg_leistung_id)::text));

alter policy admin_und_koordination_pruefen on public.aenderung
  using (intern.darf_schreiben('pruefung', themenfeld_id::text))
  with check (intern.darf_schreiben('pruefung', themenfeld_id::text));
