/**
 * The sheets a client can pull and push: which rows (kind + scope) and which columns. The server
 * describes the columns, so the add-in and the xlsx export stay generic; a new kind needs no
 * client change.
 */

import type { Column, ColumnType } from '../../core/columns.ts';
import type { ScopeForm, SheetKindSchema } from '../../core/contract.ts';
import type { z } from '../openapi.ts';
import { KOMMUNALE_LEIKA_TYPEN } from '../import/rows.ts';

/** What the server knows about a column beyond what clients see. */
export interface ColumnDef extends Omit<Column, 'values'> {
  /** SQL expression reading the column in the pull query (aliases: t = status row, l = ozg_leistung, tf = its themenfeld; k, kr below). */
  select: string;
  /** Postgres type an editable value is cast to when written. */
  cast?: string;
  /** The table column an editable value is written to, where it is not the key. */
  column?: string;
  /** Where the vocabulary of an enum column comes from: an enum type or the aktivitaet table. */
  vocabulary?: { enumType: string } | { table: 'aktivitaet' };
}

export type SheetKindName = 'kommune-status' | 'leistung-status' | 'kommunaler-vollzug' | 'leistung-kommunen';


export interface SheetKind {
  kind: SheetKindName;
  title: string;
  /** What the scope names, told to clients with scopeLabel, title, scopePattern and scopeHint. */
  scopeForm: ScopeForm;
  /** How the scope is named to users, e.g. in error messages. */
  scopeLabel: string;
  table: 'kommune_status' | 'leistung_status' | 'ozg_leistung';
  columns: ColumnDef[];
  /** Rows of one scope ($1), joined with their ozg_leistung as l. */
  from: string;
  /**
   * Which rows of from are the scope's. Every statement over it runs as the caller (asCaller): the
   * row-level security policies apply and need not be repeated here.
   */
  scopeWhere: string;
  /** The scope of a status row, as an SQL expression over t and l. */
  scopeOf: string;
  orderBy: string;
  /** Checks that the scope exists; returns its display name. */
  scopeQuery: string;
  scopePattern: RegExp;
  scopeHint: string;
  /**
   * Rows of scope $1 that left it since a cursor, as an SQL condition over z (zeile_ausgetreten),
   * where its bereich is not this sheet's scope; by default z.bereich = $1.
   */
  leftWhere?: string;
  /**
   * Other shapes of the same kind, chosen by their scopePattern (see shapeFor): kommune-status with a
   * Kreisschlüssel is the status of every Kommune of that Kreis, with a Kommune column.
   */
  shapes?: SheetKind[];
  /**
   * For rows of Kommunen the caller may and may not write side by side: whose row it is, as an SQL
   * expression over the sheet's from, named in the German reason. The push is then not refused as a
   * whole (403) but row by row, as row-level security lets each row be updated.
   */
  rowOwner?: string;
  /**
   * Whether the caller may write the row, as an SQL expression over t: the condition of the table's
   * update policy, so that a pull can mark read-only rows without locking them. A push does not use
   * it: row-level security itself decides there (see pushChanges).
   */
  writable?: string;
}

const readOnly = (key: string, label: string, type: ColumnType, select: string): ColumnDef => ({
  key,
  label,
  type,
  editable: false,
  select,
});

const text = (key: string, label: string, maxLength: number): ColumnDef => ({
  key,
  label,
  type: 'text',
  editable: true,
  select: `t.${key}`,
  cast: 'text',
  maxLength,
});

const enumColumn = (key: string, label: string, enumType: string, required = false): ColumnDef => ({
  key,
  label,
  type: 'enum',
  editable: true,
  select: `t.${key}::text`,
  cast: `public.${enumType}`,
  vocabulary: { enumType },
  required,
});

const date = (key: string, label: string): ColumnDef => ({
  key,
  label,
  type: 'date',
  editable: true,
  select: `t.${key}`,
  cast: 'date',
});

const themenfeldScope = {
  scopeForm: 'themenfeld',
  scopeLabel: 'Themenfeld',
  scopeWhere: 'l.themenfeld_id = $1::smallint and not l.ausgeblendet',
  scopeOf: 'case when not l.ausgeblendet then l.themenfeld_id::text end',
  orderBy: 'l.ozg_id nulls last, l.name',
  scopeQuery: `select name from public.themenfeld where id = case when $1 ~ '^\\d{1,4}$' then $1::smallint end`,
  scopePattern: /^\d{1,4}$/,
  scopeHint: 'Der Bereich ist die Nummer eines Themenfelds, z. B. 9 für Mobilität & Reisen.',
} as const;

const kommunaleTypen = `array[${KOMMUNALE_LEIKA_TYPEN.map((t) => `'${t}'`).join(', ')}]`;

/** The OZG-Leistung of a status row. */
const LEISTUNG_COLUMNS: ColumnDef[] = [
  readOnly('ozg_id', 'OZG-ID', 'number', 'l.ozg_id'),
  readOnly('leistung', 'Leistung', 'text', 'l.name'),
  readOnly('themenfeld', 'Themenfeld', 'text', 'tf.name'),
];

/** What a Kommune reports about one OZG-Leistung: the editable columns of every kommune_status sheet. */
const STATUS_COLUMNS: ColumnDef[] = [
  enumColumn('status', 'Status', 'umsetzungsstatus', true),
  {
    key: 'reifegrad',
    label: 'Reifegrad',
    type: 'number',
    editable: true,
    select: 't.reifegrad',
    cast: 'smallint',
    range: [0, 7],
    // The database's constraint reifegrad_im_modell says the same (drift test in tests/server/db/reifegrad-regel.test.ts).
    rangeBy: { key: 'reifegrad_modell', ranges: { '1.1': [0, 4], '2.0': [0, 7] }, fallback: '2.0' },
  },
  enumColumn('reifegrad_modell', 'Reifegradmodell', 'reifegrad_modell', true),
  text('loesung', 'Lösung', 500),
  { key: 'url', label: 'URL', type: 'url', editable: true, select: 't.url', cast: 'text', maxLength: 2048 },
  text('anbieter', 'Anbieter', 300),
  date('zieltermin', 'Zieltermin'),
  date('inbetriebnahme', 'Inbetriebnahme'),
  text('ansprechperson', 'Ansprechperson', 300),
  text('bemerkung', 'Bemerkung', 4000),
];

/** The Kommune of a status row, for sheets across Kommunen (aliases k = kommune, kr = its kreis). */
const KOMMUNE_COLUMNS: ColumnDef[] = [
  readOnly('ags', 'AGS', 'text', 't.ags'),
  readOnly('kommune', 'Kommune', 'text', 'k.name'),
];

/**
 * The Themenfeld and Kreis names as joins, not as a subquery per row (2,430 of them in a Kreis sheet,
 * half of its pull's time on PostgreSQL 15). Left joins on a primary key: the planner drops them
 * where no column of them is read (a delta's changed ids, a push's lock).
 */
const THEMENFELD_JOIN = 'left join public.themenfeld tf on tf.id = l.themenfeld_id';
// Which status rows count, those of Leistungen with kommunaler Vollzug that are not hidden, is the
// restrictive policy nur_kommunaler_vollzug on kommune_status, for every caller, admins too; the
// scopes below do not repeat it. Repeated as a filter on l, PostgreSQL multiplies the two
// estimates (it cannot know they select the same rows): for the 2,430 rows of a Kreis it expected
// 4 and read kommune and themenfeld once per row instead of hashing them, twice the execution time.
const KOMMUNE_STATUS_FROM = `public.kommune_status t join public.ozg_leistung l on l.id = t.ozg_leistung_id join public.kommune k on k.ags = t.ags
  ${THEMENFELD_JOIN} left join public.kreis kr on kr.kreisschluessel = k.kreisschluessel`;

/**
 * The Kommunen of Kreis $1 as a list rather than left(ags, 5) = $1 or a range of AGS: each Kommune's
 * delta then reads the (ags, txid) index from the cursor on, like a single Kommune's sheet, in
 * proportion to the changes and not to the Kreis's rows.
 */
const IN_KREIS = (ags: string) => `${ags} = any (array(select kk.ags from public.kommune kk where kk.kreisschluessel = $1))`;

// What the update policy kommune_schreibt on kommune_status asks (migration schreibrecht_je_anweisung),
// in its form: both subqueries are init plans, the membership is read once per pull, not per row.
const KOMMUNE_WRITABLE =
  "((select intern.darf_schreiben('kommune-status', null)) or t.ags = any ((select intern.schreibbare_bereiche('kommune-status'))::text[]))";

/** The scope of an IT-Dienstleister's sheet: dl: and the provider's id, e.g. dl:1. */
export const dienstleisterScope = (id: number) => `dl:${id}`;

/**
 * The Kommunen assigned to the IT-Dienstleister of scope $1 (dl:<id>), as a list for the same
 * reason as IN_KREIS. Compared as text, so that a malformed or huge id is no cast error.
 */
const BEIM_DIENSTLEISTER = (ags: string) =>
  `${ags} = any (array(select zd.ags from public.kommune_dienstleister zd where 'dl:' || zd.dienstleister_id = $1))`;

export const SHEET_KINDS: Record<SheetKindName, SheetKind> = {
  'kommune-status': {
    kind: 'kommune-status',
    title: 'Umsetzungsstand einer Kommune',
    scopeForm: 'kommune',
    scopeLabel: 'Kommune (AGS)',
    table: 'kommune_status',
    columns: [...LEISTUNG_COLUMNS, ...STATUS_COLUMNS],
    from: `public.kommune_status t join public.ozg_leistung l on l.id = t.ozg_leistung_id ${THEMENFELD_JOIN}`,
    scopeWhere: 't.ags = $1',
    scopeOf: 'case when l.kommunaler_vollzug and not l.ausgeblendet then t.ags end',
    orderBy: 'l.ozg_id nulls last, l.name',
    scopeQuery: 'select name from public.kommune where ags = $1',
    scopePattern: /^\d{8}$/,
    scopeHint:
      'Der Bereich ist der AGS einer Kommune, z. B. 05315000, der Kreisschlüssel eines Kreises, z. B. 05158, oder dl: und die Nummer eines IT-Dienstleisters, z. B. dl:1.',
    writable: KOMMUNE_WRITABLE,
    shapes: [
  {
        kind: 'kommune-status',
        title: 'Umsetzungsstand der Kommunen eines Kreises',
        scopeForm: 'kreis',
        scopeLabel: 'Kreis (Kreisschlüssel)',
        table: 'kommune_status',
        columns: [...KOMMUNE_COLUMNS, ...LEISTUNG_COLUMNS, ...STATUS_COLUMNS],
        from: KOMMUNE_STATUS_FROM,
        scopeWhere: IN_KREIS('t.ags'),
        scopeOf: 'case when l.kommunaler_vollzug and not l.ausgeblendet then k.kreisschluessel end',
        orderBy: 'k.name, t.ags, l.ozg_id nulls last, l.name',
        scopeQuery: 'select name from public.kreis where kreisschluessel = $1',
        scopePattern: /^\d{5}$/,
        scopeHint: 'Der Bereich ist der Kreisschlüssel eines Kreises, z. B. 05158 für den Kreis Mettmann.',
        leftWhere: IN_KREIS('z.bereich'),
        rowOwner: 'k.name',
        writable: KOMMUNE_WRITABLE,
  },
      {
        kind: 'kommune-status',
        title: 'Umsetzungsstand der Kommunen eines IT-Dienstleisters',
        scopeForm: 'dienstleister',
        scopeLabel: 'IT-Dienstleister',
        table: 'kommune_status',
        columns: [...KOMMUNE_COLUMNS, ...LEISTUNG_COLUMNS, ...STATUS_COLUMNS],
        from: KOMMUNE_STATUS_FROM,
        scopeWhere: BEIM_DIENSTLEISTER('t.ags'),
        scopeOf: `case when l.kommunaler_vollzug and not l.ausgeblendet
                  then (select 'dl:' || zd.dienstleister_id from public.kommune_dienstleister zd where zd.ags = t.ags) end`,
        orderBy: 'k.name, t.ags, l.ozg_id nulls last, l.name',
        scopeQuery: "select name from public.it_dienstleister where 'dl:' || id = $1",
        scopePattern: /^dl:\d{1,9}$/,
        scopeHint: 'Der Bereich ist dl: und die Nummer eines IT-Dienstleisters, z. B. dl:1.',
        // Rows of a Kommune whose assignment was removed are recorded with the provider's scope.
        leftWhere: `(z.bereich = $1 or ${BEIM_DIENSTLEISTER('z.bereich')})`,
        rowOwner: 'k.name',
        writable: KOMMUNE_WRITABLE,
      },
    ],
  },
  'leistung-status': {
    kind: 'leistung-status',
    title: 'Themenfeld-Übersicht',
    table: 'leistung_status',
    columns: [
  readOnly('ozg_id', 'OZG-ID', 'number', 'l.ozg_id'),
  readOnly('leistung', 'Leistung', 'text', 'l.name'),
  readOnly('leika_anzahl', 'LeiKa-Anzahl', 'number', 'l.leika_anzahl'),
  { key: 'online_dienst_nrw', label: 'Online-Dienst in NRW', type: 'boolean', editable: true, select: 't.online_dienst_nrw', cast: 'boolean' },
  {
    key: 'weitere_aktivitaeten',
    label: 'Weitere Aktivitäten',
    type: 'enum[]',
    editable: true,
    select: 't.weitere_aktivitaeten',
    cast: 'text[]',
        vocabulary: { table: 'aktivitaet' },
        required: true,
  },
  enumColumn('umsetzungsvariante', 'Umsetzungsvariante', 'umsetzungsvariante'),
  enumColumn('entscheidungsstand', 'Entscheidungsstand', 'entscheidungsstand'),
  enumColumn('prioritaet', 'Priorität', 'prioritaet', true),
  text('leistungsverantwortlich', 'Leistungsverantwortlich', 300),
  text('umsetzungsverantwortlich', 'Umsetzungsverantwortlich', 300),
  text('bemerkung', 'Bemerkung', 4000),
    ],
    from: 'public.leistung_status t join public.ozg_leistung l on l.id = t.ozg_leistung_id',
    ...themenfeldScope,
  },
  // Admins only (row-level security on ozg_leistung, and mayWrite). The flag is written as the
  // manual decision, which the trigger kommunalen_vollzug_festlegen applies at once and every
  // later import keeps; the status rows of a Leistung that loses it stay, hidden.
  'kommunaler-vollzug': {
    kind: 'kommunaler-vollzug',
    title: 'Kommunaler Vollzug',
    table: 'ozg_leistung',
    columns: [
  readOnly('ozg_id', 'OZG-ID', 'number', 'l.ozg_id'),
  readOnly('leistung', 'Leistung', 'text', 'l.name'),
  readOnly('leika_typen', 'LeiKa-Typen', 'text', "nullif(array_to_string(l.leika_typen, ' '), '')"),
  readOnly('vollzug_abgeleitet', 'Aus LeiKa-Typen abgeleitet', 'boolean', `l.leika_typen && ${kommunaleTypen}::text[]`),
  readOnly('von_hand', 'Von Hand festgelegt', 'boolean', 'l.kommunaler_vollzug_manuell is not null'),
  {
    key: 'kommunaler_vollzug',
    label: 'Kommunaler Vollzug',
    type: 'boolean',
    editable: true,
    select: 't.kommunaler_vollzug',
    cast: 'boolean',
        column: 'kommunaler_vollzug_manuell',
        required: true,
  },
    ],
    // The sheet's rows are the Leistungen themselves; the self-join gives the columns their usual alias l.
    from: 'public.ozg_leistung t join public.ozg_leistung l on l.id = t.id',
    ...themenfeldScope,
  },
  // The same kommune_status rows as kommune-status, one OZG-Leistung across every Kommune that has them.
  'leistung-kommunen': {
    kind: 'leistung-kommunen',
    title: 'Eine Leistung in allen Kommunen',
    scopeForm: 'leistung',
    scopeLabel: 'OZG-Leistung (OZG-ID)',
    table: 'kommune_status',
    columns: [
      ...KOMMUNE_COLUMNS,
  readOnly('kreis', 'Kreis', 'text', 'kr.name'),
      ...STATUS_COLUMNS,
    ],
    from: KOMMUNE_STATUS_FROM,
    scopeWhere: 'l.ozg_id = $1::integer',
    scopeOf: 'case when l.kommunaler_vollzug and not l.ausgeblendet then l.ozg_id::text end',
    orderBy: 'k.name, t.ags',
    scopeQuery: `select name from public.ozg_leistung
                 where ozg_id = case when $1 ~ '^\\d{5}$' then $1::integer end and kommunaler_vollzug and not ausgeblendet`,
    scopePattern: /^\d{5}$/,
    scopeHint: 'Der Bereich ist die OZG-ID einer Leistung mit kommunalem Vollzug, z. B. 10177 für den Reisepass.',
    leftWhere: `exists (select 1 from public.kommune_status s join public.ozg_leistung sl on sl.id = s.ozg_leistung_id
                        where s.id = z.zeile_id and sl.ozg_id = $1::integer)`,
    rowOwner: 'k.name',
    writable: KOMMUNE_WRITABLE,
  },
};

/** The shape of a kind for a scope: its own, or the one of its shapes whose scopePattern the scope matches. */
export function shapeFor(sheet: SheetKind, scope: string): SheetKind {
  return sheet.scopePattern.test(scope) ? sheet : (sheet.shapes?.find((shape) => shape.scopePattern.test(scope)) ?? sheet);
}

export function sheetKind(name: string): SheetKind | undefined {
  return Object.hasOwn(SHEET_KINDS, name) ? SHEET_KINDS[name as SheetKindName] : undefined;
}

/** A kind as clients see it: its scope forms, so that they offer the right choice without knowing the kinds. */
export function describeKind(sheet: SheetKind): z.infer<typeof SheetKindSchema> {
  return {
    kind: sheet.kind,
    title: sheet.title,
    scopeLabel: sheet.scopeLabel,
    forms: [sheet, ...(sheet.shapes ?? [])].map((shape) => ({
      form: shape.scopeForm,
      label: shape.scopeLabel,
      title: shape.title,
      pattern: shape.scopePattern.source,
      hint: shape.scopeHint,
    })),
  };
}
