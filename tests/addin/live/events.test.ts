import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectLive, cursorCovers, EventStreamParser, sheetWithNews, type LiveState } from '../../../addin/src/live/events.ts';
import type { Database } from '../../../server/db/database.ts';
import { openPglite } from '../../../server/db/pglite.ts';

let db: Database;
beforeAll(async () => {
  db = await openPglite();
});
afterAll(async () => {
  await db.close();
});

it('decides whether a cursor covers a transaction exactly as PostgreSQL’s pg_visible_in_snapshot does', async () => {
  const snapshot = fc
    .tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 20 }), fc.uniqueArray(fc.integer({ min: 0, max: 19 })))
    .map(([xmin, width, offsets]) => {
      const running = offsets.filter((o) => o < width).map((o) => xmin + o).sort((a, b) => a - b);
      return `${xmin}:${xmin + width}:${running.join(',')}`;
    });
  await fc.assert(
    fc.asyncProperty(snapshot, fc.integer({ min: 1, max: 100 }), async (cursor, txid) => {
      const [{ visible }] = (await db.query<{ visible: boolean }>(`select pg_visible_in_snapshot($1::text::xid8, $2::pg_snapshot) as visible`, [
        String(txid),
        cursor,
      ])) as [{ visible: boolean }];
      expect(cursorCovers(cursor, String(txid))).toBe(visible);
    }),
    { numRuns: 300 },
  );
});

it('takes a notice on the workbook’s one stream as news for the bound sheet of its kind and scope, unless that sheet’s last pull saw it', () => {
  // Köln pulled when transactions up to 99 had committed and 95 still ran; Mettmann's sheet pulled later.
  const koeln = { kind: 'kommune-status', scope: '05315000', cursor: '95:100:95' };
  const kreis = { kind: 'kommune-status', scope: '05158', cursor: '120:120:' };
  const dienstleister = { kind: 'kommune-status', scope: 'dl:3', cursor: '120:120:' };
  const reisepass = { kind: 'leistung-kommunen', scope: '10177', cursor: '120:120:' };
  const sheets = [koeln, kreis, dienstleister, reisepass];
  const news = (kind: string, scope: string, txid: string) => sheetWithNews({ kind, scope, txid }, sheets);

  expect(news('kommune-status', '05315000', '100')).toBe(koeln);
  // still running at Köln's pull, so not in it; 96 had committed and is in it
  expect(news('kommune-status', '05315000', '95')).toBe(koeln);
  expect(news('kommune-status', '05315000', '96')).toBeUndefined();
  // the server tells the Kreis sheet a Kommune's change under the Kreisschlüssel, in a notice of its own
  expect(news('kommune-status', '05158', '130')).toBe(kreis);
  expect(news('kommune-status', '05158024', '130')).toBeUndefined();
  expect(news('kommune-status', 'dl:3', '130')).toBe(dienstleister);
  expect(news('leistung-kommunen', '10177', '119')).toBeUndefined();
  expect(news('leistung-kommunen', '10177', '120')).toBe(reisepass);
  // the same scope under another kind, or a sheet unbound meanwhile, is no bound sheet's news
  expect(news('leistung-status', '05315000', '130')).toBeUndefined();
  expect(news('kommune-status', '05166012', '130')).toBeUndefined();
  // a sheet without a cursor yet has seen nothing
  expect(sheetWithNews({ kind: 'kommune-status', scope: '05315000', txid: '1' }, [{ ...koeln, cursor: null }])).toEqual({ ...koeln, cursor: null });
});

it('reads events however the stream is cut into chunks, with CRLF, CR or LF line ends, comments and multi-line data', () => {
  const stream = ': Lebenszeichen\r\nevent: bereit\r\nid: 7\r\ndata: {"a":1}\r\n\r\n: x\revent: aenderung\rdata: zeile 1\rdata:zeile 2\rid: 8\r\rdata: ohne Namen\n\nevent: leer\n\n';
  const expected = [
    { event: 'bereit', data: '{"a":1}', id: '7' },
    { event: 'aenderung', data: 'zeile 1\nzeile 2', id: '8' },
    { event: 'message', data: 'ohne Namen', id: '8' },
  ];
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
      const parser = new EventStreamParser();
      const bounds = [0, ...cuts.sort((a, b) => a - b), stream.length];
      const events = bounds.slice(1).flatMap((end, i) => parser.push(stream.slice(bounds[i], end)));
      expect(events).toEqual(expected);
      expect(parser.lastEventId).toBe('8');
    }),
  );
});

/** A stand-in for fetch that answers each call with the next scripted response. */
function scripted(responses: (() => Response)[]) {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const fake = (async (url: string, init: RequestInit) => {
    calls.push({ url, headers: init.headers as Record<string, string> });
    const next = responses.shift();
    if (!next) return new Promise<Response>(() => {});
    return next();
  }) as unknown as typeof fetch;
  return { fake, calls };
}

const sse = (text: string) => () => new Response(text, { headers: { 'content-type': 'text/event-stream' } });

it('resyncs after every (re)connect, sends Last-Event-ID back and the token on every attempt', async () => {
  const { fake, calls } = scripted([
    sse('event: bereit\nid: 3\ndata: {}\n\nevent: aenderung\nid: 4\ndata: {"kind":"kommune-status","scope":"05315000","txid":"900"}\n\n'),
    sse('event: bereit\nid: 9\ndata: {}\n\n'),
  ]);
  const resyncs: number[] = [];
  const changes: string[] = [];
  const connection = connectLive({
    baseUrl: () => 'http://server',
    token: () => 'T',
    sheets: [{ kind: 'kommune-status', scope: '05315000' }],
    onResync: () => resyncs.push(Date.now()),
    onChange: (notice) => changes.push(notice.txid),
    fetch: fake,
    retryMs: 10,
  });
  await waitFor(() => resyncs.length === 2);
  connection.close();
  expect(changes).toEqual(['900']);
  expect(calls[0]!.url).toBe('http://server/api/events?sheet=kommune-status%3A05315000');
  expect(calls.every((c) => c.headers.authorization === 'Bearer T')).toBe(true);
  expect(calls[0]!.headers['last-event-id']).toBeUndefined();
  expect(calls[1]!.headers['last-event-id']).toBe('4');
});

it('reports the stream as unavailable, with the server’s German message, when it is refused or a proxy answers with something else', async () => {
  const { fake } = scripted([
    () => new Response(JSON.stringify({ error: { code: 'too_many_requests', message: 'Sie haben bereits 10 Live-Verbindungen offen.' } }), { status: 429 }),
    () => new Response('<html>Proxy</html>', { headers: { 'content-type': 'text/html' } }),
  ]);
  const states: LiveState[] = [];
  const connection = connectLive({
    baseUrl: () => 'http://server',
    token: () => 'T',
    sheets: [{ kind: 'kommune-status', scope: '05315000' }],
    onResync: () => {},
    onChange: () => {},
    onState: (state) => states.push(state),
    fetch: fake,
    retryMs: 10,
  });
  await waitFor(() => states.length === 2);
  connection.close();
  expect(states).toEqual([
    { state: 'unavailable', reason: 'Sie haben bereits 10 Live-Verbindungen offen.' },
    { state: 'unavailable', reason: expect.stringContaining('Proxy') },
  ]);
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
