import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { EventStreamParser, eventsUrl, type ServerSentEvent, type SheetRef } from '../../addin/src/live/events.ts';
import type { LiveStreams } from '../../server/openapi.ts';
import { testAuth } from './api.ts';
import { createApp } from '../../server/app.ts';
import type { Database } from '../../server/db/database.ts';

/** The app behind a real HTTP server on a free port, as streams need a socket to stay open on. */
export async function serveApp(db: Database, live?: LiveStreams): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp({ db, auth: testAuth, ...(live ? { live } : {}) });
  const server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One open event stream read as the pane reads it, with every event and comment line kept in order. */
export interface OpenStream {
  status: number;
  contentType: string | null;
  /** The JSON error body when the stream was refused. */
  error: { error: { code: string; message: string } } | undefined;
  events: ServerSentEvent[];
  comments: number;
  /** Resolves with the first event of this name after the ones already taken; rejects after timeoutMs. */
  next(event: string, timeoutMs?: number): Promise<ServerSentEvent>;
  close(): void;
}

export async function openStream(baseUrl: string, token: string | null, sheets: SheetRef[] | string): Promise<OpenStream> {
  const controller = new AbortController();
  const url = typeof sheets === 'string' ? `${baseUrl}${sheets}` : eventsUrl(baseUrl, sheets);
  const response = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: controller.signal,
  });
  const events: ServerSentEvent[] = [];
  let taken = 0;
  let wake = () => {};
  const stream: OpenStream = {
    status: response.status,
    contentType: response.headers.get('content-type'),
    error: undefined,
    events,
    comments: 0,
    async next(name, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = events.findIndex((e, i) => i >= taken && e.event === name);
        if (index >= 0) {
          taken = index + 1;
          return events[index]!;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no "${name}" event within ${timeoutMs} ms; got ${JSON.stringify(events.slice(taken))}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    close: () => controller.abort(),
  };
  if (response.status !== 200) {
    stream.error = (await response.json()) as OpenStream['error'];
    return stream;
  }
  const parser = new EventStreamParser();
  void (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        stream.comments += value.split(/\r\n|\n|\r/).filter((line) => line.startsWith(':')).length;
        events.push(...parser.push(value));
        wake();
      }
    } catch {
      // closed by the test
    }
  })();
  return stream;
}
