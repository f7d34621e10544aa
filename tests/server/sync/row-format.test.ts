import { expect, it } from 'vitest';
import { createApi } from '../../../addin/src/api/client.ts';
import type { PullArraysResponse } from '../../../core/contract.ts';
import { apiAs, testApp, testAuth } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { METTMANN } from '../../helpers/members.ts';
import { pullRows, pushRows } from '../../helpers/sheets.ts';

const KREIS_METTMANN = '05158';

describeEachDatabase('A pull with its rows as lists (rowFormat=arrays), as the add-in and the browser app ask for it', ({ db }) => {
  it('carries id, version, read-only mark and the values in the order of the columns, in at most 60 % of the bytes of the objects', async () => {
    const app = apiAs(db(), METTMANN);
    const objects = await (await app.request(`/api/sheets/kommune-status/rows?scope=${KREIS_METTMANN}`)).text();
    const response = await app.request(`/api/sheets/kommune-status/rows?scope=${KREIS_METTMANN}&rowFormat=arrays`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const pull = JSON.parse(text) as PullArraysResponse;

    expect(pull.rowFormat).toBe('arrays');
    expect(pull.columns.slice(0, 3).map((column) => column.key)).toEqual(['ags', 'kommune', 'ozg_id']);
    // The seed's three Kommunen of Kreis Mettmann, each with all 46 Leistungen, Reisepass among them.
    const perKommune = new Map<unknown, Set<unknown>>();
    for (const [id, version, , ags, kommune, ozgId] of pull.rows) {
      expect(typeof id).toBe('string');
      expect(version).toBeGreaterThanOrEqual(1);
      perKommune.set(`${ags} ${kommune}`, (perKommune.get(`${ags} ${kommune}`) ?? new Set()).add(ozgId));
    }
    expect([...perKommune.keys()]).toEqual(['05158024 Mettmann, Stadt', '05158028 Ratingen, Stadt', '05158032 Velbert, Stadt']);
    for (const leistungen of perKommune.values()) {
      expect(leistungen.size).toBe(46);
      expect(leistungen.has(10177)).toBe(true);
    }
    // Mettmann's member may write Mettmann's rows only; Ratingen's and Velbert's come read-only.
    expect(pull.rows.every(([, , readOnly, ags]) => readOnly === (ags !== '05158024'))).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(0.6 * Buffer.byteLength(objects));
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
