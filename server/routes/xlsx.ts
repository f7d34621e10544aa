import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { assertMayWrite, withCaller } from '../auth/caller.ts';
import { AppError, badRequest } from '../errors.ts';
import { createRouter, errorResponses, z, type AppEnv } from '../openapi.ts';
import { PushResponseSchema, type PushRequest } from '../../core/contract.ts';
import { PUSH_LIMITS } from '../../core/limits.ts';
import { statusHinweise } from '../../core/status-hinweise.ts';
import { pushChanges } from '../sync/push.ts';
import { XLSX_TYPE, buildWorkbook, pullSheetFile } from '../xlsx/export.ts';
import { fileIdempotencyKey, planImport, readSheetFile, readUploadBinding } from '../xlsx/import.ts';
import { importResult } from '../xlsx/result.ts';
import { KindParam, requireSheet, ScopeQuery } from './sheets.ts';
import { shapeFor } from '../sync/sheets.ts';

export const Binary = z.string().openapi({ format: 'binary' });
const ErrorBody = errorResponses[400].content['application/json'].schema;
const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });

export const ImportResponseSchema = PushResponseSchema.extend({
  ungueltig: z
    .array(z.object({ id: z.string(), key: z.string(), zeile: z.number().int(), spalte: z.string(), message: z.string() }))
    .openapi({ description: 'Geänderte Zellen ohne gültigen Wert; nicht gesendet' }),
  hinweise: z.array(z.string()).openapi({
    description: 'Was die Datei verlangt, aber nicht übernommen wird: hinzugefügte, gelöschte oder doppelte Zeilen, schreibgeschützte Zellen, fehlende Spalten',
  }),
  zeilen: z
    .array(
      z.object({
        zeile: z.number().int().nullable(),
        leistung: z.string(),
        spalte: z.string(),
        wert: z.string(),
        ergebnis: z.enum(['übernommen', 'Konflikt', 'abgelehnt', 'ungültig']),
        meldung: z.string(),
      }),
    )
    .openapi({
      description:
        'Je gesendeter Zelle: Zeile in der Ergebnisdatei, Leistung, Spaltenüberschrift, gesendeter Wert wie angezeigt, Ergebnis und Grund; dieselben Zeilen wie im Blatt „Ergebnis“ der markierten Arbeitsmappe',
    }),
}).openapi('Importergebnis');

const fileTooLarge = () =>
  new AppError(
    'payload_too_large',
    `Die Datei ist zu groß: höchstens ${PUSH_LIMITS.bytes / 1024 / 1024} MB. Teilen Sie die Tabelle auf oder senden Sie über das Add-in.`,
  );

/**
 * How many uploads one server process unpacks at a time. Each may inflate up to
 * MAX_UNPACKED_BYTES and hold the workbook in ExcelJS; more at once would let a few members
 * exhaust the memory and the one CPU that every other request needs.
 */
const MAX_CONCURRENT_IMPORTS = 2;
let runningImports = 0;

async function withImportSlot<T>(work: () => Promise<T>): Promise<T> {
  if (runningImports >= MAX_CONCURRENT_IMPORTS) {
    throw new AppError(
      'too_many_requests',
      'Gerade werden zu viele Dateien gleichzeitig eingelesen. Bitte senden Sie die Datei in einer Minute noch einmal; übernommen wurde nichts.',
    );
  }
  runningImports++;
  try {
    return await work();
  } finally {
    runningImports--;
  }
}

/** The origin the caller reached the server at: what the binding names as the server to sync with. */
const serverOrigin = (c: Context<AppEnv>) => c.get('origin');

export function xlsxResponse(c: Context<AppEnv>, bytes: Uint8Array, filename: string) {
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    'content-type': XLSX_TYPE,
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
  });
}

export const xlsxRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/sheets/{kind}/export.xlsx',
      tags: ['Synchronisation'],
      summary: 'Eine Tabelle als Excel-Datei zum Ausfüllen ohne Add-in',
      description:
        'Dieselbe Tabelle, die das Add-in anlegt (Auswahllisten, Datumsformat, schreibgeschützte Spalten grau, Verbindung im sehr ausgeblendeten Blatt OZG-Sync), dazu ein Blatt „Anleitung“.',
      request: {
        params: KindParam,
        query: z.object({
          scope: ScopeQuery,
        }),
      },
      responses: {
        200: { description: 'Die Arbeitsmappe (.xlsx)', content: { [XLSX_TYPE]: { schema: Binary } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const sheet = requireSheet(c.req.valid('param').kind);
      const { scope } = c.req.valid('query');
      const file = await withCaller(c, (tx) => pullSheetFile(tx, sheet, scope, serverOrigin(c)), { isolation: 'repeatable read' });
      const { bytes } = await buildWorkbook(file);
      return xlsxResponse(c, bytes, `${sheet.kind}-${scope}.xlsx`);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/sheets/{kind}/import',
      tags: ['Synchronisation'],
      summary: 'Eine ausgefüllte Excel-Datei senden: geänderte Zellen werden wie vom Add-in übernommen',
      description:
        'Die Datei ist der Inhalt der Anfrage. Geändert ist, was von dem in der Datei gespeicherten Stand abweicht; gesendet wird wie mit POST /api/sheets/{kind}/changes (Quelle xlsx). Dieselbe Datei wird nur einmal übernommen. ' +
        `Mit Accept: ${XLSX_TYPE} kommt die Arbeitsmappe mit markierten Zellen und neuem Stand zurück.`,
      middleware: [
        bodyLimit({
          maxSize: PUSH_LIMITS.bytes,
          onError: () => {
            throw fileTooLarge();
          },
        }),
      ] as const,
      request: {
        params: KindParam,
        body: { content: { [XLSX_TYPE]: { schema: Binary } }, required: true },
      },
      responses: {
        200: {
          description: 'Ein Ergebnis je geänderter Zeile, dazu ungültige Zellen und Hinweise; oder die markierte Arbeitsmappe',
          content: { 'application/json': { schema: ImportResponseSchema }, [XLSX_TYPE]: { schema: Binary } },
        },
        ...errorResponses,
        403: error('Bereich darf nur gelesen werden'),
        413: error('Datei größer als 10 MB oder mehr als 10.000 geänderte Zeilen'),
        429: error('Zu viele Dateien werden gerade gleichzeitig eingelesen'),
      },
    }),
    (c) => withImportSlot(async () => {
      const sheet = requireSheet(c.req.valid('param').kind);
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      // Kind, scope and the write permission first, from the small parts: a member who may only read
      // the scope never gets the server to inflate the sheets.
      const binding = await readUploadBinding(bytes);
      if (binding.kind !== sheet.kind) {
        throw badRequest(
          `Diese Datei gehört zur Tabellenart „${binding.kind}“ („${binding.title}“), nicht zu „${sheet.kind}“. Senden Sie sie an /api/sheets/${binding.kind}/import.`,
        );
      }
      // Sheets across Kommunen are refused row by row (pushChanges), not as a whole.
      if (!shapeFor(sheet, binding.scope).rowOwner) await withCaller(c, (tx) => assertMayWrite(tx, sheet, binding.scope));
      const upload = await readSheetFile(bytes);
      if (upload.binding.kind !== binding.kind || upload.binding.scope !== binding.scope) {
        throw badRequest('Die Verbindungsdaten dieser Arbeitsmappe sind widersprüchlich. Bitte exportieren Sie die Tabelle neu.');
      }
      const plan = planImport(upload);
      if (plan.changes.length > PUSH_LIMITS.changes) {
        throw new AppError(
          'payload_too_large',
          `Zu viele geänderte Zeilen in einer Datei: höchstens ${PUSH_LIMITS.changes.toLocaleString('de-DE')}. Senden Sie die Änderungen in mehreren Dateien.`,
        );
      }
      const request: PushRequest = {
        scope: binding.scope,
        idempotencyKey: fileIdempotencyKey(bytes),
        source: 'xlsx',
        changes: plan.changes,
      };
      const response = await withCaller(c, (tx) => pushChanges(tx, sheet, request));
      plan.hinweise.push(...statusHinweise(response.results).map((hinweis) => hinweis.message));
      const current = await withCaller(c, (tx) => pullSheetFile(tx, sheet, binding.scope, serverOrigin(c)), {
        isolation: 'repeatable read',
      });
      const ergebnis = importResult(upload, plan, response, current.pull);
      if (!c.req.header('accept')?.includes(XLSX_TYPE)) {
        return c.json({ ...response, ungueltig: plan.ungueltig, hinweise: plan.hinweise, zeilen: ergebnis.report.lines }, 200);
      }
      const { bytes: result } = await buildWorkbook({ ...current, ...ergebnis });
      return xlsxResponse(c, result, `${sheet.kind}-${binding.scope}-ergebnis.xlsx`);
    }),
  );
