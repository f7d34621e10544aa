import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { callerOf, withCaller } from '../auth/caller.ts';
import type { ChangeNotice, SheetRef } from '../live/hub.ts';
import { createRouter, errorResponses, jsonResponse, z, type AppEnv } from '../openapi.ts';
import { checkScope } from '../sync/pull.ts';
import { KindParam, requireSheet, ScopeQuery } from './sheets.ts';

/** Sheets one stream may follow: every sheet of a large workbook, not the whole catalogue. */
export const MAX_SHEETS_PER_STREAM = 50;

const error = (description: string) => jsonResponse(errorResponses[400].content['application/json'].schema, description);

const StreamResponse = {
  description:
    'Ein Ereignisstrom (text/event-stream). Zuerst das Ereignis `bereit`; danach `aenderung` mit data {"kind", "scope", "txid"} ' +
    'je Transaktion, die eine der Tabellen geändert hat, und `neu-abrufen`, wenn der Server Benachrichtigungen verpasst haben kann. ' +
    'Alle 15 Sekunden eine Kommentarzeile, damit Proxys die Verbindung offen halten. Jedes Ereignis hat eine id, die nur wächst.',
  content: { 'text/event-stream': { schema: z.string() } },
};

const streamErrors = {
  ...errorResponses,
  401: error('Nicht angemeldet oder Anmeldung abgelaufen'),
  403: error('Noch nicht als Mitglied freigeschaltet'),
  429: error('Zu viele offene Live-Verbindungen dieses Mitglieds oder dieses Servers'),
  503: error('Die Datenbank nimmt gerade keine Live-Verbindung an'),
};

const CLIENT_RULE =
  'Der Server schickt keine Werte, nur wer sich geändert hat: Deckt der Cursor des letzten Abrufs (pg_snapshot) die Transaktion txid nicht, ' +
  'ruft der Client die Änderungen mit GET /api/sheets/{kind}/rows?since=<cursor> ab. Nach jedem (Wieder-)Verbinden, sobald `bereit` ' +
  'ankommt, und nach `neu-abrufen` ruft er einmal die Änderungen seit seinem Cursor ab; so verzögert eine abgerissene Verbindung ' +
  'eine Änderung höchstens, verliert sie aber nie. Last-Event-ID wird angenommen, aber nichts wird nachgeliefert: der Abruf ab dem ' +
  'Cursor ist vollständig. Welche Ereignisströme jemand öffnen darf, entscheidet dieselbe Prüfung wie beim Abrufen (401, 403, 404 vor dem Strom).';

/** Checks every sheet as a pull would (404 for an unknown kind or scope), as the caller, before any stream starts. */
async function checkSheets(c: Context<AppEnv>, sheets: { kind: string; scope: string }[]): Promise<SheetRef[]> {
  const refs = sheets.map(({ kind, scope }) => ({ sheet: requireSheet(kind), scope }));
  await withCaller(c, async (tx) => {
    for (const { sheet, scope } of refs) await checkScope(tx, sheet, scope);
  });
  return refs.map(({ sheet, scope }) => ({ kind: sheet.kind, scope }));
}

async function openStream(c: Context<AppEnv>, sheets: SheetRef[]) {
  const live = c.get('live');
  const { email } = await callerOf(c);
  // Before the stream starts, so that 429 is an ordinary JSON answer.
  live.hub.checkLimits(email);
  return streamSSE(c, async (stream) => {
    let write = Promise.resolve();
    const send = (message: { event: string; data: string; id: number }) => {
      write = write.then(() => stream.writeSSE({ ...message, id: String(message.id) }));
    };
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const subscription = await live.hub.subscribe(email, sheets, {
      change: (notice: ChangeNotice, id) =>
        send({ event: 'aenderung', id, data: JSON.stringify({ kind: notice.kind, scope: notice.scope, txid: notice.txid }) }),
      resync: (id) => send({ event: 'neu-abrufen', id, data: '{}' }),
      end: ended,
    });
    stream.onAbort(() => {
      subscription.close();
      ended();
    });
    send({ event: 'bereit', id: live.hub.currentId, data: JSON.stringify({ sheets }) });
    const heartbeat = setInterval(() => {
      write = write.then(() => stream.write(': \n\n').then(() => {}));
    }, live.heartbeatMs);
    try {
      await done;
    } finally {
      clearInterval(heartbeat);
      subscription.close();
      await write;
    }
  });
}

const SheetParam = z
  .string()
  .max(80)
  // dl:<id> is an IT-Dienstleister's scope; which scopes a kind takes is checked per kind as a pull checks it.
  .regex(/^[a-z-]{1,50}:(?:dl:)?[0-9]{1,20}$/, {
    error: 'Erwartet wird Tabellenart:Bereich, z. B. kommune-status:05315000 oder kommune-status:dl:1.',
  });

export const eventsRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/sheets/{kind}/events',
      tags: ['Synchronisation'],
      summary: 'Live: Bescheid bekommen, sobald sich die Tabelle eines Bereichs ändert (Server-Sent Events)',
      description: CLIENT_RULE,
      request: { params: KindParam, query: z.object({ scope: ScopeQuery }) },
      responses: { 200: StreamResponse, ...streamErrors },
    }),
    async (c) => {
      const { kind } = c.req.valid('param');
      const { scope } = c.req.valid('query');
      return openStream(c, await checkSheets(c, [{ kind, scope }])) as never;
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/api/events',
      tags: ['Synchronisation'],
      summary: 'Live: ein Ereignisstrom für mehrere Tabellen einer Arbeitsmappe',
      description: `Jede Tabelle als sheet=Tabellenart:Bereich, wiederholt, höchstens ${MAX_SHEETS_PER_STREAM}. ${CLIENT_RULE}`,
      request: {
        query: z.object({
          sheet: z
            .union([SheetParam, z.array(SheetParam).max(MAX_SHEETS_PER_STREAM, { error: `Höchstens ${MAX_SHEETS_PER_STREAM} Tabellen je Ereignisstrom.` })])
            .openapi({ param: { name: 'sheet', in: 'query', style: 'form', explode: true }, example: 'kommune-status:05315000' }),
        }),
      },
      responses: { 200: StreamResponse, ...streamErrors },
    }),
    async (c) => {
      const { sheet } = c.req.valid('query');
      const list = (Array.isArray(sheet) ? sheet : [sheet]).map((entry) => {
        const at = entry.indexOf(':');
        return { kind: entry.slice(0, at), scope: entry.slice(at + 1) };
      });
      return openStream(c, await checkSheets(c, list)) as never;
    },
  );
