import { request } from 'node:http';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { expect, it } from 'vitest';
import { KOELN, METTMANN } from '../helpers/members.ts';
import { describeServerOnPostgres } from '../helpers/postgres-server.ts';
import { peakGrowth } from '../helpers/server-process.ts';
import { XLSX_TYPE } from '../../server/xlsx/export.ts';

const MB = 1024 * 1024;
const BOMB_BYTES = 290 * MB;
const UNDERSTATED_BYTES = 500 * MB;
const UNDERSTATED_DECLARED = 23 * 1024;
/** The worksheet with the data table in an export (the binding and the lists come after it). */
const DATA_SHEET = 'xl/worksheets/sheet1.xml';

/** `total` bytes of well-formed worksheet XML, produced as it is read: the test process never holds them. */
function hugeSheet(total: number): Readable {
  const head = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">');
  const cell = Buffer.from(`<c t="inlineStr"><is><t>${'x'.repeat(4000)}</t></is></c>`.padEnd(64 * 1024, ' '));
  let left = total - head.length;
  let started = false;
  return new Readable({
    read() {
      if (!started) {
        started = true;
        this.push(head);
      } else if (left > 0) {
        const chunk = left >= cell.length ? cell : cell.subarray(0, left);
        left -= chunk.length;
        this.push(chunk);
      } else this.push(null);
    },
  });
}

/** The entries of a zip, to copy them into a crafted one. */
async function entriesOf(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(Buffer.from(bytes));
  const entries = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    entries.set(entry.fileName, Buffer.concat(chunks));
  }
  zip.close();
  return entries;
}

/** The export with its data sheet replaced by `sheet`; yazl writes the sizes it actually compressed. */
async function withDataSheet(exported: Map<string, Buffer>, sheet: Readable | Buffer): Promise<Buffer> {
  expect(exported.get(DATA_SHEET)?.toString()).toContain('<tableParts');
  const zip = new yazl.ZipFile();
  for (const [name, content] of exported) {
    if (name.endsWith('/')) zip.addEmptyDirectory(name);
    else if (name !== DATA_SHEET) zip.addBuffer(content, name);
    else if (Buffer.isBuffer(sheet)) zip.addBuffer(sheet, name);
    else zip.addReadStream(sheet, name, { compressionLevel: 9 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Rewrites the uncompressed size the central directory declares for one entry, leaving its data as it is. */
function understate(zip: Buffer, name: string, declared: number): Buffer {
  const copy = Buffer.from(zip);
  for (let at = copy.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])), entry = copy.readUInt32LE(at + 16); ; ) {
    expect(copy.readUInt32LE(entry)).toBe(0x02014b50);
    const nameLength = copy.readUInt16LE(entry + 28);
    if (copy.subarray(entry + 46, entry + 46 + nameLength).toString() === name) {
      copy.writeUInt32LE(declared, entry + 24);
      return copy;
    }
    entry += 46 + nameLength + copy.readUInt16LE(entry + 30) + copy.readUInt16LE(entry + 32);
  }
}

/** A deflate stream that breaks after its first bytes: whoever inflates it finds the file damaged. */
function brokenDeflate(zip: Buffer, name: string): Buffer {
  const copy = Buffer.from(zip);
  const at = copy.indexOf(Buffer.from(name)) + name.length;
  copy.fill(0xff, at + 20, at + 200);
  return copy;
}

async function post(url: string, token: string, bytes: Buffer) {
  const started = performance.now();
  const response = await send(`${url}/api/sheets/kommune-status/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': XLSX_TYPE },
    body: new Uint8Array(bytes),
  });
  const body = JSON.parse(response.bytes.toString('utf8')) as { error?: { code: string; message: string } };
  return { status: response.status, body, ms: performance.now() - started };
}

async function tokenOf(url: string, email: string): Promise<string> {
  const login = await send(`${url}/api/dev/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ email })) });
  return (JSON.parse(login.bytes.toString('utf8')) as { access_token: string }).access_token;
}

/**
 * One request on a connection of its own: fetch's pool would send the next request on the socket of an earlier
 * upload just as the server closes it ("other side closed", seen in CI), a race of the client's pool that says
 * nothing about the server's answers.
 */
function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {}): Promise<{ status: number; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describeServerOnPostgres('Crafted .xlsx uploads against the server process', (target) => {
  it('a small file whose sheet unpacks to 290 MB, or whose zip directory understates a 500 MB member, is refused fast and small; four at once leave /health answering', async () => {
    const { server } = target();
    const { url } = server;
    const koeln = await tokenOf(url, KOELN);
    const exportResponse = await send(`${url}/api/sheets/kommune-status/export.xlsx?scope=05315000`, { headers: { authorization: `Bearer ${koeln}` } });
    const exported = await entriesOf(new Uint8Array(exportResponse.bytes));
    const bomb = await withDataSheet(exported, hugeSheet(BOMB_BYTES));
    const understated = understate(await withDataSheet(exported, hugeSheet(UNDERSTATED_BYTES)), DATA_SHEET, UNDERSTATED_DECLARED);
    // A first, valid import: what the server allocates on a first call is not the bomb's doing.
    expect((await post(url, koeln, await withDataSheet(exported, exported.get(DATA_SHEET)!))).status).toBe(200);

    const figures: string[] = [`bomb ${Math.round(bomb.length / 1024)} KB`, `understated ${Math.round(understated.length / 1024)} KB`];
    for (const [label, file] of [['290 MB', bomb], ['500 MB declared as 23 KB', understated]] as const) {
      let answer: Awaited<ReturnType<typeof post>> | undefined;
      const grown = await peakGrowth(server, async () => {
        answer = await post(url, koeln, file);
      });
      expect(answer!.status, label).toBe(400);
      expect(answer!.body.error).toEqual({ code: 'bad_request', message: expect.stringMatching(/entpackt sich auf mehr als \d+ MB/) });
      expect(answer!.ms, label).toBeLessThan(2_000);
      expect(grown, label).toBeLessThan(100 * MB);
      figures.push(`${label}: ${Math.round(answer!.ms)} ms, +${Math.round(grown / MB)} MB`);
    }

    const healthTimes: number[] = [];
    let running = true;
    const watch = (async () => {
      while (running) {
        const started = performance.now();
        expect((await send(`${url}/health`)).status).toBe(200);
        healthTimes.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    let parallel: Awaited<ReturnType<typeof post>>[] = [];
    const grown = await peakGrowth(server, async () => {
      parallel = await Promise.all([bomb, bomb, understated, bomb].map((file) => post(url, koeln, file)));
    });
    running = false;
    await watch;
    for (const answer of parallel) {
      expect([400, 429]).toContain(answer.status);
      expect(answer.body.error?.message).toMatch(/entpackt sich|gleichzeitig/);
    }
    expect(healthTimes.length).toBeGreaterThan(0);
    expect(Math.max(...healthTimes)).toBeLessThan(1_000);
    expect(grown).toBeLessThan(4 * 100 * MB);
    figures.push(
      `four at once: ${parallel.map((a) => a.status).join('/')}, slowest ${Math.round(Math.max(...parallel.map((a) => a.ms)))} ms, +${Math.round(grown / MB)} MB, /health at most ${Math.round(Math.max(...healthTimes))} ms`,
    );
    console.log(`xlsx bombs: ${figures.join('; ')}`);
  }, 120_000);

  it('a member who may only read the scope gets 403 before anything of the sheet is inflated', async () => {
    const { url } = target().server;
    const koeln = await tokenOf(url, KOELN);
    const mettmann = await tokenOf(url, METTMANN);
    const exportResponse = await send(`${url}/api/sheets/kommune-status/export.xlsx?scope=05315000`, { headers: { authorization: `Bearer ${koeln}` } });
    const exported = await entriesOf(new Uint8Array(exportResponse.bytes));
    // The data sheet's deflate stream is broken and its directory entry small: a server that inflated it
    // would answer 400 (damaged, or more bytes than declared), not 403.
    const broken = brokenDeflate(understate(await withDataSheet(exported, hugeSheet(BOMB_BYTES)), DATA_SHEET, UNDERSTATED_DECLARED), DATA_SHEET);
    expect((await post(url, koeln, broken)).status).toBe(400);
    const answer = await post(url, mettmann, broken);
    expect(answer.status).toBe(403);
    expect(answer.body.error?.code).toBe('forbidden');
  }, 60_000);
});
