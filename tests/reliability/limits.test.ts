import { once } from 'node:events';
import { request } from 'node:http';
import { expect, it } from 'vitest';
import { ADMIN } from '../helpers/members.ts';
import { describeServerOnPostgres } from '../helpers/postgres-server.ts';
import { peakGrowth } from '../helpers/server-process.ts';
import { operationsOf } from './hostile-requests.ts';

const BODY_BYTES = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, '7');
const MB = 1024 * 1024;

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
  /** How much of the body had been sent when the answer came. */
  sent: number;
}

/**
 * POSTs 50 MB the way a client streams an upload: with Content-Length, or chunked without one, writing only as
 * fast as the server reads and stopping as soon as it answers.
 */
async function postFiftyMegabytes(url: string, headers: Record<string, string>, { chunked }: { chunked: boolean }): Promise<Answer> {
  const outgoing = request(url, { method: 'POST', headers: { ...headers, ...(chunked ? {} : { 'content-length': String(BODY_BYTES) }) } });
  let sent = 0;
  const answered = new Promise<Answer>((resolve, reject) => {
    outgoing.once('error', reject);
    outgoing.once('response', async (response) => {
      const sentBeforeAnswer = sent;
      let body = '';
      for await (const chunk of response) body += chunk;
      resolve({ status: response.statusCode!, contentType: response.headers['content-type'], body, sent: sentBeforeAnswer });
    });
  });
  let done = false;
  void answered.finally(() => (done = true)).catch(() => {});
  while (!done && sent < BODY_BYTES) {
    const flowing = outgoing.write(CHUNK);
    sent += CHUNK.length;
    if (!flowing) await Promise.race([once(outgoing, 'drain'), answered.catch(() => {})]);
  }
  if (!done) outgoing.end();
  try {
    return await answered;
  } finally {
    outgoing.destroy();
  }
}

describeServerOnPostgres('A 50 MB request body against the server process', (target) => {
  it('is refused with 413 on every POST endpoint before it is read whole, and the server stays small', async () => {
    const { server } = target();
    const { url } = server;
    const login = await fetch(`${url}/api/dev/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN }) });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const posts = operationsOf(await (await fetch(`${url}/openapi.json`)).json())
      .filter((operation) => operation.method === 'POST')
      .map((operation) => ({
        path: operation.path.replace(/\{(\w+)\}/g, (_, name: string) => String(operation.parameters.find((p) => p.name === name)?.schema.example)),
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': operation.body?.type === 'multipart/form-data' ? 'multipart/form-data; boundary=x' : (operation.body?.type ?? 'application/json'),
        },
      }));
    expect(posts.map((post) => post.path)).toEqual(expect.arrayContaining(['/api/sheets/kommune-status/changes', '/api/admin/import', '/api/dev/login']));

    // Each endpoint once with a small body first: what the server allocates on a first call is not the upload's doing.
    for (const post of posts) await fetch(`${url}${post.path}`, { method: 'POST', headers: post.headers, body: '{}' });

    const growth: string[] = [];
    for (const post of posts) {
      for (const chunked of [false, true]) {
        const label = `${post.path}${chunked ? ' (chunked)' : ''}`;
        let answer: Answer | undefined;
        const grown = await peakGrowth(server, async () => {
          answer = await postFiftyMegabytes(`${url}${post.path}`, post.headers, { chunked });
        });
        expect(answer!.status, label).toBe(413);
        expect(answer!.contentType, label).toMatch(/^application\/json/);
        expect(JSON.parse(answer!.body), label).toEqual({ error: { code: 'payload_too_large', message: expect.stringMatching(/\S/) } });
        // The answer came while the client was still sending: the server did not wait for the whole body.
        expect(answer!.sent, label).toBeLessThan(BODY_BYTES);
        // With Content-Length the server reads nothing. Chunked, a route reads up to its own limit (10 or 20 MB, plus
        // copies and chunks not yet collected) and no further: always less than the body, which a route reading it
        // whole would need at least.
        expect(grown, label).toBeLessThan(chunked ? BODY_BYTES : 10 * MB);
        growth.push(`${label}: ${Math.round(grown / MB)} MB`);
      }
    }
    console.log(`Server memory beyond what it held before, at the peak of each upload of 50 MB: ${growth.join(', ')}`);
  }, 120_000);
});
