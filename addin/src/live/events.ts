/**
 * The pane's side of the live change stream (GET /api/events): parsing server-sent events,
 * deciding whether a notice is already covered by the cursor of the last pull, and keeping one
 * connection open with reconnects. No DOM, no Office: the same code runs in the pane, in Node
 * tests and in the bench.
 *
 * Why fetch and not EventSource: EventSource cannot send an Authorization header
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface takes
 * only a URL and withCredentials), and the API authenticates by bearer token, never by cookie. A
 * fetch whose body is read as a stream sends the token like every other request, and gets 401,
 * 403, 404 and 429 as ordinary JSON answers before the stream starts.
 */

export interface SheetRef {
  kind: string;
  scope: string;
}

export interface ChangeNotice extends SheetRef {
  txid: string;
}

export interface ServerSentEvent {
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * The event-stream format as the HTML standard defines it
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * lines end in CRLF, LF or CR; a line starting with a colon is a comment (the server's heartbeat);
 * one space after the field's colon is dropped; data lines are joined with LF; a blank line
 * dispatches the event, and one without data is dropped.
 */
export class EventStreamParser {
  private buffer = '';
  private pendingCr = false;
  private event = '';
  private data: string[] = [];
  private id: string | undefined;
  /** The id of the last event with one, as EventSource keeps it for Last-Event-ID. */
  lastEventId: string | undefined;

  push(chunk: string): ServerSentEvent[] {
    let text = chunk;
    // A CR at the end of the previous chunk may be the first half of CRLF.
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/\r\n|\n|\r/);
      if (end < 0) break;
      const line = this.buffer.slice(0, end);
      const crlf = this.buffer.startsWith('\r\n', end);
      if (!crlf && this.buffer[end] === '\r' && end === this.buffer.length - 1) this.pendingCr = true;
      this.buffer = this.buffer.slice(end + (crlf ? 2 : 1));
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') {
      const data = this.data;
      const event = this.event || 'message';
      this.data = [];
      this.event = '';
      if (this.id !== undefined) this.lastEventId = this.id;
      if (!data.length) return undefined;
      return { event, data: data.join('\n'), id: this.lastEventId };
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\u0000')) this.id = value;
    return undefined;
  }
}

/**
 * Whether a pull with this cursor (a pg_snapshot "xmin:xmax:xip,…") already saw transaction txid,
 * by the rule of pg_visible_in_snapshot (https://www.postgresql.org/docs/current/functions-info.html,
 * "Snapshot Information"): below xmin it had committed, from xmax on it had not started, in between
 * it is visible unless listed as still running. A notice is delivered only after its transaction
 * committed, so "visible" here means "its change is in that pull".
 */
export function cursorCovers(cursor: string, txid: string): boolean {
  const [xmin, xmax, running = ''] = cursor.split(':');
  if (xmin === undefined || xmax === undefined || !/^\d+$/.test(txid)) return false;
  const id = BigInt(txid);
  if (id < BigInt(xmin)) return true;
  if (id >= BigInt(xmax)) return false;
  return !running.split(',').some((xid) => xid !== '' && BigInt(xid) === id);
}

/** A bound sheet as the rule below needs it: what it is, and the cursor of its last pull (null before one). */
export interface BoundSheet extends SheetRef {
  cursor: string | null;
}

/**
 * Which of a workbook's sheets a notice on its one stream is news for: the sheet of the notice's
 * kind and scope, unless the cursor of that sheet's last pull already saw the transaction (a pane
 * hears of its own pushes and pulls too). The server tells every subscribed sheet under its own
 * scope (a Kreis sheet gets its Kommunen's changes with the Kreisschlüssel, an IT-Dienstleister's
 * sheet with dl:<id>, every leistung-kommunen sheet its own OZG-ID for a bulk change), so the
 * match is exact: a Kommune's notice is not also taken for the Kreis sheet, which gets its own.
 */
export function sheetWithNews<T extends BoundSheet>(notice: ChangeNotice, sheets: readonly T[]): T | undefined {
  const sheet = sheets.find(({ kind, scope }) => kind === notice.kind && scope === notice.scope);
  if (!sheet || (sheet.cursor !== null && cursorCovers(sheet.cursor, notice.txid))) return undefined;
  return sheet;
}

export type LiveState =
  /** The stream is open: changes arrive within seconds. */
  | { state: 'live' }
  /** The stream broke and is being reopened; meanwhile the pane polls. */
  | { state: 'reconnecting'; reason: string }
  /** The server or a proxy does not carry event streams here: the pane polls instead. */
  | { state: 'unavailable'; reason: string };

export interface LiveOptions {
  /** The API's origin for this attempt, e.g. to move to another server process after one went away. */
  baseUrl: () => string;
  token: () => string | Promise<string>;
  sheets: SheetRef[];
  /** After every (re)connect and after the server says it may have missed notices: pull the delta once. */
  onResync: () => void;
  onChange: (notice: ChangeNotice) => void;
  onState?: (state: LiveState) => void;
  fetch?: typeof fetch;
  /** First wait before reconnecting; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Without a byte for this long (the server's heartbeat is every 15 s) the connection counts as dead. */
  silenceMs?: number;
}

export interface LiveConnection {
  close(): void;
}

export function eventsUrl(baseUrl: string, sheets: SheetRef[]): string {
  const query = new URLSearchParams();
  for (const { kind, scope } of sheets) query.append('sheet', `${kind}:${scope}`);
  return `${baseUrl}/api/events?${query}`;
}

/** Opens the stream and keeps it open until close(): reconnects with backoff, with Last-Event-ID. */
export function connectLive(options: LiveOptions): LiveConnection {
  const doFetch = options.fetch ?? fetch.bind(globalThis);
  const retryMs = options.retryMs ?? 1_000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const silenceMs = options.silenceMs ?? 45_000;
  const parser = new EventStreamParser();
  let closed = false;
  let current: AbortController | undefined;
  let wait = retryMs;

  const report = (state: LiveState) => options.onState?.(state);

  async function once(): Promise<void> {
    const controller = new AbortController();
    current = controller;
    let silence: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(), silenceMs);
    };
    try {
      alive();
      const headers: Record<string, string> = { authorization: `Bearer ${await options.token()}`, accept: 'text/event-stream' };
      if (parser.lastEventId !== undefined) headers['last-event-id'] = parser.lastEventId;
      const response = await doFetch(eventsUrl(options.baseUrl(), options.sheets), { headers, signal: controller.signal, cache: 'no-store' });
      if (!response.ok) {
        const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
        const reason = body?.error?.message ?? `Der Server antwortet mit ${response.status}.`;
        // 4xx but 429 will not get better by retrying soon: wait as long as allowed.
        if (response.status !== 429 && response.status < 500) wait = maxRetryMs;
        report({ state: 'unavailable', reason });
        return;
      }
      if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        wait = maxRetryMs;
        report({ state: 'unavailable', reason: 'Ein Proxy zwischen Ihnen und dem Server lässt keine Live-Verbindung durch.' });
        return;
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        alive();
        for (const event of parser.push(value)) {
          if (event.event === 'bereit') {
            wait = retryMs;
            report({ state: 'live' });
            options.onResync();
          } else if (event.event === 'neu-abrufen') {
            options.onResync();
          } else if (event.event === 'aenderung') {
            options.onChange(JSON.parse(event.data) as ChangeNotice);
          }
        }
      }
      report({ state: 'reconnecting', reason: 'Die Live-Verbindung wurde beendet.' });
    } catch {
      if (!closed) report({ state: 'reconnecting', reason: 'Die Live-Verbindung ist abgerissen.' });
    } finally {
      clearTimeout(silence);
    }
  }

  void (async () => {
    while (!closed) {
      await once();
      if (closed) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, maxRetryMs);
    }
  })();

  return {
    close() {
      closed = true;
      current?.abort();
    },
  };
}
