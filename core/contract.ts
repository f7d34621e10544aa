import { z } from '@hono/zod-openapi';
import { COLUMN_TYPES } from './columns.ts';
import { PUSH_LIMITS } from './limits.ts';
import { PUSH_QUELLEN } from './vocabulary.ts';

/** The sync protocol's wire format: these schemas validate requests, type the client and generate /openapi.json. */

export const CellValueSchema = z
  .union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()])
  .openapi('Zellwert', { description: 'Datum als JJJJ-MM-TT, leere Zelle als null, enum[] als Liste' });

export const ColumnSchema = z
  .object({
    key: z.string(),
    label: z.string(),
    type: z.enum(COLUMN_TYPES),
    editable: z.boolean(),
    values: z.array(z.string()).optional(),
    required: z.boolean().optional(),
    maxLength: z.number().int().optional().openapi({ description: 'Höchstlänge eines Textes in Zeichen' }),
    range: z.tuple([z.number().int(), z.number().int()]).optional().openapi({ description: 'Kleinster und größter erlaubter Wert' }),
  })
  .openapi('Spalte');

export const SheetRowSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    values: z.record(z.string(), CellValueSchema),
    // Optional, so that clients from before it read every row as before (and are refused per row when they write one).
    readOnly: z
      .literal(true)
      .optional()
      .openapi({ description: 'Nur bei Zeilen, die der Abrufende nicht ändern darf (etwa andere Kommunen eines Kreises)' }),
  })
  .openapi('Zeile');

export const PullResponseSchema = z
  .object({
    kind: z.string(),
    scope: z.string(),
    columns: z.array(ColumnSchema),
    rows: z.array(SheetRowSchema),
    deleted: z.array(z.string()).openapi({ description: 'IDs der Zeilen, die den Bereich seit dem Cursor verlassen haben' }),
    cursor: z.string().openapi({ description: 'Für das nächste Abrufen nur der Änderungen (since)' }),
  })
  .openapi('Abruf');

/** How a pull answers its rows: as objects with the column keys (the default), or as lists in the order of the columns. */
export const PULL_ROW_FORMATS = ['objects', 'arrays'] as const;

export const ArrayRowSchema = z
  .tuple([z.string(), z.number().int(), z.boolean()], CellValueSchema)
  .openapi('ZeileAlsListe', {
    // The generator writes the tuple's first three items but drops the rest that follows them.
    items: { $ref: '#/components/schemas/Zellwert' },
    description: 'ID, Version, nur lesbar (true bei Zeilen, die der Abrufende nicht ändern darf), dann die Zellwerte in der Reihenfolge der Spalten',
  });

// Half the size of the objects for the same rows (no column key repeated in every row), and so
// half the time to write and read: the 2,430 rows of Kreis Mettmann are 458 instead of 921 KB.
export const PullArraysResponseSchema = PullResponseSchema.omit({ rows: true })
  .extend({
    rowFormat: z.literal('arrays'),
    rows: z.array(ArrayRowSchema),
  })
  .openapi('AbrufAlsListen');

/** Deeper than any cell value (a list is 1); reached only by a broken or hostile client. */
const MAX_VALUE_DEPTH = 8;

/**
 * Half of a UTF-16 surrogate pair on its own: not text at all. PostgreSQL refuses it in JSON, and a push's
 * answer, which repeats what was sent, is stored as JSON.
 */
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const NOT_TEXT = 'Der Text enthält ein ungültiges Zeichen (ein einzelnes UTF-16-Surrogat).';

/** Text as sent: whole Unicode characters only. */
const SentText = z.string().refine((text) => !LONE_SURROGATE.test(text), { error: NOT_TEXT });

/**
 * What is wrong with a value as sent, if anything: text that is not text, in a key or a value, or nesting
 * deeper than MAX_VALUE_DEPTH. Walked without recursion, as the value may be nested a million times.
 */
function sentValueProblem(value: unknown): string | undefined {
  const open: [unknown, number][] = [[value, 0]];
  while (open.length) {
    const [item, depth] = open.pop()!;
    if (typeof item === 'string' && LONE_SURROGATE.test(item)) return NOT_TEXT;
    if (item === null || typeof item !== 'object') continue;
    if (depth === MAX_VALUE_DEPTH) return `Ein Zellwert ist höchstens eine Liste; dieser ist tiefer als ${MAX_VALUE_DEPTH} Ebenen verschachtelt.`;
    for (const [key, inner] of Object.entries(item)) open.push([key, depth + 1], [inner, depth + 1]);
  }
  return undefined;
}

/** A value as sent: any JSON, so that a wrong type becomes that cell's error (outcome rejected), unless sentValueProblem finds one. */
const SentValue = z.unknown().superRefine((value, ctx) => {
  const problem = sentValueProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const PushChangeSchema = z
  .object({
    id: SentText.max(100),
    baseVersion: z.number().int().min(0),
    base: z.record(SentText, SentValue).default({}),
    set: z.record(SentText, SentValue),
  })
  .openapi('Zeilenaenderung');

export const PushRequestSchema = z
  .object({
    scope: SentText.min(1).max(20),
    idempotencyKey: z.uuid({ error: 'idempotencyKey muss eine UUID sein.' }),
    source: z.enum(PUSH_QUELLEN),
    changes: z.array(PushChangeSchema).openapi({ description: `höchstens ${PUSH_LIMITS.changes} Änderungen` }),
  })
  .openapi('Sendevorgang');

export const KonfliktSchema = z
  .object({ key: z.string(), base: z.unknown(), mine: CellValueSchema, theirs: CellValueSchema })
  .openapi('Konflikt');

export const PushResultSchema = z
  .object({
    id: z.string(),
    outcome: z.enum(['applied', 'unchanged', 'conflict', 'rejected']),
    version: z.number().int().nullable(),
    values: z.record(z.string(), CellValueSchema).nullable(),
    konflikte: z.array(KonfliktSchema).optional(),
    errors: z.array(z.object({ key: z.string(), message: z.string() })).optional(),
  })
  .openapi('Zeilenergebnis');

export const PushResponseSchema = z
  .object({
    results: z.array(PushResultSchema),
    cursor: z.string(),
    hinweise: z
      .array(z.object({ id: z.string(), key: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Hinweise, keine Fehler: etwa eine Zeile „online“ ohne Reifegrad' }),
  })
  .openapi('Sendeergebnis');

/** What a sheet's scope names: clients offer the matching choice (a Kommune, a Kreis, …) from this alone. */
export const SCOPE_FORMS = ['kommune', 'kreis', 'dienstleister', 'themenfeld', 'leistung'] as const;
export type ScopeForm = (typeof SCOPE_FORMS)[number];

export const ScopeFormSchema = z
  .object({
    form: z.enum(SCOPE_FORMS),
    label: z.string().openapi({ example: 'Kreis (Kreisschlüssel)' }),
    title: z.string().openapi({ example: 'Umsetzungsstand der Kommunen eines Kreises' }),
    pattern: z.string().openapi({ description: 'Regulärer Ausdruck, dem der Bereich dieser Form genügt', example: '^\\d{5}$' }),
    hint: z.string(),
  })
  .openapi('Bereichsform');

export const SheetKindSchema = z
  .object({
    kind: z.string(),
    title: z.string(),
    scopeLabel: z.string(),
    forms: z.array(ScopeFormSchema).openapi({ description: 'Die Formen des Bereichs, die diese Tabellenart annimmt, die übliche zuerst' }),
  })
  .openapi('Tabellenart');

export type PullResponse = z.infer<typeof PullResponseSchema>;
export type PullArraysResponse = z.infer<typeof PullArraysResponseSchema>;
export type ArrayRow = z.infer<typeof ArrayRowSchema>;
export type PushRequest = z.infer<typeof PushRequestSchema>;
export type PushResult = z.infer<typeof PushResultSchema>;
export type PushResponse = z.infer<typeof PushResponseSchema>;
