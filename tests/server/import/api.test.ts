import { expect, it } from 'vitest';
import type { Database } from '../../../server/db/database.ts';
import { IMPORT_LIMIT_BYTES } from '../../../server/import/routes.ts';
import { ADMIN, testApp, testAuth } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { apiDatabase, inRollback } from '../../helpers/rls.ts';
import { count, fixture } from './helpers.ts';

/** POST /api/admin/import on the real app, as the given person (no token for null). */
function importApi(db: Database, email: string | null) {
  const app = testApp(db);
  return async (body: FormData) => {
    const headers: Record<string, string> = email === null ? {} : { authorization: `Bearer ${await testAuth.issueLocalToken!(email)}` };
    return app.request('/api/admin/import', { method: 'POST', body, headers });
  };
}

async function form(fixtureName: string, fields: Record<string, string> = {}) {
  const data = new FormData();
  for (const file of await fixture(fixtureName)) {
    data.append('dateien', new File([file.content as Uint8Array<ArrayBuffer>], file.name.split('/').at(-1)!));
  }
  for (const [key, value] of Object.entries(fields)) data.append(key, value);
  return data;
}

describeEachDatabase('POST /api/admin/import', ({ db }) => {
  const catalogue = () =>
    db().query(
      `select (select count(*) from public.lage)::int as lagen, (select count(*) from public.leika_leistung)::int as leika,
              (select count(*) from public.kommune)::int as kommunen, (select sum(version) from public.ozg_leistung)::int as versionen`,
    );

  it('is for admins only: 401 without token, 403 for coordinators and municipalities', async () => {
    await inRollback(db(), async (tx) => {
      const inTransaction = apiDatabase(db(), tx);
      expect((await importApi(inTransaction, null)(await form('klein'))).status).toBe(401);
      for (const email of ['mobilitaet@ozg-sync.example', 'ozg@koeln.example']) {
        const response = await importApi(inTransaction, email)(await form('klein', { apply: 'true' }));
        expect(response.status).toBe(403);
        expect(await response.json()).toEqual({
          error: { code: 'forbidden', message: expect.stringContaining('nur Administratorinnen und Administratoren') },
        });
      }
      expect(await count(inTransaction, 'select 1 from public.lage')).toBe(0);
    });
  });

  it('dry run by default: reports the changes and writes nothing', async () => {
    const before = await catalogue();
    const response = await importApi(db(), ADMIN)(await form('klein'));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ angewendet: false, fehler: [], zusammenfassung: expect.stringContaining('Probelauf') });
    expect(body.tabellen).toContainEqual(expect.objectContaining({ tabelle: 'leika_leistung', neu: 7 }));
    expect(await catalogue()).toEqual(before);
  });

  it('applies as the signed-in admin under row-level security, hiding missing rows only when asked', async () => {
    const response = await importApi(db(), ADMIN)(await form('klein', { apply: 'true', hideMissing: 'true' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ angewendet: true, kommuneStatusNeu: 90 });
    // the seed's 12 Kommunen and the fixture's 2 new ones; hidden: the seed's 10 the fixture lacks
    expect(await catalogue()).toEqual([expect.objectContaining({ lagen: 2, leika: 7, kommunen: 14 })]);
    expect(await count(db(), 'select 1 from public.kommune where ausgeblendet')).toBe(10);
  });

  it('answers invalid rows with 400, each with file and line, and applies nothing', async () => {
    const before = await catalogue();
    const response = await importApi(db(), ADMIN)(await form('fehlerhaft', { apply: 'true' }));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.message).toMatch(/^Der Import enthält 7 Fehler, nichts wurde übernommen\. Der erste: gemeinden\.csv, Zeile 3: /);
    expect(body.error.details.fehler).toContainEqual({ datei: 'ozg_leistungen.csv', zeile: 4, text: 'Unbekanntes Themenfeld 99.' });
    expect(await catalogue()).toEqual(before);
  });

  it('is described in /openapi.json', async () => {
    const app = testApp(db());
    const doc = await (await app.request('/openapi.json')).json();
    expect(doc.paths['/api/admin/import'].post.requestBody.content['multipart/form-data']).toBeDefined();
  });

  it('needs at least one file, and at most 20 MB', async () => {
    const empty = await importApi(db(), ADMIN)(new FormData());
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toContain('dateien');

    const big = new FormData();
    big.append('dateien', new File([new Uint8Array(IMPORT_LIMIT_BYTES + 1)], 'gross.csv'));
    const response = await importApi(db(), ADMIN)(big);
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('payload_too_large');
  });
});
