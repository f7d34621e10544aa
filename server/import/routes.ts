import { createRoute } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono';
import { assertMayWriteTable, withCaller } from '../auth/caller.ts';
import { AppError, badRequest } from '../errors.ts';
import { createRouter, errorResponses, jsonResponse, z, type AppEnv } from '../openapi.ts';
import { importCatalogue, readCatalogue, TABELLEN } from './catalogue.ts';
import { LAYOUTS } from './layouts.ts';
import { summarise } from './summary.ts';

export const IMPORT_LIMIT_BYTES = 20 * 1024 * 1024;

const Flag = z
  .enum(['true', 'false'], { error: 'Erlaubt sind true und false.' })
  .optional()
  .transform((v) => v === 'true');

const Datei = z.instanceof(File, { error: 'Bitte eine oder mehrere Dateien (CSV oder xlsx) im Feld „dateien“ senden.' }).openapi({
  type: 'string',
  format: 'binary',
});

const ImportForm = z
  .object({
    dateien: z.union([Datei, z.array(Datei).min(1)]).openapi({
      type: 'array',
      items: { type: 'string', format: 'binary' },
      description: `CSV (UTF-8, Komma, Kopfzeile) oder xlsx (erstes Blatt, Kopfzeile); erkannt an der Kopfzeile: ${Object.values(LAYOUTS)
        .map((l) => `${l.title} (${l.columns.join(', ')})`)
        .join('; ')}`,
    }),
    apply: Flag.openapi({ type: 'string', enum: ['true', 'false'], description: 'true: übernehmen; sonst nur Probelauf' }),
    hideMissing: Flag.openapi({
      type: 'string',
      enum: ['true', 'false'],
      description: 'true: fehlende OZG-Leistungen, LeiKa-Leistungen und Kommunen ausblenden (nie löschen)',
    }),
  })
  .openapi('KatalogImport');

const Meldung = z.object({ datei: z.string(), zeile: z.number().int().optional(), text: z.string() }).openapi('Importmeldung');

const Importbericht = z
  .object({
    angewendet: z.boolean(),
    dateien: z.array(z.object({ datei: z.string(), layout: z.string(), titel: z.string(), zeilen: z.number().int() })),
    tabellen: z.array(
      z.object({
        tabelle: z.enum(TABELLEN.map((t) => t.tabelle) as [string, ...string[]]),
        titel: z.string(),
        neu: z.number().int(),
        geaendert: z.number().int(),
        unveraendert: z.number().int(),
        fehlend: z.number().int(),
        ausgeblendet: z.number().int(),
      }),
    ),
    geaendert: z.array(z.object({ tabelle: z.string(), schluessel: z.string(), name: z.string(), spalten: z.array(z.string()) })),
    fehlend: z.array(z.object({ tabelle: z.string(), schluessel: z.string(), name: z.string(), schonAusgeblendet: z.boolean() })),
    kommunalerVollzug: z
      .object({ kommunal: z.number().int(), wirdKommunal: z.number().int(), nichtMehrKommunal: z.number().int(), manuell: z.number().int() })
      .nullable(),
    kommuneStatusNeu: z.number().int(),
    kommunenabgleich: z
      .object({
        datei: z.string(),
        eintraege: z.number().int(),
        exakt: z.number().int(),
        ohneZusatz: z.number().int(),
        aehnlich: z.array(z.object({ zeile: z.number().int(), kdn: z.string(), ags: z.string(), kommune: z.string(), abstand: z.number().int() })),
        nichtZugeordnet: z.array(z.object({ zeile: z.number().int(), kdn: z.string(), grund: z.string() })),
        ohneEintrag: z.array(z.object({ ags: z.string(), name: z.string() })),
      })
      .nullable(),
    fehler: z.array(Meldung),
    hinweise: z.array(Meldung),
    zusammenfassung: z.string().openapi({ description: 'dieselbe deutsche Zusammenfassung wie npm run import' }),
  })
  .openapi('Importbericht');

const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  await assertMayWriteTable(c, 'katalog', 'Den Katalog importieren nur Administratorinnen und Administratoren der OZG-Koordinierungsstelle.');
  await next();
};


export const importRoutes = createRouter().openapi(
  createRoute({
    method: 'post',
    path: '/api/admin/import',
    tags: ['Katalog'],
    summary: 'Katalog importieren (nur Admins): Probelauf, mit apply=true in einer Transaktion übernehmen',
    // The admin check comes first: nobody else gets to upload 20 MB.
    middleware: [
      requireAdmin,
      bodyLimit({
        maxSize: IMPORT_LIMIT_BYTES,
        onError: () => {
          throw new AppError('payload_too_large', `Die Dateien sind zusammen größer als ${IMPORT_LIMIT_BYTES / 1024 / 1024} MB.`);
        },
      }),
    ] as const,
    request: { body: { content: { 'multipart/form-data': { schema: ImportForm } }, required: true } },
    responses: {
      200: jsonResponse(Importbericht, 'Was der Import ändert (Probelauf) oder geändert hat'),
      ...errorResponses,
      403: jsonResponse(errorResponses[400].content['application/json'].schema, 'Nur für Admins'),
      413: jsonResponse(errorResponses[400].content['application/json'].schema, 'Mehr als 20 MB'),
    },
  }),
  async (c) => {
    const form = c.req.valid('form');
    const files = await Promise.all(
      [form.dateien].flat().map(async (file) => ({ name: file.name, content: new Uint8Array(await file.arrayBuffer()) })),
    );
    const read = await readCatalogue(files);
    const bericht = await withCaller(c, (tx) => importCatalogue(tx, read, { apply: form.apply, hideMissing: form.hideMissing }));
    const zusammenfassung = summarise(bericht);
    if (bericht.fehler.length) {
      const [erster] = bericht.fehler;
      const ort = erster!.zeile === undefined ? erster!.datei : `${erster!.datei}, Zeile ${erster!.zeile}`;
      throw badRequest(
        `Der Import enthält ${bericht.fehler.length} Fehler, nichts wurde übernommen. Der erste: ${ort}: ${erster!.text}`,
        { ...bericht, zusammenfassung },
      );
    }
    return c.json({ ...bericht, zusammenfassung }, 200);
  },
);
