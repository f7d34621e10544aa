import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { cursorCovers } from '../../../addin/src/live/events.ts';
import { LiveHub } from '../../../server/live/hub.ts';
import { httpApi, testToken } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { openStream, serveApp, type OpenStream } from '../../helpers/live.ts';
import { ADMIN, FREMD, KOELN } from '../../helpers/members.ts';
import { pullRows, pushRows } from '../../helpers/sheets.ts';

const KOELN_AGS = '05315000';
const METTMANN_AGS = '05158024';
const koeln = [{ kind: 'kommune-status', scope: KOELN_AGS }];

describeEachDatabase('Live change stream (GET /api/events)', ({ db, kind }) => {
  let server: { url: string; close(): Promise<void> };
  let hub: LiveHub;
  const open: OpenStream[] = [];
  const stream = async (...args: Parameters<typeof openStream>) => {
    const opened = await openStream(...args);
    open.push(opened);
    return opened;
  };

  beforeAll(async () => {
    hub = new LiveHub(db(), { perMember: 3, perProcess: 100 });
    server = await serveApp(db(), { hub, heartbeatMs: 200 });
  });
  afterEach(async () => {
    for (const s of open.splice(0)) s.close();
    await waitFor(() => hub.openStreams === 0);
  });
  afterAll(async () => {
    await hub.close();
    await server.close();
  });

  const api = async (email: string) => httpApi(server.url, await testToken(email));
  const setBemerkung = async (email: string, scope: string, text: string, rows = 1) => {
    const app = await api(email);
    const pull = await pullRows(app, 'kommune-status', scope);
    await pushRows(app, 'kommune-status', {
      scope,
      changes: pull.rows.slice(0, rows).map((row) => ({ id: row.id, baseVersion: row.version, base: { bemerkung: row.values.bemerkung }, set: { bemerkung: text } })),
    });
    return { before: pull.cursor, after: (await pullRows(app, 'kommune-status', scope)).cursor };
  };

  it('tells an open Köln sheet about a push within seconds, naming sheet and transaction but no value', async () => {
    const live = await stream(server.url, await testToken(KOELN), koeln);
    expect(live.status).toBe(200);
    expect(live.contentType).toMatch(/^text\/event-stream/);
    await live.next('bereit');
    const { before, after } = await setBemerkung(ADMIN, KOELN_AGS, 'Live-Test: geheimer Vermerk');
    const event = await live.next('aenderung', 2_000);
    const notice = JSON.parse(event.data) as { kind: string; scope: string; txid: string };
    expect(Object.keys(notice).sort()).toEqual(['kind', 'scope', 'txid']);
    expect(notice).toMatchObject({ kind: 'kommune-status', scope: KOELN_AGS });
    expect(event.data).not.toContain('geheimer Vermerk');
    // The pull before the push did not see that transaction; a pull after it did.
    expect(cursorCovers(before, notice.txid)).toBe(false);
    expect(cursorCovers(after, notice.txid)).toBe(true);
  });

  it('tells an open Kreis sheet about a push into one of its Kommunen, under the Kreis’s scope, and nothing about another Kreis', async () => {
    await db().exec(`insert into public.kommune (ags, name, typ) values ('05158028', 'Ratingen, Stadt', 'kreisangehörige Gemeinde') on conflict do nothing`);
    const live = await stream(server.url, await testToken(KOELN), [{ kind: 'kommune-status', scope: '05158' }]);
    expect(live.status).toBe(200);
    await live.next('bereit');
    await setBemerkung(ADMIN, KOELN_AGS, 'Nicht im Kreis Mettmann');
    const { before, after } = await setBemerkung(ADMIN, '05158028', 'Ratingen meldet');
    const notice = JSON.parse((await live.next('aenderung', 2_000)).data) as { kind: string; scope: string; txid: string };
    expect(notice).toMatchObject({ kind: 'kommune-status', scope: '05158' });
    expect([cursorCovers(before, notice.txid), cursorCovers(after, notice.txid)]).toEqual([false, true]);
    expect(live.events.filter((e) => e.event === 'aenderung')).toHaveLength(1);
  });

  it('sends one notice for a push of many cells, and none for another municipality’s sheet', async () => {
    const live = await stream(server.url, await testToken(KOELN), koeln);
    await live.next('bereit');
    await setBemerkung(ADMIN, METTMANN_AGS, 'Nur Mettmann', 1);
    await setBemerkung(ADMIN, KOELN_AGS, 'Zwanzig Zeilen auf einmal', 20);
    await setBemerkung(ADMIN, KOELN_AGS, 'Danach noch eine', 1);
    const first = JSON.parse((await live.next('aenderung', 2_000)).data);
    const second = JSON.parse((await live.next('aenderung', 2_000)).data);
    expect([first.scope, second.scope]).toEqual([KOELN_AGS, KOELN_AGS]);
    expect(BigInt(second.txid)).toBeGreaterThan(BigInt(first.txid));
    expect(live.events.filter((e) => e.event === 'aenderung')).toHaveLength(2);
  });

  it('says nothing about a transaction that was rolled back', async () => {
    const live = await stream(server.url, await testToken(KOELN), koeln);
    await live.next('bereit');
    await db()
      .transaction(async (tx) => {
        await tx.query(`update public.kommune_status set bemerkung = 'zurückgerollt' where ags = $1`, [KOELN_AGS]);
        throw new Error('roll back');
      })
      .catch(() => {});
    const { after } = await setBemerkung(ADMIN, KOELN_AGS, 'Nach dem Zurückrollen');
    const notice = JSON.parse((await live.next('aenderung', 2_000)).data);
    // The only notice is the push's (a pull after it covers its transaction); the rolled-back one reached no one.
    expect(cursorCovers(after, notice.txid)).toBe(true);
    expect(live.events.filter((e) => e.event === 'aenderung')).toHaveLength(1);
  });

  it('follows several sheets of a workbook in one stream, with event ids that only grow', async () => {
    const live = await stream(server.url, await testToken(ADMIN), [...koeln, { kind: 'kommune-status', scope: METTMANN_AGS }]);
    await live.next('bereit');
    await setBemerkung(ADMIN, METTMANN_AGS, 'Mettmann im Verbund');
    await setBemerkung(ADMIN, KOELN_AGS, 'Köln im Verbund');
    const a = await live.next('aenderung', 2_000);
    const b = await live.next('aenderung', 2_000);
    expect([JSON.parse(a.data).scope, JSON.parse(b.data).scope]).toEqual([METTMANN_AGS, KOELN_AGS]);
    expect(Number(b.id)).toBeGreaterThan(Number(a.id));
  });

  // A kommune_status row of Mettmann whose Leistung is on leistung-kommunen sheets (kommunaler Vollzug,
  // not hidden), and another such Leistung.
  const mettmannRow = async () => {
    const [row] = await db().query<{ id: string; ozg_id: number }>(
      `select s.id, l.ozg_id from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id
       where s.ags = $1 and l.kommunaler_vollzug and not l.ausgeblendet and l.ozg_id is not null order by l.ozg_id limit 1`,
      [METTMANN_AGS],
    );
    const [other] = await db().query<{ ozg_id: number }>(
      `select ozg_id from public.ozg_leistung where kommunaler_vollzug and not ausgeblendet and ozg_id is not null and ozg_id <> $1 order by ozg_id limit 1`,
      [row!.ozg_id],
    );
    const [provider] = await db().query<{ id: number }>(`select dienstleister_id as id from public.kommune_dienstleister where ags = $1`, [METTMANN_AGS]);
    return { ...row!, otherOzgId: other!.ozg_id, providerId: provider!.id };
  };
  const pushBemerkung = async (scope: string, rowId: string, text: string) => {
    const app = await api(ADMIN);
    const row = (await pullRows(app, 'kommune-status', scope)).rows.find((r) => r.id === rowId)!;
    await pushRows(app, 'kommune-status', { scope, changes: [{ id: row.id, baseVersion: row.version, base: { bemerkung: row.values.bemerkung }, set: { bemerkung: text } }] });
  };

  it('tells a push to Mettmann to the sheet of its Leistung across all Kommunen and to the sheet of Mettmann’s IT-Dienstleister, and not to another Leistung’s or provider’s sheet', async () => {
    const { id, ozg_id, otherOzgId, providerId } = await mettmannRow();
    const [otherProvider] = await db().query<{ id: number }>(
      `insert into public.it_dienstleister (name, ort) values ('Live-Test-Dienstleister', 'Köln') returning id`,
    );
    const told = await stream(server.url, await testToken(ADMIN), [
      { kind: 'leistung-kommunen', scope: String(ozg_id) },
      { kind: 'kommune-status', scope: `dl:${providerId}` },
    ]);
    // Köln's sheet is the sentinel: its notice comes after any notice of the earlier Mettmann push.
    const untold = await stream(server.url, await testToken(ADMIN), [
      { kind: 'leistung-kommunen', scope: String(otherOzgId) },
      { kind: 'kommune-status', scope: `dl:${otherProvider!.id}` },
      ...koeln,
    ]);
    expect([told.status, untold.status]).toEqual([200, 200]);
    await Promise.all([told.next('bereit'), untold.next('bereit')]);
    await pushBemerkung(METTMANN_AGS, id, 'Mettmann für Leistung und Dienstleister');
    const notices = [JSON.parse((await told.next('aenderung', 2_000)).data), JSON.parse((await told.next('aenderung', 2_000)).data)];
    expect(notices.map((n: { kind: string; scope: string }) => `${n.kind}:${n.scope}`).sort()).toEqual(
      [`kommune-status:dl:${providerId}`, `leistung-kommunen:${ozg_id}`].sort(),
    );
    expect(notices[0].txid).toBe(notices[1].txid);
    await setBemerkung(ADMIN, KOELN_AGS, 'Köln danach');
    await untold.next('aenderung', 2_000);
    expect(untold.events.filter((e) => e.event === 'aenderung').map((e) => JSON.parse(e.data).scope)).toEqual([KOELN_AGS]);
  });

  it('tells both providers’ sheets when a Kommune moves from one IT-Dienstleister to another', async () => {
    const { providerId } = await mettmannRow();
    const [neu] = await db().query<{ id: number }>(`insert into public.it_dienstleister (name, ort) values ('Live-Test-Umzug', 'Mettmann') returning id`);
    const live = await stream(server.url, await testToken(ADMIN), [
      { kind: 'kommune-status', scope: `dl:${providerId}` },
      { kind: 'kommune-status', scope: `dl:${neu!.id}` },
    ]);
    await live.next('bereit');
    await db().transaction(async (tx) => {
      await tx.query(`update public.kommune_dienstleister set dienstleister_id = $1 where ags = $2`, [neu!.id, METTMANN_AGS]);
      await tx.query(`update public.kommune_dienstleister set dienstleister_id = $1 where ags = $2`, [providerId, METTMANN_AGS]);
    });
    const scopes = [JSON.parse((await live.next('aenderung', 2_000)).data).scope, JSON.parse((await live.next('aenderung', 2_000)).data).scope];
    expect(scopes.sort()).toEqual([`dl:${providerId}`, `dl:${neu!.id}`].sort());
  });

  it('sends one notice for every leistung-kommunen sheet, not one per Leistung, for a statement over more than 100 Leistungen', async () => {
    const { ozg_id } = await mettmannRow();
    // The demo data has fewer Leistungen with kommunaler Vollzug than the bound (the catalogue has 460):
    // adding some gives every Kommune their rows (trigger status_zeilen_anlegen).
    await db().exec(`insert into public.ozg_leistung (ozg_id, name, themenfeld_id, kommunaler_vollzug)
                     select g, 'Live-Test-Leistung ' || g, (select min(id) from public.themenfeld), true
                     from generate_series(10500, 10600) g where not exists (select 1 from public.ozg_leistung where ozg_id = g)`);
    const [{ anzahl } = { anzahl: 0 }] = await db().query<{ anzahl: number }>(
      `select count(distinct l.ozg_id)::integer as anzahl from public.kommune_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id
       where l.kommunaler_vollzug and not l.ausgeblendet`,
    );
    expect(anzahl).toBeGreaterThan(100);
    const payloads: string[] = [];
    const unlisten = await db().listen('ozg_aenderung', (payload) => payloads.push(payload));
    try {
      const live = await stream(server.url, await testToken(ADMIN), [{ kind: 'leistung-kommunen', scope: String(ozg_id) }]);
      await live.next('bereit');
      await db().exec(`update public.kommune_status set bemerkung = 'Alle Leistungen überall'`);
      expect(JSON.parse((await live.next('aenderung', 2_000)).data)).toMatchObject({ kind: 'leistung-kommunen', scope: String(ozg_id) });
      await waitFor(() => payloads.length >= 2);
      const leistung = payloads.map((p) => JSON.parse(p) as { kind: string; scope: string }).filter((n) => n.kind === 'leistung-kommunen');
      expect(leistung.map((n) => n.scope)).toEqual(['*']);
    } finally {
      await unlisten();
    }
  });

  it.runIf(kind === 'postgres')('asks open streams to pull once when the listening database connection was lost and is back', async () => {
    const live = await stream(server.url, await testToken(KOELN), koeln);
    await live.next('bereit');
    // Another session ends the listening backend, as a database restart or a network cut would. The
    // process listens on one connection for all its channels (the vocabularies' too), so its last
    // statement may name either.
    const ended = await db().query<{ ended: boolean }>(
      `select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`,
    );
    expect(ended).toEqual([{ ended: true }]);
    await live.next('neu-abrufen', 5_000);
    // And it hears again: the next push arrives as before.
    await setBemerkung(ADMIN, KOELN_AGS, 'Nach dem Wiederverbinden');
    expect(JSON.parse((await live.next('aenderung', 2_000)).data)).toMatchObject({ kind: 'kommune-status', scope: KOELN_AGS });
  });

  it('keeps an idle stream alive with heartbeat comments', async () => {
    const live = await stream(server.url, await testToken(KOELN), koeln);
    await live.next('bereit');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(live.comments).toBeGreaterThanOrEqual(2);
  });

  it('refuses a stream as a pull is refused: 401 without sign-in, 403 for non-members, 404 for unknown sheets, 400 for malformed ones', async () => {
    const anonymous = await stream(server.url, null, koeln);
    expect([anonymous.status, anonymous.error?.error.code]).toEqual([401, 'unauthorized']);
    const stranger = await stream(server.url, await testToken(FREMD), koeln);
    expect([stranger.status, stranger.error?.error.code]).toEqual([403, 'forbidden']);
    const token = await testToken(KOELN);
    const noKind = await stream(server.url, token, [{ kind: 'gibt-es-nicht', scope: KOELN_AGS }]);
    expect([noKind.status, noKind.error?.error.message]).toEqual([404, expect.stringContaining('Tabellenart „gibt-es-nicht“')]);
    const noScope = await stream(server.url, token, `/api/sheets/kommune-status/events?scope=09999999`);
    expect([noScope.status, noScope.error?.error.message]).toEqual([404, expect.stringContaining('Den Bereich 09999999')]);
    const malformed = await stream(server.url, token, `/api/events?sheet=kommune-status`);
    expect([malformed.status, malformed.error?.error.message]).toEqual([400, expect.stringContaining('Tabellenart:Bereich')]);
    expect(open.filter((s) => s.status !== 200).every((s) => s.contentType?.startsWith('application/json'))).toBe(true);
  });

  it('answers 429 in German beyond the streams one member may hold, and frees the place when a stream closes', async () => {
    const token = await testToken(KOELN);
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await stream(server.url, token, koeln));
    expect(held.map((s) => s.status)).toEqual([200, 200, 200]);
    const fourth = await stream(server.url, token, koeln);
    expect(fourth.status).toBe(429);
    expect(fourth.error?.error.message).toContain('Sie haben bereits 3 Live-Verbindungen offen');
    // Another member is not held back by Köln's streams.
    expect((await stream(server.url, await testToken(ADMIN), koeln)).status).toBe(200);
    held[0]!.close();
    await waitFor(() => hub.openStreams === 3);
    expect((await stream(server.url, token, koeln)).status).toBe(200);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
