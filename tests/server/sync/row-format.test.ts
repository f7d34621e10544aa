import { expect, it } from 'vitest';
import { createApi } from '../../../addin/src/api/client.ts';
import type { PullArraysResponse } from '../../../core/contract.ts';
import { apiAs, testApp, testAuth, type Api } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { METTMANN } from '../../helpers/members.ts';
import { pullRows, pushRows } from '../../helpers/sheets.ts';

const KREIS_METTMANN = '05158';

async function pullAsArrays(app: Api, kind: string, scope: string, since?: string) {
  const query = new URLSearchParams({ scope, rowFormat: 'arrays', ...(since ? { since } : {}) });
  const response = await app.request(`/api/sheets/${kind}/rows?${query}`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { pull: JSON.parse(text) as PullArraysResponse, bytes: Buffer.byteLength(text) };
}

describeEachDatabase('A pull with its rows as lists (rowFormat=arrays), as the add-in and the browser app ask for it', ({ db }) => {
  it('carries the same rows, values and read-only marks as the objects, in the order of the columns, in at most 60 % of the bytes', async () => {
    const app = apiAs(db(), METTMANN);
    const objects = await app.request(`/api/sheets/kommune-status/rows?scope=${KREIS_METTMANN}`);
    const objectsText = await objects.text();
    const asObjects = JSON.parse(objectsText) as Awaited<ReturnType<typeof pullRows>>;
    const { pull, bytes } = await pullAsArrays(app, 'kommune-status', KREIS_METTMANN);

    expect(pull.rowFormat).toBe('arrays');
    expect(pull.columns).toEqual(asObjects.columns);
    expect(pull.rows).toHaveLength(asObjects.rows.length);
    const keys = pull.columns.map((column) => column.key);
    expect(keys.slice(0, 3)).toEqual(['ags', 'kommune', 'ozg_id']);
    pull.rows.forEach((row, i) => {
      const expected = asObjects.rows[i]!;
      expect(row.slice(0, 3)).toEqual([expected.id, expected.version, expected.readOnly === true]);
      expect(Object.fromEntries(keys.map((key, k) => [key, row[k + 3]]))).toEqual(expected.values);
    });
    // Mettmann's member may write Mettmann's rows only; Ratingen and Velbert come read-only.
    const writable = new Set(pull.rows.filter((row) => !row[2]).map((row) => row[3]));
    expect(writable).toEqual(new Set(['05158024']));
    expect(pull.rows.filter((row) => row[2]).map((row) => row[4])).toContain('Ratingen, Stadt');
    expect(bytes).toBeLessThanOrEqual(0.6 * Buffer.byteLength(objectsText));
  });

  it('gives the add-in’s client the rows as objects again, the same as the default format, for a full pull and a delta', async () => {
    const app = testApp(db());
    const token = testAuth.issueLocalToken!(METTMANN);
    const seen: string[] = [];
    const viaApp = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(String(input));
      return app.request(input, init);
    }) as typeof fetch;
    const client = createApi('http://ozg.test', () => token, viaApp);

    const full = await client.pull('kommune-status', KREIS_METTMANN);
    expect(seen.at(-1)).toContain('rowFormat=arrays');
    expect(full).toEqual(await pullRows(apiAs(db(), METTMANN), 'kommune-status', KREIS_METTMANN));
    expect(full.rows.filter((row) => row.readOnly)).toHaveLength((full.rows.length * 2) / 3);

    const row = full.rows.find((r) => r.values.ags === '05158024' && r.values.ozg_id === 10177)!;
    await pushRows(apiAs(db(), METTMANN), 'kommune-status', {
      scope: KREIS_METTMANN,
      changes: [{ id: row.id, baseVersion: row.version, set: { bemerkung: 'als Liste abgerufen' } }],
    });
    const delta = await client.pull('kommune-status', KREIS_METTMANN, full.cursor);
    expect(delta.rows).toEqual([{ id: row.id, version: row.version + 1, values: { ...row.values, bemerkung: 'als Liste abgerufen' } }]);
    expect(delta).toEqual(await pullRows(apiAs(db(), METTMANN), 'kommune-status', KREIS_METTMANN, full.cursor));
  });

  it('answers an unknown row format with 400 and a German message', async () => {
    const response = await apiAs(db(), METTMANN).request(`/api/sheets/kommune-status/rows?scope=${KREIS_METTMANN}&rowFormat=csv`);
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('Das Zeilenformat (rowFormat) ist objects oder arrays.');
  });
});
