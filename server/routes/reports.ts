import { createRoute } from '@hono/zod-openapi';
import { withCaller } from '../auth/caller.ts';
import { createRouter, errorResponses, jsonResponse } from '../openapi.ts';
import { ProgressQuerySchema, ProgressResponseSchema, TrendQuerySchema, TrendResponseSchema } from '../review/contract.ts';
import { progressWorkbook } from '../review/progress-xlsx.ts';
import { loadProgress } from '../review/progress.ts';
import { loadTrend } from '../review/trend.ts';
import { XLSX_TYPE } from '../xlsx/export.ts';
import { Binary, xlsxResponse } from './xlsx.ts';

const description =
  'Je OZG-Leistung: wie viele Kommunen in welchem Status und Reifegrad sind und der Anteil ab Reifegrad 3 (OZG-erfüllt); ' +
  'je Kommune und je Themenfeld dasselbe über die Leistungen summiert. Optional nur ein Themenfeld oder ein Kreis.';

export const reportsRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/reports/trend',
      tags: ['Fortschritt'],
      summary: 'Die Zahlen je Stichtag (ältester zuerst) und heute, je Themenfeld und je OZG-Leistung',
      description:
        'zeitpunkte: die Stichtage und zuletzt heute (stichtag = null); je Themenfeld und OZG-Leistung werte in derselben Reihenfolge ' +
        '(Einträge, online, OZG-konform und Anteil), null wo es damals keinen gezählten Eintrag gab.',
      request: { query: TrendQuerySchema },
      responses: { 200: jsonResponse(TrendResponseSchema, 'Die Zeitreihen'), ...errorResponses },
    }),
    async (c) => c.json(await withCaller(c, (tx) => loadTrend(tx, c.req.valid('query'))), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/reports/progress',
      tags: ['Fortschritt'],
      summary: 'Umsetzungsstand der Kommunen je Themenfeld, OZG-Leistung und Kommune',
      description,
      request: { query: ProgressQuerySchema },
      responses: { 200: jsonResponse(ProgressResponseSchema, 'Drei Tabellen mit Spaltenbeschreibung'), ...errorResponses },
    }),
    async (c) => c.json(await withCaller(c, (tx) => loadProgress(tx, c.req.valid('query'))), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/reports/progress.xlsx',
      tags: ['Fortschritt'],
      summary: 'Der Umsetzungsstand als Excel-Datei',
      description:
        `${description} Vorn das Blatt „Verlauf“: der Anteil OZG-konform je Themenfeld zu jedem Stichtag und heute, mit Liniendiagramm. ` +
        'Jedes Blatt druckt A4 quer auf Seitenbreite, die Kopfzeile auf jeder Seite.',
      request: { query: ProgressQuerySchema },
      responses: { 200: { description: 'Die Arbeitsmappe (.xlsx)', content: { [XLSX_TYPE]: { schema: Binary } } }, ...errorResponses },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const { report, trend } = await withCaller(c, async (tx) => ({
        report: await loadProgress(tx, query),
        trend: await loadTrend(tx, { themenfeld: query.themenfeld, kreis: query.kreis }),
      }));
      const suffix = [query.themenfeld && `themenfeld-${query.themenfeld}`, query.kreis && `kreis-${query.kreis}`].filter(Boolean);
      return xlsxResponse(c, await progressWorkbook(report, trend), `fortschritt${suffix.map((s) => `-${s}`).join('')}.xlsx`);
    },
  );
