import { z } from '../openapi.ts';
import { PushResultSchema } from '../../core/contract.ts';
import { QUELLEN } from '../../core/vocabulary.ts';

/** The review and progress API's wire format: validates requests, types the add-in's client, generates /openapi.json. */

export const PROTOKOLL_ARTEN = ['kommune-status', 'leistung-status', 'kommunaler-vollzug', 'mitglieder', 'zuordnungen'] as const;
export type ProtokollArt = (typeof PROTOKOLL_ARTEN)[number];

const Eintragsnummer = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Eintraege = z
  .array(Eintragsnummer)
  .min(1, { error: 'Geben Sie mindestens einen Eintrag an.' })
  .max(10_000, { error: 'Höchstens 10.000 Einträge auf einmal.' });

/**
 * What ISO 8601 allows beyond PostgreSQL's timestamptz: the year 0000 and offsets of 16 hours or
 * more (PostgreSQL's limit is 15:59, src/include/datatype/timestamp.h MAX_TZDISP_HOUR).
 */
function storableInstant(text: string): boolean {
  if (text.startsWith('0000')) return false;
  const offset = /T.*[+-](\d{2})(?::?\d{2})?$/.exec(text);
  return !offset || Number(offset[1]) <= 15;
}

/** A date or instant in a query parameter, with a German reason for anything PostgreSQL could not store. */
const zeitpunktParameter = (name: string) =>
  z
    .union([z.iso.datetime({ offset: true, local: true }), z.iso.date()], {
      error: `${name} ist ein Datum oder Zeitpunkt nach ISO 8601, z. B. 2026-11-01 oder 2026-11-01T08:00:00+01:00.`,
    })
    .refine(storableInstant, {
      error: `${name} liegt außerhalb dessen, was die Datenbank kennt: das Jahr ab 0001, eine Zeitzone höchstens 15 Stunden von UTC entfernt.`,
    });

export const ChangesQuerySchema = z.object({
  since: zeitpunktParameter('since')
    .optional()
    .openapi({ param: { name: 'since', in: 'query' }, description: 'Nur Änderungen ab diesem Zeitpunkt (ISO 8601)', example: '2026-11-01' }),
  kind: z.enum(PROTOKOLL_ARTEN).optional().openapi({ param: { name: 'kind', in: 'query' } }),
  scope: z.string().max(320).optional().openapi({
    param: { name: 'scope', in: 'query' },
    description: 'AGS der Kommune (auch bei zuordnungen), Nummer des Themenfelds oder (bei mitglieder) die E-Mail-Adresse',
  }),
  actor: z.string().max(320).optional().openapi({ param: { name: 'actor', in: 'query' }, description: 'E-Mail-Adresse der ändernden Person' }),
  reviewed: z.enum(['true', 'false']).optional().openapi({ param: { name: 'reviewed', in: 'query' } }),
  limit: z.coerce.number().int().min(1).max(1000).default(200).openapi({ param: { name: 'limit', in: 'query' } }),
  after: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ param: { name: 'after', in: 'query' }, description: 'Der Wert next der vorigen Seite' }),
});

export const AenderungSchema = z
  .object({
    id: z.number().int(),
    zeitpunkt: z.string(),
    akteur: z.string(),
    quelle: z.enum(QUELLEN),
    push: z.string().nullable().openapi({ description: 'Idempotenzschlüssel des Sendevorgangs' }),
    kind: z.enum(PROTOKOLL_ARTEN),
    scope: z.string().nullable(),
    scopeName: z.string().nullable().openapi({ description: 'Name der Kommune oder des Themenfelds' }),
    zeileId: z.string(),
    leistung: z.object({ ozgId: z.number().int().nullable(), name: z.string() }).nullable(),
    spalte: z.string(),
    spalteLabel: z.string(),
    alt: z.unknown(),
    neu: z.unknown(),
    geprueftVon: z.string().nullable(),
    geprueftAm: z.string().nullable(),
  })
  .openapi('Aenderung');

export const SendevorgangSchema = z
  .object({
    key: z.string().openapi({ description: 'Idempotenzschlüssel, oder tx:<Transaktion> für Änderungen ohne Sendevorgang' }),
    push: z.string().nullable(),
    zeitpunkt: z.string(),
    akteur: z.string(),
    quelle: AenderungSchema.shape.quelle,
    kind: z.enum(PROTOKOLL_ARTEN),
    scope: z.string().nullable(),
    scopeName: z.string().nullable(),
    darfZuruecksetzen: z.boolean().openapi({
      description: 'Ob die angemeldete Person diesen Sendevorgang zurücksetzen darf: wer die Tabelle ändern darf (Umsetzungsstand der Kommunen: Admins und die Kommune selbst)',
    }),
    entries: z.array(AenderungSchema),
  })
  .openapi('Sendevorgang_im_Protokoll');

export const ChangesResponseSchema = z
  .object({
    pushes: z.array(SendevorgangSchema).openapi({
      description: 'Die Einträge der Seite, je Sendevorgang; ein Sendevorgang kann auf der nächsten Seite weitergehen',
    }),
    next: z.string().nullable().openapi({ description: 'Für die nächste Seite als after; null auf der letzten' }),
  })
  .openapi('Aenderungen');

const Auswahl = {
  ids: Eintraege.optional(),
  push: z.uuid({ error: 'push muss der Idempotenzschlüssel eines Sendevorgangs (UUID) sein.' }).optional(),
};
const genauEineAuswahl = (body: { ids?: unknown; push?: unknown }) => (body.ids === undefined) !== (body.push === undefined);
const AUSWAHL_FEHLER = { error: 'Geben Sie entweder ids (Liste von Einträgen) oder push (Idempotenzschlüssel) an.' };

export const ReviewRequestSchema = z.object(Auswahl).refine(genauEineAuswahl, AUSWAHL_FEHLER).openapi('Pruefung');

export const ReviewResponseSchema = z
  .object({
    geprueft: z.array(z.number().int()).openapi({ description: 'Jetzt als geprüft markierte Einträge' }),
    bereitsGeprueft: z.array(z.number().int()).openapi({ description: 'Schon vorher geprüft; bleiben unverändert' }),
  })
  .openapi('Pruefergebnis');

export const RevertRequestSchema = z
  .object({
    ...Auswahl,
    idempotencyKey: z.uuid({ error: 'idempotencyKey muss eine UUID sein.' }).optional().openapi({
      description: 'Für eine Wiederholung ohne doppeltes Zurücksetzen',
    }),
  })
  .refine(genauEineAuswahl, AUSWAHL_FEHLER)
  .openapi('Zuruecksetzen');

export const RevertEntryResultSchema = z
  .object({
    id: z.number().int(),
    outcome: PushResultSchema.shape.outcome,
    theirs: z.unknown().optional().openapi({ description: 'Bei conflict: der Wert, den die Zelle inzwischen hat' }),
    message: z.string().optional(),
  })
  .openapi('Zuruecksetzergebnis');

export const RevertResponseSchema = z
  .object({
    entries: z.array(RevertEntryResultSchema),
    counts: z.object({ applied: z.number(), unchanged: z.number(), conflict: z.number(), rejected: z.number() }),
  })
  .openapi('Zuruecksetzen_Ergebnis');

export const ProgressQuerySchema = z.object({
  themenfeld: z.coerce
    .number({ error: 'themenfeld ist die Nummer eines Themenfelds, z. B. 9.' })
    .int()
    .min(1)
    .max(9999)
    .optional()
    .openapi({ param: { name: 'themenfeld', in: 'query' }, example: 9 }),
  kreis: z
    .string()
    .regex(/^05\d{3}$/, { error: 'Der Kreis ist ein fünfstelliger Kreisschlüssel, z. B. 05158 für den Kreis Mettmann.' })
    .optional()
    .openapi({ param: { name: 'kreis', in: 'query' }, example: '05158' }),
  stichtag: z.coerce
    .number({ error: 'stichtag ist die Nummer eines Stichtags aus GET /api/stichtage.' })
    .int({ error: 'stichtag ist die Nummer eines Stichtags aus GET /api/stichtage.' })
    .min(1, { error: 'stichtag ist die Nummer eines Stichtags aus GET /api/stichtage.' })
    .max(Number.MAX_SAFE_INTEGER, { error: 'Einen so großen Stichtag gibt es nicht.' })
    .optional()
    .openapi({ param: { name: 'stichtag', in: 'query', description: 'die Zahlen, wie sie zu diesem Stichtag standen' }, example: 1 }),
  seit: zeitpunktParameter('seit')
    .optional()
    .openapi({
      param: { name: 'seit', in: 'query' },
      description:
        'Für die Meldungen je Kommune: wie viele ihrer Zeilen seit diesem Datum (ab 0 Uhr deutscher Zeit) oder Zeitpunkt geändert wurden; ohne seit: insgesamt',
      example: '2026-11-01',
    }),
});

const ProgressCell = z.union([z.string(), z.number(), z.null()]);
export const ProgressTableSchema = z
  .object({
    titel: z.string(),
    spalten: z.array(z.object({ key: z.string(), label: z.string(), type: z.enum(['text', 'number', 'percent', 'zeitpunkt']).openapi({ description: 'zeitpunkt: ISO 8601 mit Zeitzone' }) })),
    zeilen: z.array(z.record(z.string(), ProgressCell)),
  })
  .openapi('Fortschrittstabelle');

export const ProgressResponseSchema = z
  .object({
    stand: z.string().openapi({ description: 'Zeitpunkt der Auswertung, bei einem Stichtag der Zeitpunkt, zu dem er eingefroren wurde' }),
    stichtag: z
      .object({ id: z.number().int(), datum: z.string(), bezeichnung: z.string() })
      .nullable()
      .openapi({ description: 'der gewählte Stichtag, sonst null (heute)' }),
    filter: z.object({ themenfeld: z.string().nullable(), kreis: z.string().nullable() }).openapi({
      description: 'Die Namen des gewählten Themenfelds und Kreises',
    }),
    untertitel: z.string().openapi({
      description: 'Was die Auswertung umfasst und wann sie gezählt wurde, für die Zeile unter dem Titel',
      example: 'Themenfeld Mobilität & Reisen · Stand 29.11.2026, 10:15 · OZG-erfüllt ab Reifegrad 3',
    }),
    themenfelder: ProgressTableSchema,
    leistungen: ProgressTableSchema,
    kommunen: ProgressTableSchema.openapi({
      description:
        'Je Kommune; außer bei einem Stichtag mit den Spalten letzte_meldung (Zeitpunkt der letzten Änderung an ihren Zeilen), gemeldet_von und zeilen_seit',
    }),
    meldungen: z
      .object({
        seit: z.string().nullable().openapi({ description: 'Ab wann zeilen_seit zählt (ISO 8601), null: insgesamt' }),
      })
      .nullable()
      .openapi({
        description:
          'Wer gemeldet hat: je Kommune die letzte Änderung an ihren Zeilen (wann, wer, wie im Änderungsprotokoll) und die Zahl der seit seit geänderten Zeilen; null bei einem Stichtag',
      }),
    kreise: ProgressTableSchema.openapi({
      description:
        'Bundeskennzahlen je Kreis: OZG-Leistungen mit kommunalem Vollzug, davon online in mindestens einer Kommune und flächendeckend (in allen Kommunen des Kreises)',
    }),
  })
  .openapi('Fortschritt');

const TrendWert = z
  .object({ zeilen: z.number().int(), online: z.number().int(), ozgKonform: z.number().int(), anteilOzgKonform: z.number().nullable() })
  .nullable();
const TrendReihe = z.object({ schluessel: z.string(), name: z.string(), ozgId: z.number().int().nullable(), werte: z.array(TrendWert) });
export const TrendResponseSchema = z
  .object({
    zeitpunkte: z.array(
      z.object({
        stichtag: z.object({ id: z.number().int(), datum: z.string(), bezeichnung: z.string() }).nullable(),
        stand: z.string(),
      }),
    ),
    themenfelder: z.array(TrendReihe),
    leistungen: z.array(TrendReihe),
  })
  .openapi('Trend');
export const TrendQuerySchema = ProgressQuerySchema.omit({ stichtag: true, seit: true });

export type ChangesQuery = z.infer<typeof ChangesQuerySchema>;
export type Aenderung = z.infer<typeof AenderungSchema>;
export type ChangesResponse = z.infer<typeof ChangesResponseSchema>;
export type Auswahl = { ids?: number[]; push?: string };
export type RevertResponse = z.infer<typeof RevertResponseSchema>;
export type ProgressTable = z.infer<typeof ProgressTableSchema>;
export type ProgressResponse = z.infer<typeof ProgressResponseSchema>;
export type TrendResponse = z.infer<typeof TrendResponseSchema>;
