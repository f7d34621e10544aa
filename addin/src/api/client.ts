import { hc } from 'hono/client';
import type { z } from 'zod';
import type { Dienstleister } from '../../../server/routes/dienstleister.ts';
import type { Kommune } from '../../../server/routes/kommunen.ts';
import type { Leistung } from '../../../server/routes/leistungen.ts';
import type { ApiRoutes } from '../../../server/routes/index.ts';
import type {
  ChangesQuery,
  ChangesResponse,
  ProgressQuery,
  ProgressResponse,
  Reifegradmodell,
  ReviewRequest,
  ReviewResponse,
  RevertRequest,
  RevertResponse,
  TrendQuery,
  TrendResponse,
} from '../review/types.ts';
import { expandPull, type PushRequest, type PushResponse } from '../../../core/index.ts';
import type { PullArraysResponse, SheetKindSchema } from '../../../core/contract.ts';
import type { Rolle } from '../../../core/vocabulary.ts';

/** An error the user sees: the server's German message, or one of ours when the server was not reached. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Mitgliedschaft {
  id: string;
  email: string;
  rolle: Rolle;
  themenfeldId: number | null;
  ags: string | null;
  dienstleisterId: number | null;
}

export interface MeResponse {
  email: string;
  mitgliedschaften: {
    rolle: string;
    themenfeldId: number | null;
    themenfeld: string | null;
    ags: string | null;
    kommune: string | null;
    dienstleisterId: number | null;
    dienstleister: string | null;
  }[];
  /** Kinds of which the person may change every sheet (admins). */
  darfAlleAendern: string[];
  /** Single sheets the person may change besides those. */
  schreibrechte: { kind: string; scope: string; titel: string }[];
  /** The server's word on whether the „Prüfen“ tab is for this person. */
  darfPruefen: boolean;
}

export const OFFLINE_TEXT = 'Der OZG-Sync-Server ist nicht erreichbar. Bitte prüfen Sie die Verbindung und versuchen Sie es erneut.';

async function unwrap<T>(request: Promise<Response>): Promise<T> {
  let response: Response;
  try {
    response = await request;
  } catch {
    throw new ApiError(0, 'offline', OFFLINE_TEXT);
  }
  if (response.ok) return (await response.json()) as T;
  const body = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  throw new ApiError(
    response.status,
    body?.error?.code ?? 'unknown',
    body?.error?.message ?? `Der Server antwortete mit Status ${response.status}.`,
  );
}

/**
 * The server's API, typed by its own route definitions (hono's hc), so that a change of the
 * contract breaks the add-in's build instead of its users.
 */
export function createApi(baseUrl: string, token: () => Promise<string | null>, fetchImpl?: typeof fetch) {
  const client = hc<ApiRoutes>(baseUrl, {
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    headers: async (): Promise<Record<string, string>> => {
      const value = await token();
      return value ? { authorization: `Bearer ${value}` } : {};
    },
  });
  return {
    config: () =>
      unwrap<{ mode: 'local' | 'supabase'; supabaseUrl?: string; supabaseAnonKey?: string; microsoft?: boolean; einladen?: boolean }>(client.api.config.$get()),
    localMembers: () => unwrap<{ email: string; rolle: string; bereich: string }[]>(client.api.dev.members.$get()),
    localLogin: (email: string) => unwrap<{ access_token: string }>(client.api.dev.login.$post({ json: { email } })),
    me: () => unwrap<MeResponse>(client.api.me.$get()),
    sheets: () => unwrap<z.infer<typeof SheetKindSchema>[]>(client.api.sheets.$get()),
    themenfelder: () => unwrap<{ id: number; name: string; anzahlLeistungen: number }[]>(client.api.themenfelder.$get()),
    kommunen: () => unwrap<z.infer<typeof Kommune>[]>(client.api.kommunen.$get({ query: {} })),
    leistungen: () => unwrap<z.infer<typeof Leistung>[]>(client.api.leistungen.$get({ query: {} })),
    dienstleister: () => unwrap<z.infer<typeof Dienstleister>[]>(client.api.dienstleister.$get()),
    // As lists: half the bytes to send and to parse (a Kreis sheet's 2,430 rows: 458 instead of 921 KB).
    pull: async (kind: string, scope: string, since?: string) =>
      expandPull(
        await unwrap<PullArraysResponse>(
          client.api.sheets[':kind'].rows.$get({ param: { kind }, query: { scope, rowFormat: 'arrays', ...(since ? { since } : {}) } }),
        ),
      ),
    push: (kind: string, body: PushRequest) =>
      unwrap<PushResponse>(client.api.sheets[':kind'].changes.$post({ param: { kind }, json: body })),
    changes: (query: ChangesQuery) => unwrap<ChangesResponse>(client.api.changes.$get({ query })),
    review: (body: ReviewRequest) => unwrap<ReviewResponse>(client.api.changes.review.$post({ json: body })),
    revert: (body: RevertRequest) => unwrap<RevertResponse>(client.api.changes.revert.$post({ json: body })),
    progress: (query: ProgressQuery) => unwrap<ProgressResponse>(client.api.reports.progress.$get({ query })),
    trend: (query: TrendQuery) => unwrap<TrendResponse>(client.api.reports.trend.$get({ query })),
    reifegrade: () => unwrap<Reifegradmodell[]>(client.api.reifegrade.$get()),
    mitglieder: () => unwrap<Mitgliedschaft[]>(client.api.mitglieder.$get()),
    mitgliedAnlegen: (neu: { email: string; rolle: Rolle; ags?: string | null; themenfeldId?: number | null; dienstleisterId?: number | null }) =>
      unwrap<Mitgliedschaft>(client.api.mitglieder.$post({ json: neu })),
    mitgliedEntfernen: (id: string) => unwrap<Mitgliedschaft>(client.api.mitglieder[':id'].$delete({ param: { id } })),
    mitgliedEinladen: (email: string) => unwrap<{ email: string; weiterleitung: string }>(client.api.mitglieder.einladung.$post({ json: { email } })),
  };
}

export type Api = ReturnType<typeof createApi>;
