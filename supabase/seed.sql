-- Demo and development data for OZG-Sync. Applied once to a fresh database (embedded mode
-- on first start, `supabase db reset` on a Supabase project). Safe to run again: it only adds.
--
-- Sources (see README, "Daten"): the 14 Themenfelder of the OZG catalogue;
-- the 46 OZG-Leistungen of the Themenfeld tables that KDN's coordinators presented in December
-- 2019 (workshops "Mobilität & Reisen", 03.12.2019, and "Unternehmensführung & -entwicklung",
-- 17.12.2019), with names as on the slides, OZG-IDs and LeiKa counts from KDN's OZG database
-- (the counts match the slides where the slides print one); official AGS from Destatis GV100.

-- Logged as source "import" in the change log (the setting lasts until the end of the transaction).
select set_config('ozg.quelle', 'import', true);

insert into public.themenfeld (id, name) values
  (1, 'Arbeit & Ruhestand'),
  (2, 'Bauen & Wohnen'),
  (3, 'Bildung'),
  (4, 'Ein- & Auswanderung'),
  (5, 'Engagement & Hobby'),
  (6, 'Familie & Kind'),
  (7, 'Forschung & Förderung'),
  (8, 'Gesundheit'),
  (9, 'Mobilität & Reisen'),
  (10, 'Querschnitt'),
  (11, 'Recht & Ordnung'),
  (12, 'Steuern & Zoll'),
  (13, 'Umwelt'),
  (14, 'Unternehmensführung & -entwicklung')
on conflict (id) do nothing;

-- All 46 have kommunaler Vollzug: the workshops covered only those.
insert into public.ozg_leistung (ozg_id, name, themenfeld_id, leika_anzahl, leika_typen, kommunaler_vollzug) values
  (10595, 'Reiseausweis als Passersatz und Notreiseausweis', 9, 6, array['1', '2/3']::text[], true),
  (10433, 'Gefahrguttransporterlaubnis', 9, 3, array['1', '2/3']::text[], true),
  (10177, 'Reisepass', 9, 42, array['1', '2/3']::text[], true),
  (10436, 'Kraftfahrzeugkennzeichen', 9, 32, array['2/3']::text[], true),
  (10169, 'Führerschein', 9, 58, array['1', '2/3', '4']::text[], true),
  (10438, 'Kraftfahrzeugüberlassung', 9, 2, array['2/3']::text[], true),
  (10173, 'Parkausweise und Zufahrtsberechtigungen', 9, 15, array['2/3', '4']::text[], true),
  (10439, 'Kraftfahrzeugzulassung, -um- und -abmeldung', 9, 26, array['1', '2/3']::text[], true),
  (10417, 'abgeschleppte Fahrzeuge', 9, 4, array['2/3', '5']::text[], true),
  (10440, 'Liegeplatzvergabe für Wasserfahrzeuge', 9, 2, array['2/3']::text[], true),
  (10418, 'Ausnahmegenehmigungen für den Verkehr', 9, 11, array['2/3']::text[], true),
  (10446, 'Parkausweise für Betriebe', 9, 3, array['2/3']::text[], true),
  (10421, 'Erlaubnis für Großraum- und Schwerverkehr', 9, 2, array['2/3']::text[], true),
  (10447, 'Personenbeförderungsgenehmigung', 9, 18, array['2/3', '4']::text[], true),
  (10423, 'Fahrerkarte', 9, 7, array['2/3']::text[], true),
  (10448, 'Plakette für elektrisch betriebene Fahrzeuge aus dem Ausland', 9, 2, array['2/3']::text[], true),
  (10424, 'Fahrerlaubnis zur Fahrgastbeförderung', 9, 2, array['2/3']::text[], true),
  (10454, 'Tiertransporte', 9, 2, array['2/3']::text[], true),
  (10426, 'Fahrzeugregistereintragung und -auskunft', 9, 12, array['1', '2/3']::text[], true),
  (10459, 'Zulassungsbescheinigung', 9, 14, array['2/3']::text[], true),
  (10427, 'Feinstaubplakette / Umweltplakette', 9, 5, array['2/3']::text[], true),
  (10297, 'Anzeigepflichtige Personalveränderungen', 14, 20, array['1', '2/3']::text[], true),
  (10593, 'Öffentliche Vergabe', 14, 16, array['2/3']::text[], true),
  (10301, 'Ausgleichsabgabe bei Nichtbeschäftigung von Schwerbehinderten', 14, 2, array['2/3']::text[], true),
  (10334, 'Zollauktion', 14, 2, array['1']::text[], true),
  (10352, 'Betriebsfortführungsgestattung', 14, 5, array['2/3']::text[], true),
  (10591, 'Elektronischer Bestellprozess', 14, 7, array['2/3']::text[], true),
  (10355, 'Meldung der Schließung einer Kindertageseinrichtung', 14, 1, array['2/3']::text[], true),
  (10333, 'Nachweis der finanziellen Leistungsfähigkeit', 14, 2, array['2/3']::text[], true),
  (10337, 'Besondere Meldepflicht', 14, 6, array['2/3']::text[], true),
  (10340, 'Erkrankungen in Gemeinschaftseinrichtungen', 14, 3, array['2/3']::text[], true),
  (10341, 'Öffentliche Bekanntmachung', 14, 12, array['1', '2/3']::text[], true),
  (10342, 'statistische Erhebungen', 14, 68, array['1', '2/3', '4']::text[], true),
  (10345, 'Ausnahmegenehmigung für besondere Verkaufsveranstaltungen', 14, 3, array['2/3', '4']::text[], true),
  (10343, 'statistische Veröffentlichungen', 14, 13, array['1', '2/3']::text[], true),
  (10346, 'Ausnahmegenehmigungen von Sperrzeit und Nachtruhe', 14, 6, array['2/3', '4']::text[], true),
  (10279, 'Anerkennung als Prüf- oder Überwachungsstelle', 14, 71, array['1', '2/3', '4']::text[], true),
  (10347, 'Lager- und Abbrenngenehmigung für pyrotechnische Gegenstände', 14, 5, array['2/3']::text[], true),
  (10283, 'Einheitlicher Ansprechpartner', 14, 2, array['2/3']::text[], true),
  (10348, 'Sondernutzung von Straßen und Verkehrsraumeinschränkung', 14, 20, array['2/3', '4', '5']::text[], true),
  (10287, 'Gewerbelegitimationskarte', 14, 2, array['2/3']::text[], true),
  (10349, 'Veranstaltungserlaubnis', 14, 14, array['2/3', '4']::text[], true),
  (10293, 'Tätigkeitsanzeige und -erlaubnis', 14, 104, array['1', '2/3', '4', '5']::text[], true),
  (10350, 'Wochen- und Spezialmärkte', 14, 6, array['2/3', '5']::text[], true),
  (10294, 'Unternehmensanmeldung und -genehmigung', 14, 198, array['1', '2/3', '4']::text[], true)
on conflict (ozg_id) do nothing;

-- On the slide without OZG-ID (KDN's catalogue has none for it); the count is the slide's.
insert into public.ozg_leistung (ozg_id, name, themenfeld_id, leika_anzahl, kommunaler_vollzug)
select null, 'Sachkundenachweis', 14, 46, true
where not exists (select 1 from public.ozg_leistung where ozg_id is null and name = 'Sachkundenachweis');

-- As on the slides: "ja" where an online service already existed in NRW, otherwise empty,
-- and the further activities. Rows edited since (version > 1) are left alone.
update public.leistung_status s
set online_dienst_nrw = v.online_dienst_nrw, weitere_aktivitaeten = v.weitere_aktivitaeten
from (values
  (10177, true, '{}'),
  (10436, true, '{}'),
  (10169, true, array['Digitalisierungslabor (abgeschlossen)']),
  (10173, true, array['DMR-Projekte in OWL', 'Digitalisierungslabor (Kandidat)']),
  (10439, true, array['DMR-Projekte in OWL']),
  (10418, true, '{}'),
  (10446, true, '{}'),
  (10421, true, '{}'),
  (10447, true, array['Digitalisierungslabor (abgeschlossen)']),
  (10426, true, array['DMR-Projekte in OWL']),
  (10427, true, '{}'),
  (10593, true, '{}'),
  (10591, null, array['Digitalisierungslabor 2020']),
  (10341, true, '{}'),
  (10342, true, '{}'),
  (10343, true, '{}'),
  (10279, null, array['GSP', 'Digitalisierungslabor']),
  (10283, null, array['GSP', 'Digitalisierungslabor']),
  (10348, true, array['Digitalisierungslabor']),
  (10287, null, array['GSP', 'Digitalisierungslabor']),
  (10349, true, '{}'),
  (10293, true, array['GSP', 'Digitalisierungslabor']),
  (10350, null, array['DMR Soest']),
  (10294, true, array['GSP', 'Digitalisierungslabor'])
) as v (ozg_id, online_dienst_nrw, weitere_aktivitaeten)
join public.ozg_leistung l on l.ozg_id = v.ozg_id
where s.ozg_leistung_id = l.id and s.version = 1;

insert into public.kreis (kreisschluessel, name, typ, regierungsbezirk) values
  ('05111', 'Düsseldorf, Stadt', 'kreisfreie Stadt', 'Reg.-Bez. Düsseldorf'),
  ('05158', 'Mettmann', 'Kreis', 'Reg.-Bez. Düsseldorf'),
  ('05166', 'Viersen', 'Kreis', 'Reg.-Bez. Düsseldorf'),
  ('05315', 'Köln, Stadt', 'kreisfreie Stadt', 'Reg.-Bez. Köln'),
  ('05334', 'Städteregion Aachen', 'Kreis', 'Reg.-Bez. Köln'),
  ('05515', 'Münster, Stadt', 'kreisfreie Stadt', 'Reg.-Bez. Münster'),
  ('05562', 'Recklinghausen', 'Kreis', 'Reg.-Bez. Münster'),
  ('05774', 'Paderborn', 'Kreis', 'Reg.-Bez. Detmold'),
  ('05913', 'Dortmund, Stadt', 'kreisfreie Stadt', 'Reg.-Bez. Arnsberg'),
  ('05974', 'Soest', 'Kreis', 'Reg.-Bez. Arnsberg')
on conflict (kreisschluessel) do nothing;

-- Adding the Kommunen creates their kommune_status rows (trigger status_zeilen_anlegen).
insert into public.kommune (ags, name, typ) values
  ('05111000', 'Düsseldorf, Stadt', 'kreisfreie Stadt'),
  ('05158024', 'Mettmann, Stadt', 'kreisangehörige Gemeinde'),
  ('05158028', 'Ratingen, Stadt', 'kreisangehörige Gemeinde'),
  ('05158032', 'Velbert, Stadt', 'kreisangehörige Gemeinde'),
  ('05166012', 'Kempen, Stadt', 'kreisangehörige Gemeinde'),
  ('05315000', 'Köln, Stadt', 'kreisfreie Stadt'),
  ('05334002', 'Aachen, Stadt', 'kreisangehörige Gemeinde'),
  ('05515000', 'Münster, Stadt', 'kreisfreie Stadt'),
  ('05562004', 'Castrop-Rauxel, Stadt', 'kreisangehörige Gemeinde'),
  ('05774032', 'Paderborn, Stadt', 'kreisangehörige Gemeinde'),
  ('05913000', 'Dortmund, Stadt', 'kreisfreie Stadt'),
  ('05974040', 'Soest, Stadt', 'kreisangehörige Gemeinde')
on conflict (ags) do nothing;

-- A provider from KDN's list of NRW's municipal IT service providers (it_dienstleister.csv, as the
-- catalogue import would load it). The list names no members; the Kreis Mettmann's own IT is the
-- provider of the Kreis, and Ratingen is listed as a provider of its own, so it serves Mettmann
-- and Velbert here.
insert into public.it_dienstleister (name, ort, url) values
  ('Kreis Mettmann', 'Mettmann', 'https://jkreis-mettmann.de')
on conflict (name, ort) do nothing;

insert into public.kommune_dienstleister (ags, dienstleister_id)
select v.ags, d.id
from (values ('05158024'), ('05158032')) as v (ags)
join public.it_dienstleister d on d.name = 'Kreis Mettmann' and d.ort = 'Mettmann'
on conflict (ags) do nothing;

insert into public.mitglied (email, rolle, themenfeld_id, ags) values
  ('admin@ozg-sync.example', 'admin', null, null),
  ('mobilitaet@ozg-sync.example', 'koordination', 9, null),
  ('unternehmen@ozg-sync.example', 'koordination', 14, null),
  ('ozg@koeln.example', 'kommune', null, '05315000'),
  ('ozg@mettmann.example', 'kommune', null, '05158024')
on conflict do nothing;

insert into public.mitglied (email, rolle, dienstleister_id)
select 'ozg@kreis-mettmann.example', 'dienstleister', d.id
from public.it_dienstleister d where d.name = 'Kreis Mettmann' and d.ort = 'Mettmann'
on conflict do nothing;
