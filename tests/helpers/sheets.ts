import { randomUUID } from 'node:crypto';
import type { Api } from './api.ts';
import type { PullResponse, PushResponse } from '../../core/contract.ts';

export async function pullRows(app: Api, kind: string, scope: string, since?: string): Promise<PullResponse> {
  const query = new URLSearchParams({ scope, ...(since ? { since } : {}) });
  const response = await app.request(`/api/sheets/${kind}/rows?${query}`);
  if (response.status !== 200) throw new Error(`pull ${response.status}: ${await response.text()}`);
  return response.json();
}

export interface PushBody {
  scope: string;
  idempotencyKey?: string;
  source?: 'addin' | 'xlsx' | 'api';
  changes: { id: string; baseVersion: number; base?: Record<string, unknown>; set: Record<string, unknown> }[];
}

export function postChanges(app: Api, kind: string, body: PushBody | string) {
  const payload =
    typeof body === 'string' ? body : JSON.stringify({ idempotencyKey: randomUUID(), source: 'api', ...body });
  return app.request(`/api/sheets/${kind}/changes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: payload,
  });
}

export async function pushRows(app: Api, kind: string, body: PushBody): Promise<PushResponse> {
  const response = await postChanges(app, kind, body);
  if (response.status !== 200) throw new Error(`push ${response.status}: ${await response.text()}`);
  return response.json();
}

/** The row of an OZG-Leistung in a pull, found by OZG-ID. */
export function rowOf(pull: PullResponse, ozgId: number) {
  const row = pull.rows.find((r) => r.values.ozg_id === ozgId);
  if (!row) throw new Error(`OZG-ID ${ozgId} not in pull`);
  return row;
}
