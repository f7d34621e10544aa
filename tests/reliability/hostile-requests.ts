/**
 * Malformed and hostile HTTP requests for every operation the API documents in /openapi.json, so that an
 * endpoint added later is attacked without anyone having to remember it. Requests are shaped like the
 * documented ones often enough to get past the first check (real kinds, scopes and row ids, documented
 * field names) and broken everywhere: wrong types, huge and deeply nested values, unicode edge cases,
 * SQL and formula injection, bad tokens, wrong content types, wrong methods, unknown paths.
 */
import fc from 'fast-check';

/** The parts of JSON Schema (as /openapi.json writes it) that the requests are shaped after. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  format?: string;
  example?: unknown;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema: Schema;
}

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  /** The documented body: its content type and schema. */
  body?: { type: string; schema: Schema };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}

/** Every operation of the document, with $refs resolved. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = (schema: Schema): Schema => {
    if (schema.$ref) return resolve(doc.components!.schemas![schema.$ref.split('/').at(-1)!]!);
    return {
      ...schema,
      ...(schema.properties ? { properties: Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, resolve(s)])) } : {}),
      ...(typeof schema.additionalProperties === 'object' ? { additionalProperties: resolve(schema.additionalProperties) } : {}),
      ...(schema.items ? { items: resolve(schema.items) } : {}),
      ...(schema.anyOf ? { anyOf: schema.anyOf.map(resolve) } : {}),
      ...(schema.oneOf ? { oneOf: schema.oneOf.map(resolve) } : {}),
    };
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const [type, content] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
      return {
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []).map((p) => ({ ...p, schema: resolve(p.schema) })),
        ...(type && content ? { body: { type, schema: resolve(content.schema) } } : {}),
      };
    }),
  );
}

/** Real values of the database the requests go to, so that many requests are right but for one detail. */
export interface Vocabulary {
  /** By the name of the parameter or field they fit, e.g. scope: AGS and Themenfeld numbers, status: its values. */
  byName: Map<string, unknown[]>;
  /** Keys of open objects, e.g. the columns in a push's `set`. */
  keys: string[];
  /** A real workbook (an export), to be sent broken. */
  workbook: Uint8Array<ArrayBuffer>;
}

/** Authorization headers: ones the server must refuse (undefined sends none), and valid ones of members. */
export interface Authorizations {
  refused: (string | undefined)[];
  members: string[];
}

/** Strings that have broken servers before. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ud83d',
  '\u202eNDK\u202c',
  '\u200b\u200d\ufeff',
  'مرحبا بالعالم',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  'e\u0301\u0308',
  '\r\n\r\n',
  'Zeile 1\r\nZeile 2\rZeile 3',
  '\ufffe',
  'a\uffffb',
  '\ufdd0\u{10ffff}',
  'https://www.stadt-koeln.de/\u0085',
  'https://www.stadt-koeln.de/\u00a0',
  '0:0:',
  '9223372036854775808:9223372036854775808:',
  '0000-01-01',
  '2026-11-01T08:00:00-23:59',
  "' or '1'='1",
  "'; drop table public.kommune_status; --",
  "05315000'; update public.mitglied set rolle = 'admin'; --",
  '" or ""="',
  '$$; delete from public.aenderung; $$',
  '\\x27; select pg_sleep(10); --',
  '=cmd|\' /C calc\'!A0',
  '=HYPERLINK("https://evil.example","Hier klicken")',
  '+1+1',
  '-2+3',
  '@SUM(A1:A9)',
  '\t=1+1',
  '<script>alert(1)</script>',
  '{{7*7}}${7*7}',
  '../../../../etc/passwd',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '-1',
  '1e309',
  '99999999999999999999999999999',
  '0x1F',
  '2026-02-30',
  '05315000\n',
  'kommune-status ',
];

/** Percent-encodings as a client may put them into a URL, broken ones included. */
const RAW_URL_PARTS = ['%', '%ZZ', '%FF%FE', '%ED%A0%80', '%00', '%C0%AF', '..%2F..%2Fpackage.json', '%252e%252e%252f', '%0d%0aSet-Cookie:%20x=1'];

const hugeString = fc
  .tuple(fc.constantFrom('x', 'ä', '👩‍👩‍👧', "' or 1=1 --"), fc.integer({ min: 1_000, max: 200_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: hugeString },
);

/**
 * Nested and wide JSON too large to build as values (JSON.stringify would overflow the stack): a marker
 * in the value, replaced by the text in toJsonText.
 */
const MARKER = /"\\u0001(tief|breit):(\d+)\\u0001"/g;
const deep = fc.integer({ min: 100, max: 200_000 }).map((depth) => `\u0001tief:${depth}\u0001`);
const wide = fc.integer({ min: 10_001, max: 30_000 }).map((length) => `\u0001breit:${length}\u0001`);

function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(MARKER, (_, kind: string, n: string) =>
    kind === 'tief' ? `${'{"a":['.repeat(Number(n))}${']}'.repeat(Number(n))}` : `[${'{},'.repeat(Number(n) - 1)}{}]`,
  );
}

/** A JSON value of any type, where the schema wants another one. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(null, true, false, 0, -1, 0.5, 2 ** 31, 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324),
  },
  { weight: 1, arbitrary: fc.oneof(deep, wide) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom({}, [], JSON.parse('{"__proto__": {"rolle": "admin"}}'), { constructor: { prototype: { admin: true } } }) },
);

/**
 * How requests are built: from the vocabulary, with `care` the odds of a value being as documented against
 * one of the wrong kind, at every depth. Wild requests break in many places; careful ones in one or two, and
 * so get further in.
 */
interface Shaping {
  vocabulary: Vocabulary;
  care: number;
}

function shaped(schema: Schema, shaping: Shaping, name = ''): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: shaping.care, arbitrary: wellTyped(schema, shaping, name) }, { weight: 1, arbitrary: hostileValue });
}

function wellTyped(schema: Schema, shaping: Shaping, name: string): fc.Arbitrary<unknown> {
  const { vocabulary, care } = shaping;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => shaped(s, shaping, name)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = [schema.type ?? []].flat();
  const type = types.find((t) => t !== 'null');
  const known = [...(vocabulary.byName.get(name) ?? []), ...(schema.example === undefined ? [] : [schema.example])];
  /** A real value of the type where the vocabulary or the document has one, else one that merely looks right. */
  const right = (looksRight: fc.Arbitrary<unknown>, javascriptType?: string) => {
    const real = known.filter((value) => javascriptType === undefined || typeof value === javascriptType);
    return { weight: care, arbitrary: real.length ? fc.constantFrom(...real) : looksRight };
  };
  const wrong = (arbitrary: fc.Arbitrary<unknown>) => ({ weight: 1, arbitrary });
  const value = ((): fc.Arbitrary<unknown> => {
    switch (type) {
      case 'object': {
        const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, s]) => [key, shaped(s, shaping, key)]));
        const additional = schema.additionalProperties;
        const open =
          typeof additional === 'object'
            ? fc
                .array(
                  fc.oneof(fc.constantFrom(...vocabulary.keys), hostileString).chain((key) => shaped(additional, shaping, key).map((v) => [key, v] as const)),
                  { maxLength: 4 },
                )
                .map((entries) => Object.fromEntries(entries))
            : fc.constant({});
        return fc
          .tuple(fc.record(properties, { requiredKeys: schema.required ?? [] }), open)
          .map(([documented, extra]) => ({ ...extra, ...documented }));
      }
      case 'array':
        return fc.oneof(
          { weight: care, arbitrary: fc.array(shaped(schema.items ?? {}, shaping, name), { minLength: 1, maxLength: 4 }) },
          wrong(fc.oneof(fc.constant([]), wide)),
        );
      case 'string':
        return fc.oneof(right(formatted(schema.format), 'string'), wrong(hostileString));
      case 'integer':
      case 'number':
        return fc.oneof(right(fc.nat(100), 'number'), wrong(fc.constantFrom(0, -1, 0.5, 2 ** 31, 2 ** 53 + 2)));
      case 'boolean':
        return fc.boolean();
      default:
        return fc.oneof(right(hostileValue), wrong(hostileValue));
    }
  })();
  return types.includes('null') ? fc.oneof(value, fc.constant(null)) : value;
}

const formatted = (format: string | undefined): fc.Arbitrary<string> => {
  if (format === 'uuid') return fc.uuid();
  if (format === 'date' || format === 'date-time') {
    return fc.date({ min: new Date('2017-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, format === 'date' ? 10 : 24));
  }
  return fc.string({ unit: 'grapheme-ascii', maxLength: 20 });
};

/** Lone surrogates as U+FFFD: what any client does to them before they reach a URL, a header or a form field. */
const wellFormed = (text: string) => text.replace(/[\ud800-\udfff]/gu, '\ufffd');

/** How a path or query value goes into the URL: mostly percent-encoded, sometimes raw and broken. */
const urlPart = (value: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 5, arbitrary: value.map((v) => encodeURIComponent(wellFormed(typeof v === 'string' ? v : JSON.stringify(v)))) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_URL_PARTS) },
  );

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', XLSX, 'application/json; charset=utf-16'];

export interface HostileRequest {
  /** The documented operation it attacks, as "METHOD /path", or "unknown path". */
  target: string;
  url: string;
  init: RequestInit;
}

type Body = string | Uint8Array<ArrayBuffer> | FormData;

function body(operation: Operation, shaping: Shaping): fc.Arbitrary<{ type?: string | undefined; body?: Body }> {
  const { vocabulary } = shaping;
  const documented = operation.body;
  const garbage = fc.oneof(
    fc.constantFrom('', '{', '{"scope":', 'null', '[]', '"text"', '1e999', '\ufeff{}', '{"a":1,"a":2}', 'NaN', '<xml/>'),
    hostileString,
    deep.map(toJsonText),
  );
  const bytes = fc.uint8Array({ maxLength: 2_000 }).map((random) => new Uint8Array(random));
  const broken = fc
    .array(fc.tuple(fc.nat(vocabulary.workbook.length - 1), fc.nat(255)), { minLength: 1, maxLength: 20 })
    .map((flips) => {
      const copy = vocabulary.workbook.slice();
      for (const [at, value] of flips) copy[at] = value;
      return copy;
    });
  const shapedBody = (): fc.Arbitrary<Body> => {
    if (!documented) return garbage;
    if (documented.type === 'application/json') return shaped(documented.schema, shaping).map(toJsonText);
    if (documented.type === 'multipart/form-data') {
      const file = fc.tuple(fc.oneof(bytes, broken), hostileString).map(([content, name]) => new File([content], wellFormed(name) || 'x.csv'));
      const fields = Object.keys(documented.schema.properties ?? {});
      return fc
        .array(fc.tuple(fc.constantFrom(...fields, ...NASTY_STRINGS.slice(0, 3)), fc.oneof(file, hostileString, fc.constantFrom('true', 'false'))), {
          maxLength: 5,
        })
        .map((entries) => {
          const form = new FormData();
          for (const [name, value] of entries) form.append(wellFormed(name), typeof value === 'string' ? wellFormed(value) : value);
          return form;
        });
    }
    return fc.oneof(broken, bytes);
  };
  return fc.oneof(
    { weight: 6, arbitrary: shapedBody().map((b) => ({ ...(b instanceof FormData ? {} : { type: documented?.type }), body: b })) },
    { weight: 2, arbitrary: fc.tuple(fc.oneof(garbage, bytes), fc.option(fc.constantFrom(...CONTENT_TYPES))).map(([b, type]) => ({ type: type ?? undefined, body: b })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** Mostly a member's valid token, to get past the sign-in check and further in. */
const signature = ({ refused, members }: Authorizations) =>
  fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...refused) }, { weight: 3, arbitrary: fc.constantFrom(...members) });

const signedBy = (authorization: string | undefined): Record<string, string> => (authorization === undefined ? {} : { authorization });

function againstOperation(operation: Operation, shaping: Shaping, authorizations: Authorizations): fc.Arbitrary<HostileRequest> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const queryParameters = operation.parameters.filter((p) => p.in === 'query');
  const path = fc
    .tuple(...pathParameters.map((p) => urlPart(shaped(p.schema, shaping, p.name))))
    .map((values) => pathParameters.reduce((url, p, i) => url.replace(`{${p.name}}`, values[i]!), operation.path));
  const query = fc
    .tuple(
      ...queryParameters.map((p) => fc.option(urlPart(shaped(p.schema, shaping, p.name)).map((v) => `${p.name}=${v}`))),
      fc.option(fc.tuple(urlPart(hostileString), urlPart(hostileString)).map(([k, v]) => `${k}=${v}`), { freq: shaping.care }),
    )
    .map((pairs) => pairs.filter((pair) => pair !== null).join('&'));
  const method = fc.oneof({ weight: 2 * shaping.care, arbitrary: fc.constant(operation.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') });
  return fc
    .record({
      path,
      query,
      method,
      payload: body(operation, shaping),
      authorization: signature(authorizations),
      accept: fc.option(fc.constantFrom(XLSX, 'text/html', '*/*', 'application/xml'), { freq: 3 }),
    })
    .map(({ path, query, method, payload, authorization, accept }) => {
      const headers = signedBy(authorization);
      if (accept !== null) headers.accept = accept;
      if (payload.type) headers['content-type'] = payload.type;
      const sendsBody = payload.body !== undefined && method !== 'GET';
      return {
        target: `${operation.method} ${operation.path}`,
        url: query ? `${path}?${query}` : path,
        init: { method, headers, ...(sendsBody ? { body: payload.body } : {}) },
      };
    });
}

const unknownPath: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('/api', '/api/', '/api/nichts', '/api/sheets/kommune-status', '/api/sheets/kommune-status/rows/extra', '/addin/../../package.json', '/docs/assets/swagger-ui-dist/%2e%2e/%2e%2e/package.json', '//api//me'),
  fc.array(urlPart(hostileString), { minLength: 1, maxLength: 4 }).map((segments) => `/api/${segments.join('/')}`),
  fc.array(urlPart(hostileString), { minLength: 1, maxLength: 3 }).map((segments) => `/${segments.join('/')}`),
);

/** One hostile request: against a documented operation (each equally often), or to a path that does not exist. */
export function hostileRequest(operations: Operation[], vocabulary: Vocabulary, authorizations: Authorizations): fc.Arbitrary<HostileRequest> {
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(fc.constantFrom(...operations), fc.constantFrom(4, 40, 40))
        .chain(([operation, care]) => againstOperation(operation, { vocabulary, care }, authorizations)),
    },
    {
      weight: 1,
      arbitrary: fc.record({ url: unknownPath, method: fc.constantFrom('GET', 'POST', 'DELETE'), authorization: signature(authorizations) }).map(
        ({ url, method, authorization }) => ({
          target: 'unknown path',
          url,
          init: { method, headers: signedBy(authorization) },
        }),
      ),
    },
  );
}
