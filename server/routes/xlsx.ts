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
import { XLSX_TYPE, buildWorkbook, buildWorkbooks, pullSheetFile, type SheetFile } from '../xlsx/export.ts';
import {
  MAX_TABLES_PER_FILE,
  fileIdempotencyKey,
  planImport,
  readSheetFile,
  readSheetFiles,
  readUploadBinding,
  readUploadBindings,
  type ImportPlan,
  type SlotBinding,
  type UploadedSheet,
} from '../xlsx/import.ts';
import { importResult } from '../xlsx/result.ts';
import { KindParam, requireSheet, ScopeQuery } from './sheets.ts';
import { SheetParam, parseSheetParams } from './events.ts';
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

const Anzahl = z
  .object({
    uebernommen: z.number().int(),
    unveraendert: z.number().int(),
    konflikt: z.number().int(),
    abgelehnt: z.number().int(),
    ungueltig: z.number().int(),
  })
  .openapi({ description: 'Zeilen je Ergebnis und ungültige Zellen dieser Tabelle' });

export const MultiImportResponseSchema = z
  .object({
    tabellen: z.array(
      z.object({
        kind: z.string(),
        scope: z.string(),
        titel: z.string(),
        blatt: z.string().openapi({ description: 'Das Blatt der Tabelle in der Datei' }),
        anzahl: Anzahl.optional(),
        ergebnis: ImportResponseSchema.optional().openapi({ description: 'Wie POST /api/sheets/{kind}/import für diese Tabelle allein' }),
        fehler: z
          .object({ code: z.string(), message: z.string() })
          .optional()
          .openapi({ description: 'Warum diese Tabelle nicht übernommen wurde (etwa: darf nur gelesen werden); die anderen sind davon unberührt' }),
      }),
    ),
  })
  .openapi('Importergebnis mehrerer Tabellen');

type ImportResponse = z.infer<typeof ImportResponseSchema>;

const anzahl = (response: ImportResponse) => {
  const count = (outcome: string) => response.results.filter((result) => result.outcome === outcome).length;
  return {
    uebernommen: count('applied'),
    unveraendert: count('unchanged'),
    konflikt: count('conflict'),
    abgelehnt: count('rejected'),
    ungueltig: response.ungueltig.length,
  };
};

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

const tooManyChanges = () =>
  new AppError(
    'payload_too_large',
    `Zu viele geänderte Zeilen in einer Datei: höchstens ${PUSH_LIMITS.changes.toLocaleString('de-DE')}. Senden Sie die Änderungen in mehreren Dateien.`,
  );

/**
 * One table of an uploaded file sent as a push, then read back as it now stands, for the answer and the
 * marked result workbook: the same for a file with one table and for each table of a file with several.
 */
async function sendTable(c: Context<AppEnv>, upload: UploadedSheet, plan: ImportPlan, idempotencyKey: string) {
  const sheet = requireSheet(upload.binding.kind);
  const request: PushRequest = { scope: upload.binding.scope, idempotencyKey, source: 'xlsx', changes: plan.changes };
  const response = await withCaller(c, (tx) => pushChanges(tx, sheet, request));
  plan.hinweise.push(...statusHinweise(response.results).map((hinweis) => hinweis.message));
  const current = await withCaller(c, (tx) => pullSheetFile(tx, sheet, upload.binding.scope, serverOrigin(c)), {
    isolation: 'repeatable read',
  });
  const ergebnis = importResult(upload, plan, response, current.pull);
  const result: ImportResponse = { ...response, ungueltig: plan.ungueltig, hinweise: plan.hinweise, zeilen: ergebnis.report.lines };
  return { result, current, ergebnis };
}

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
      if (plan.changes.length > PUSH_LIMITS.changes) throw tooManyChanges();
      const { result, current, ergebnis } = await sendTable(c, upload, plan, fileIdempotencyKey(bytes));
      if (!c.req.header('accept')?.includes(XLSX_TYPE)) return c.json(result, 200);
      const { bytes: marked } = await buildWorkbook({ ...current, ...ergebnis });
      return xlsxResponse(c, marked, `${sheet.kind}-${binding.scope}-ergebnis.xlsx`);
    }),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/export.xlsx',
      tags: ['Synchronisation'],
      summary: 'Mehrere Tabellen in einer Excel-Datei, jede auf einem eigenen Blatt',
      description:
        `Jede Tabelle als sheet=Tabellenart:Bereich, wiederholt, höchstens ${MAX_TABLES_PER_FILE}, z. B. alle Kommunen eines Kreises. ` +
        'Jede Tabelle wie GET /api/sheets/{kind}/export.xlsx auf einem eigenen Blatt mit eigener Verbindung, so wie das Add-in sie nacheinander abrufen würde; ' +
        'das Blatt „Anleitung“ nennt alle. Jede Tabelle wird wie ein einzelner Export geprüft, bevor etwas erstellt wird. Zurücksenden mit POST /api/import.',
      request: {
        query: z.object({
          sheet: z
            .union([SheetParam, z.array(SheetParam)])
            .openapi({ param: { name: 'sheet', in: 'query', style: 'form', explode: true }, example: 'kommune-status:05315000' }),
        }),
      },
      responses: {
        200: { description: 'Die Arbeitsmappe (.xlsx)', content: { [XLSX_TYPE]: { schema: Binary } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const list = parseSheetParams(c.req.valid('query').sheet);
      // Counted here, not in the schema: a failed union reports only "Ungültige Eingabe".
      if (list.length > MAX_TABLES_PER_FILE) throw badRequest(`Höchstens ${MAX_TABLES_PER_FILE} Tabellen in einer Datei.`);
      const seen = new Set<string>();
      for (const { kind, scope } of list) {
        if (seen.has(`${kind}:${scope}`)) throw badRequest(`Die Tabelle ${kind}:${scope} ist doppelt angegeben; jede Tabelle steht nur einmal in einer Datei.`);
        seen.add(`${kind}:${scope}`);
      }
      const sheets = list.map(({ kind, scope }) => ({ sheet: requireSheet(kind), scope }));
      // One snapshot for all tables: the file shows one moment, and a 403 or 404 of any table comes before anything is built.
      const files = await withCaller(
        c,
        async (tx) => {
          const pulled: SheetFile[] = [];
          for (const { sheet, scope } of sheets) pulled.push(await pullSheetFile(tx, sheet, scope, serverOrigin(c)));
          return pulled;
        },
        { isolation: 'repeatable read' },
      );
      const { bytes } = await buildWorkbooks(files);
      return xlsxResponse(c, bytes, files.length === 1 ? `${files[0]!.binding.kind}-${files[0]!.binding.scope}.xlsx` : `ozg-sync-${files.length}-tabellen.xlsx`);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/api/import',
      tags: ['Synchronisation'],
      summary: 'Eine ausgefüllte Excel-Datei mit einer oder mehreren Tabellen senden',
      description:
        'Wie POST /api/sheets/{kind}/import, für jede verbundene Tabelle der Datei (jedes Blatt OZG-Sync, OZG-Sync 2, …). ' +
        'Jede Tabelle wird für sich geprüft und in einer eigenen Transaktion übernommen: darf das Mitglied eine Tabelle nicht ändern, ' +
        'steht bei ihr ein fehler, die anderen werden trotzdem übernommen. Dürfen alle nicht geändert werden, antwortet der Server mit 403, ohne die Blätter zu entpacken. ' +
        `Dieselbe Datei wird nur einmal übernommen. Mit Accept: ${XLSX_TYPE} kommt die Arbeitsmappe mit markierten Zellen in jedem Blatt zurück.`,
      middleware: [
        bodyLimit({
          maxSize: PUSH_LIMITS.bytes,
          onError: () => {
            throw fileTooLarge();
          },
        }),
      ] as const,
      request: { body: { content: { [XLSX_TYPE]: { schema: Binary } }, required: true } },
      responses: {
        200: {
          description: 'Ein Ergebnis je Tabelle der Datei; oder die markierte Arbeitsmappe',
          content: { 'application/json': { schema: MultiImportResponseSchema }, [XLSX_TYPE]: { schema: Binary } },
        },
        ...errorResponses,
        403: error('Keine Tabelle der Datei darf geändert werden'),
        413: error('Datei größer als 10 MB oder mehr als 10.000 geänderte Zeilen'),
        429: error('Zu viele Dateien werden gerade gleichzeitig eingelesen'),
      },
    }),
    (c) => withImportSlot(async () => {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const bindings = await readUploadBindings(bytes);
      // Every table's rights from the small parts first; a file none of whose tables may be written is never inflated.
      const checked: { entry: SlotBinding; refused?: AppError }[] = [];
      for (const entry of bindings) {
        try {
          const sheet = requireSheet(entry.binding.kind);
          if (!shapeFor(sheet, entry.binding.scope).rowOwner) await withCaller(c, (tx) => assertMayWrite(tx, sheet, entry.binding.scope));
          checked.push({ entry });
        } catch (cause) {
          if (!(cause instanceof AppError)) throw cause;
          checked.push({ entry, refused: cause });
        }
      }
      if (checked.every(({ refused }) => refused)) throw checked[0]!.refused!;
      const uploads = await readSheetFiles(
        bytes,
        checked.filter(({ refused }) => !refused).map(({ entry }) => entry.slot),
      );
      const total = uploads.reduce((sum, upload) => sum + planImport(upload).changes.length, 0);
      if (total > PUSH_LIMITS.changes) throw tooManyChanges();
      const tabellen: z.infer<typeof MultiImportResponseSchema>['tabellen'] = [];
      const files: SheetFile[] = [];
      const reportLines: SheetFile['report'] = { summary: [], lines: [] };
      // A file of one table gets the result workbook of POST /api/sheets/{kind}/import: no sheet to name.
      const several = checked.length > 1;
      let next = 0;
      for (const { entry, refused } of checked) {
        const { binding } = entry;
        const head = { kind: binding.kind, scope: binding.scope, titel: binding.title, blatt: binding.dataSheet };
        if (refused) {
          tabellen.push({ ...head, fehler: { code: refused.code, message: refused.message } });
          reportLines.summary.push(`„${binding.title}“ (Blatt „${binding.dataSheet}“): nicht übernommen. ${refused.message}`);
          continue;
        }
        const upload = uploads[next++]!;
        if (upload.binding.kind !== binding.kind || upload.binding.scope !== binding.scope) {
          throw badRequest('Die Verbindungsdaten dieser Arbeitsmappe sind widersprüchlich. Bitte exportieren Sie die Tabellen neu.');
        }
        // Each table in its own transaction: a table that fails (or conflicts) leaves the others as sent.
        const { result, current, ergebnis } = await sendTable(c, upload, planImport(upload), fileIdempotencyKey(bytes, entry.slot));
        tabellen.push({ ...head, blatt: upload.dataSheet, anzahl: anzahl(result), ergebnis: result });
        reportLines.summary.push(...(several ? [`„${binding.title}“ (Blatt „${upload.dataSheet}“):`] : []), ...ergebnis.report.summary.slice(1));
        reportLines.lines.push(...ergebnis.report.lines.map((line) => (several ? { ...line, blatt: upload.dataSheet } : line)));
        files.push({ ...current, marks: ergebnis.marks });
      }
      if (!c.req.header('accept')?.includes(XLSX_TYPE)) return c.json({ tabellen }, 200);
      reportLines.summary.unshift(`Import vom ${new Date().toLocaleString('de-DE', { timeZone: 'Europe/Berlin' })}`);
      // Refused tables are left out of the returned workbook: it holds what the member may send again.
      files[0] = { ...files[0]!, report: reportLines };
      const { bytes: result } = await buildWorkbooks(files);
      const { kind, scope } = checked[0]!.entry.binding;
      return xlsxResponse(c, result, several ? 'ergebnis.xlsx' : `${kind}-${scope}-ergebnis.xlsx`);
    }),
  );
