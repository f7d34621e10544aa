-- The per-row write policies ask intern.darf_schreiben once per row, because the bereich comes
-- from the row. Admins may write every bereich, which darf_schreiben(art, null) answers: asked
-- first and wrapped in (select …), PostgreSQL evaluates it once per statement, and OR stops at
-- the first true, so an admin's update of a whole table (Supabase Studio, an import) no longer
-- runs the membership lookup per row. The rule itself stays in darf_schreiben alone.
alter policy kommune_schreibt on public.kommune_status
  using ((select intern.darf_schreiben('kommune-status', null)) or intern.darf_schreiben('kommune-status', ags))
  with check ((select intern.darf_schreiben('kommune-status', null)) or intern.darf_schreiben('kommune-status', ags));

alter policy koordination_schreibt on public.leistung_status
  using (
    (select intern.darf_schreiben('leistung-status', null))
    or intern.darf_schreiben('leistung-status', intern.themenfeld_der_leistung(ozg_leistung_id)::text)
  )
  with check (
    (select intern.darf_schreiben('leistung-status', null))
    or intern.darf_schreiben('leistung-status', intern.themenfeld_der_leistung(ozg_leistung_id)::text)
  );

alter policy admin_und_koordination_pruefen on public.aenderung
  using ((select intern.darf_schreiben('pruefung', null)) or intern.darf_schreiben('pruefung', themenfeld_id::text))
  with check ((select intern.darf_schreiben('pruefung', null)) or intern.darf_schreiben('pruefung', themenfeld_id::text));
