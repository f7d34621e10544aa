import OpenAPIBackend, { type Document } from 'openapi-backend';
import { isSignedIn } from '../../server/openapi.ts';
import type { Api } from './api.ts';

type Operations = Record<string, Record<string, { operationId?: string; responses?: Record<string, { content?: Record<string, unknown> }> }>>;

export interface Answer {
  status: number;
  headers: Headers;
  /** The body as text; JSON bodies are checked against their schema. */
  text: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Checks answers against /openapi.json, so that the document and the server cannot drift apart:
 * the status must be one the operation lists, a JSON body must match the schema of that status, and
 * a method the path does not know must be 405 with Allow. openapi-backend validates responses with
 * Ajv and supports OpenAPI 3.1 (README, "OpenAPI 3.1 support"), which @hono/zod-openapi writes.
 */
export async function contractOf(document: { paths: Operations }) {
  // openapi-backend finds operations by operationId; the document names them by method and path.
  const definition = structuredClone(document);
  for (const [path, methods] of Object.entries(definition.paths)) {
    for (const [method, operation] of Object.entries(methods)) operation.operationId ??= `${method.toUpperCase()} ${path}`;
  }
  // quick: openapi-backend checks a definition against the OpenAPI 3.0 meta-schema only, which refuses 3.1's
  // webhooks and type arrays; the response schemas themselves are compiled and checked by Ajv all the same.
  const api = new OpenAPIBackend({ definition: definition as unknown as Document, validate: true, quick: true });
  await api.init();

  /** What is wrong with `answer` to `method url`, as sentences; empty when it is as documented. */
  return function problems(method: string, url: string, answer: Answer): string[] {
    const pathname = url.split(/[?#]/, 1)[0]!;
    // openapi-backend matches /api/mitglieder/ to /api/mitglieder; Hono's router, like the document, does not.
    const match = (other: string) => (pathname.length > 1 && pathname.endsWith('/') ? undefined : api.matchOperation({ method: other, path: pathname, headers: {} }));
    const operation = match(method);
    if (!operation) {
      // Under /api the body limit (413) and the sign-in check (401, 403) come before routing: a stranger
      // learns nothing about which paths exist.
      if (answer.status === 413 && pathname.startsWith('/api/')) return [];
      if ((answer.status === 401 || answer.status === 403) && isSignedIn(pathname)) return [];
      // OpenAPI (Path Templating Matching): a concrete path is matched before a templated one, so
      // GET /api/mitglieder/einladung is a wrong method of that path, not of /api/mitglieder/{id}.
      const params = (template: string) => template.split('{').length - 1;
      const matched = METHODS.flatMap((other) => {
        const found = match(other);
        return found ? [{ method: other, params: params(found.path) }] : [];
      });
      const fewest = Math.min(...matched.map((m) => m.params));
      const known = matched.filter((m) => m.params === fewest).map((m) => m.method);
      // Outside /api the server also serves the task pane, /docs and a redirect from /: not part of the API.
      if (known.length === 0 && !pathname.startsWith('/api')) return [];
      if (known.length === 0) return answer.status === 404 ? [] : [`unknown path answered ${answer.status}, not 404`];
      const allow = answer.headers.get('allow') ?? '';
      const missing = known.filter((m) => !allow.split(/,\s*/).includes(m));
      return answer.status === 405 && missing.length === 0 ? [] : [`wrong method answered ${answer.status} with Allow "${allow}"`];
    }
    const documented = operation.responses?.[String(answer.status)] as { content?: Record<string, unknown> } | undefined;
    if (!documented) return [`${operation.operationId} answered ${answer.status}, which the document does not list`];
    const type = answer.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    if (documented.content && !Object.hasOwn(documented.content, type)) {
      return [`${operation.operationId} ${answer.status} answered as ${type}, documented: ${Object.keys(documented.content).join(', ')}`];
    }
    if (type !== 'application/json') return [];
    const result = api.validator.validateResponse(JSON.parse(answer.text), operation, answer.status);
    return (result.errors ?? []).map((error) => `${operation.operationId} ${answer.status}: ${error.instancePath} ${error.message}`);
  };
}

/** An Api whose every answer is checked against the document first: a test through it fails on any drift. */
export function checkedAgainst(contract: Awaited<ReturnType<typeof contractOf>>, api: Api): Api {
  return {
    async request(path, init = {}) {
      const response = await api.request(path, init);
      const text = await response.clone().text();
      const found = contract(init.method ?? 'GET', path, { status: response.status, headers: response.headers, text });
      if (found.length) throw new Error(`Not as /openapi.json documents it: ${found.join('; ')}`);
      return response;
    },
  };
}
