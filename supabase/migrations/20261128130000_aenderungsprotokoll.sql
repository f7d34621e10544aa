-- Change log, delta cursor support and idempotent pushes for the sync protocol.

-- One entry per changed cell, written by triggers so that no path escapes it: the API, a
-- supabase-js client, Studio's table editor, plain SQL. The API names its source and the push's
-- idempotency key per transaction (set_config('ozg.quelle' / 'ozg.push', …, true)); any other
-- writer is logged as source 'sql'.
create table public.aenderung (
  id bigint generated always as identity primary key,
  zeitpunkt timestamptz not null default now(),
  akteur text not null,
  tabelle text not null,
  -- the sheet scope the row belongs to: AGS for kommune_status, Themenfeld id for leistung_status
  bereich text,
  -- the Themenfeld of the row's OZG-Leistung, so that coordinators see and review their part
  themenfeld_id smallint,
  zeile_id uuid not null,
  spalte text not null,
  alt jsonb,
  neu jsonb,
  version bigint not null,
  quelle text not null check (quelle in ('addin', 'xlsx', 'api', 'sql', 'revert', 'import')),
  push_schluessel uuid,
  txid xid8 not null default pg_current_xact_id(),
  geprueft_von text,
  geprueft_am timestamptz
);
comment on table public.aenderung is 'Änderungsprotokoll: je geänderter Zelle wer, wann, woher, alter und neuer Wert.';
create index aenderung_zeile_idx on public.aenderung (tabelle, zeile_id);
create index aenderung_zeitpunkt_idx on public.aenderung (zeitpunkt desc);
create index aenderung_push_idx on public.aenderung (push_schluessel) where push_schluessel is not null;
create index aenderung_offen_idx on public.aenderung (zeitpunkt desc) where geprueft_am is null;
create index aenderung_themenfeld_idx on public.aenderung (themenfeld_id, zeitpunkt desc);

-- jit off: compiling this query costs more than running it, even for 10,000 rows.
create function public.aenderungen_protokollieren() returns trigger
language plpgsql
security definer
set search_path = ''
set jit = off
as $$
declare
  quelle text := coalesce(nullif(current_setting('ozg.quelle', true), ''), 'sql');
  push uuid := nullif(current_setting('ozg.push', true), '')::uuid;
  fest constant text[] := array['id', 'version', 'updated_at', 'updated_by', 'txid', 'ags', 'ozg_leistung_id'];
begin
  -- materialized: each row is turned into jsonb once, not once per column compared
  with z as materialized (
    select to_jsonb(n) as neu, to_jsonb(a) as alt, l.themenfeld_id
    from neue n join alte a on a.id = n.id join public.ozg_leistung l on l.id = n.ozg_leistung_id
  )
  insert into public.aenderung
    (akteur, tabelle, bereich, themenfeld_id, zeile_id, spalte, alt, neu, version, quelle, push_schluessel)
  select z.neu ->> 'updated_by',
         tg_table_name,
         case tg_table_name when 'kommune_status' then z.neu ->> 'ags' else z.themenfeld_id::text end,
         z.themenfeld_id,
         (z.neu ->> 'id')::uuid,
         e.key,
         z.alt -> e.key,
         e.value,
         (z.neu ->> 'version')::bigint,
         quelle,
         push
  from z cross join lateral jsonb_each(z.neu) e
  where not (e.key = any (fest)) and (z.alt -> e.key) is distinct from e.value;
  return null;
end
$$;
create trigger aenderungen_protokollieren after update on public.kommune_status
  referencing old table as alte new table as neue
  for each statement execute function public.aenderungen_protokollieren();
create trigger aenderungen_protokollieren after update on public.leistung_status
  referencing old table as alte new table as neue
  for each statement execute function public.aenderungen_protokollieren();

-- The log is append-only: only the review columns may be set afterwards.
create function public.aenderung_unveraenderlich() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE'
     and (to_jsonb(new) - array['geprueft_von', 'geprueft_am']) = (to_jsonb(old) - array['geprueft_von', 'geprueft_am']) then
    return new;
  end if;
  raise exception using
    errcode = '42501',
    message = 'Einträge des Änderungsprotokolls können nicht verändert oder gelöscht werden.';
end
$$;
create trigger aenderung_unveraenderlich before update or delete on public.aenderung
  for each row execute function public.aenderung_unveraenderlich();
create trigger aenderung_nicht_leeren before truncate on public.aenderung
  for each statement execute function public.aenderung_unveraenderlich();

-- Rows that left a sheet's scope (an OZG-Leistung moved to another Themenfeld, or lost its
-- kommunaler Vollzug), so that a delta pull can tell clients to drop them.
create table public.zeile_ausgetreten (
  tabelle text not null,
  bereich text not null,
  zeile_id uuid not null,
  txid xid8 not null default pg_current_xact_id(),
  primary key (tabelle, bereich, zeile_id)
);
comment on table public.zeile_ausgetreten is 'Zeilen, die den Bereich einer Tabelle verlassen haben (für das Abrufen von Änderungen).';
create index zeile_ausgetreten_txid_idx on public.zeile_ausgetreten (tabelle, bereich, txid);

create function public.austritte_vermerken() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.zeile_ausgetreten (tabelle, bereich, zeile_id)
  select 'leistung_status', a.themenfeld_id::text, s.id
  from neue n join alte a on a.id = n.id join public.leistung_status s on s.ozg_leistung_id = n.id
  where n.themenfeld_id <> a.themenfeld_id
  on conflict (tabelle, bereich, zeile_id) do update set txid = excluded.txid;

  insert into public.zeile_ausgetreten (tabelle, bereich, zeile_id)
  select 'kommune_status', s.ags, s.id
  from neue n join alte a on a.id = n.id join public.kommune_status s on s.ozg_leistung_id = n.id
  where a.kommunaler_vollzug and not n.kommunaler_vollzug
  on conflict (tabelle, bereich, zeile_id) do update set txid = excluded.txid;
  return null;
end
$$;
create trigger austritte_vermerken after update on public.ozg_leistung
  referencing old table as alte new table as neue
  for each statement execute function public.austritte_vermerken();

-- Delta pulls read rows whose last writing transaction is not visible in the client's cursor
-- snapshot; these indexes keep that proportional to the number of changes.
create index kommune_status_delta_idx on public.kommune_status (ags, txid);
create index leistung_status_delta_idx on public.leistung_status (txid);
create index ozg_leistung_delta_idx on public.ozg_leistung (txid);

-- The first answer to each push, so that a retry with the same idempotency key applies nothing twice.
create table public.push_quittung (
  schluessel uuid primary key,
  tabelle text not null,
  bereich text not null,
  inhalt_hash text not null,
  antwort jsonb not null,
  akteur text not null default public.aktueller_akteur(),
  erstellt_am timestamptz not null default now()
);
comment on table public.push_quittung is 'Antworten auf Sendevorgänge, je Idempotenzschlüssel (mindestens 7 Tage aufbewahrt).';
create index push_quittung_alter_idx on public.push_quittung (erstellt_am);

alter table public.aenderung enable row level security;
alter table public.zeile_ausgetreten enable row level security;
alter table public.push_quittung enable row level security;
