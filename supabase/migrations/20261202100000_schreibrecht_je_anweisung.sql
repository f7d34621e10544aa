-- The write right asked once per statement instead of once per row.
--
-- intern.darf_schreiben(art, bereich) answers for one bereich; a policy or a pull that asks it
-- with the row's AGS runs the membership lookup for every row (a Kreis sheet: 2,430 calls, about
-- 120 ms of a 140 ms statement on PostgreSQL 15). The rule now lives in intern.schreibrechte(),
-- every right of the signed-in person as rows; darf_schreiben asks it for one bereich, and
-- intern.schreibbare_bereiche(art) hands all bereiche of an art to a statement at once, so a
-- policy reads `bereich = any ((select intern.schreibbare_bereiche(art)))`: an init plan,
-- evaluated once per statement (Supabase, "RLS performance recommendations":
-- https://supabase.com/docs/guides/database/postgres/row-level-security#rls-performance-recommendations).
-- A new role (e.g. IT-Dienstleister) adds its rights to intern.schreibrechte() alone.

-- The kinds of write right; an unknown one is an error, not a silent "no" (see darf_schreiben).
create function intern.schreibart_pruefen(art text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if art is null or art not in ('kommune-status', 'leistung-status', 'kommunaler-vollzug', 'pruefung', 'katalog', 'mitglieder', 'stichtage') then
    raise exception using
      errcode = '22023',
      message = format('Unbekannte Art von Schreibrecht: %s.', coalesce(art, 'keine'));
  end if;
end
$$;
revoke all on function intern.schreibart_pruefen(text) from public, anon, authenticated;

-- Who may write what (the table in migration schreibrecht): one row per right of the signed-in
-- person; a bereich of null is every bereich of the art, which only admins have. The constraint
-- mitglied_bereich_passt_zur_rolle gives every kommune and koordination membership its bereich,
-- so no other membership can produce a null. Security definer: reading mitglied as the caller
-- would run mitglied's own policies, which ask this function.
create function intern.schreibrechte() returns table (art text, bereich text)
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
    select a.art, m.themenfeld_id::text
    from pg_catalog.unnest(array['leistung-status', 'pruefung']) as a (art)
    where m.rolle = 'koordination'
  ) r
  where m.email = intern.anmelde_email()
$$;
revoke all on function intern.schreibrechte() from public, anon, authenticated;

create or replace function intern.darf_schreiben(art text, bereich text) returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  perform intern.schreibart_pruefen(art);
  return exists (
    select 1 from intern.schreibrechte() r
    where r.art = darf_schreiben.art and (r.bereich is null or r.bereich = darf_schreiben.bereich)
  );
end
$$;

-- The bereiche of an art the signed-in person may write one by one: for a policy or a pull to
-- compare each row with, asked once per statement. Every bereich at once (admins) is
-- darf_schreiben(art, null), asked beside it, so that the array stays as short as a membership.
create function intern.schreibbare_bereiche(art text) returns text[]
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  perform intern.schreibart_pruefen(art);
  return array(
    select r.bereich from intern.schreibrechte() r
    where r.art = schreibbare_bereiche.art and r.bereich is not null
    order by r.bereich
  );
end
$$;
comment on function intern.schreibbare_bereiche(text) is
  'Die Bereiche (AGS, Themenfeld-Nummern), in denen die angemeldete Person diese Art einzeln ändern darf; alle Bereiche zugleich sagt darf_schreiben(art, null).';
revoke all on function intern.schreibbare_bereiche(text) from public, anon;
grant execute on function intern.schreibbare_bereiche(text) to authenticated;

-- Both init plans: OR stops at an admin's true, a member's AGS is compared with a short array.
alter policy kommune_schreibt on public.kommune_status
  using (
    (select intern.darf_schreiben('kommune-status', null))
    or ags = any ((select intern.schreibbare_bereiche('kommune-status'))::text[])
  )
  with check (
    (select intern.darf_schreiben('kommune-status', null))
    or ags = any ((select intern.schreibbare_bereiche('kommune-status'))::text[])
  );

-- The Themenfeld still comes from the row's Leistung, but the membership is read once.
alter policy koordination_schreibt on public.leistung_status
  using (
    (select intern.darf_schreiben('leistung-status', null))
    or intern.themenfeld_der_leistung(ozg_leistung_id)::text = any ((select intern.schreibbare_bereiche('leistung-status'))::text[])
  )
  with check (
    (select intern.darf_schreiben('leistung-status', null))
    or intern.themenfeld_der_leistung(ozg_leistung_id)::text = any ((select intern.schreibbare_bereiche('leistung-status'))::text[])
  );

alter policy admin_und_koordination_pruefen on public.aenderung
  using (
    (select intern.darf_schreiben('pruefung', null))
    or themenfeld_id::text = any ((select intern.schreibbare_bereiche('pruefung'))::text[])
  )
  with check (
    (select intern.darf_schreiben('pruefung', null))
    or themenfeld_id::text = any ((select intern.schreibbare_bereiche('pruefung'))::text[])
  );

-- Kommunaler Vollzug: the correlated exists of migration kommunaler_vollzug stays a subplan per
-- row inside a policy (PostgreSQL does not turn a policy's sublinks into joins), one index probe
-- of ozg_leistung for each status row. Uncorrelated, the planner builds a hashed subplan once per
-- statement from the municipal Leistungen, which the partial index below lists without reading
-- the whole catalogue. The rule is the same: the row's Leistung has kommunaler Vollzug and is not hidden.
create index ozg_leistung_kommunal_idx on public.ozg_leistung (id) where kommunaler_vollzug and not ausgeblendet;

alter policy nur_kommunaler_vollzug on public.kommune_status
  using (ozg_leistung_id in (select l.id from public.ozg_leistung l where l.kommunaler_vollzug and not l.ausgeblendet));

-- The delta of a leistung-kommunen sheet (one Leistung in every Kommune) reads the rows of its
-- Leistung from the cursor on, as a Kommune's delta reads (ags, txid). The index also serves the
-- foreign key to ozg_leistung, which the one-column index did.
create index kommune_status_leistung_delta_idx on public.kommune_status (ozg_leistung_id, txid);
drop index public.kommune_status_leistung_idx;
