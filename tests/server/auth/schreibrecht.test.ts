import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { mayWrite, type Schreibart } from '../../../server/auth/caller.ts';
import type { Sql } from '../../../server/db/database.ts';
import { apiAs, type Api } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { ADMIN, FREMD, KOELN, KREIS_METTMANN_IT, METTMANN, MOBILITAET, UNTERNEHMEN } from '../../helpers/members.ts';
import { apiDatabase, asOwner, authenticateAs, inRollback } from '../../helpers/rls.ts';

type Recht = `${Schreibart} ${string}`;
const RECHTE = [
  'kommune-status 05315000',
  // Kreis Mettmann: Mettmann and Velbert are the IT-Dienstleister Kreis Mettmann's, Ratingen is not.
  'kommune-status 05158024',
  'kommune-status 05158028',
  'kommune-status 05158032',
  'leistung-status 9',
  'kommunaler-vollzug 9',
  'pruefung 9',
  'katalog -',
  'mitglieder -',
  'stichtage -',
] as const satisfies readonly Recht[];

/** The rules as the README and the domain state them, written out per role; not read from the code. */
const ERLAUBT: Record<string, { rolle: string; darf: (typeof RECHTE)[number][]; prueftEinige: boolean }> = {
  [ADMIN]: { rolle: 'the admin', darf: [...RECHTE], prueftEinige: true },
  [MOBILITAET]: { rolle: 'the coordination of Themenfeld 9', darf: ['leistung-status 9', 'pruefung 9'], prueftEinige: true },
  [UNTERNEHMEN]: { rolle: 'the coordination of another Themenfeld', darf: [], prueftEinige: true },
  [KOELN]: { rolle: 'a member of Köln', darf: ['kommune-status 05315000'], prueftEinige: false },
  [METTMANN]: { rolle: 'a member of Mettmann, who only reads Köln and its neighbours', darf: ['kommune-status 05158024'], prueftEinige: false },
  [KREIS_METTMANN_IT]: {
    rolle: 'a member of the IT-Dienstleister of Mettmann and Velbert',
    darf: ['kommune-status 05158024', 'kommune-status 05158032'],
    prueftEinige: false,
  },
  [FREMD]: { rolle: 'a signed-in person without membership', darf: [], prueftEinige: false },
};

/** Whether row-level security lets the statement write at least one row; the write is undone. */
async function rlsAllows(tx: Sql, statement: string): Promise<boolean> {
  await tx.exec('savepoint probe');
  try {
    return (await tx.query(`${statement} returning 1`)).length > 0;
  } catch (error) {
    if (/row-level security|permission denied/.test((error as Error).message)) return false;
    throw error;
  } finally {
    await tx.exec('rollback to savepoint probe');
  }
}

/** One write per right, each touching rows only someone with that right may write. */
const WRITES: Record<(typeof RECHTE)[number], string> = {
  'kommune-status 05315000': `update public.kommune_status set bemerkung = 'Probe' where ags = '05315000'`,
  'kommune-status 05158024': `update public.kommune_status set bemerkung = 'Probe' where ags = '05158024'`,
  'kommune-status 05158028': `update public.kommune_status set bemerkung = 'Probe' where ags = '05158028'`,
  'kommune-status 05158032': `update public.kommune_status set bemerkung = 'Probe' where ags = '05158032'`,
  'leistung-status 9': `update public.leistung_status s set bemerkung = 'Probe'
    from public.ozg_leistung l where l.id = s.ozg_leistung_id and l.themenfeld_id = 9`,
  'kommunaler-vollzug 9': `update public.ozg_leistung set kommunaler_vollzug_manuell = true where themenfeld_id = 9`,
  'pruefung 9': `update public.aenderung set geprueft_am = now() where themenfeld_id = 9 and geprueft_am is null`,
  'katalog -': `update public.themenfeld set name = name where id = 9`,
  'mitglieder -': `update public.mitglied set rolle = rolle`,
  'stichtage -': `insert into public.stichtag (datum, bezeichnung) values ('2026-06-30', 'Probe')`,
};

/**
 * The API's answer to a request that needs the right: refused with 401 or 403 (404 for a change
 * log entry the caller may not see), or served as that request is when allowed.
 */
async function apiAllows(api: Api, recht: (typeof RECHTE)[number], offen: number): Promise<boolean> {
  const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const [art, bereich] = recht.split(' ') as [string, string];
  const push = () => json({ scope: bereich, idempotencyKey: randomUUID(), source: 'api', changes: [] });
  const [response, servedWith] = await {
    'kommune-status': async () => [await api.request('/api/sheets/kommune-status/changes', push()), 200] as const,
    'leistung-status': async () => [await api.request('/api/sheets/leistung-status/changes', push()), 200] as const,
    'kommunaler-vollzug': async () => [await api.request('/api/sheets/kommunaler-vollzug/changes', push()), 200] as const,
    pruefung: async () => [await api.request('/api/changes/review', json({ ids: [offen] })), 200] as const,
    // An empty upload: the admin check comes first, then the missing files get a 400.
    katalog: async () => [await api.request('/api/admin/import', { method: 'POST' }), 400] as const,
    mitglieder: async () => [await api.request('/api/mitglieder'), 200] as const,
    stichtage: async () => [await api.request('/api/stichtage', json({ datum: '2026-06-30', bezeichnung: 'Probe' })), 201] as const,
  }[art]!();
  const text = await response.text();
  if (response.status === 401 || response.status === 403 || (art === 'pruefung' && response.status === 404)) return false;
  expect(response.status, `${recht}: ${text}`).toBe(servedWith);
  return art === 'pruefung' ? (JSON.parse(text) as { geprueft: number[] }).geprueft.includes(offen) : true;
}

/** What /api/me tells the add-in about a sheet right (of review it only says whether any, see below). */
function meAllows(me: { darfAlleAendern: string[]; schreibrechte: { kind: string; scope: string }[] }, recht: string) {
  const [art, bereich] = recht.split(' ') as [string, string];
  if (art === 'kommune-status' || art === 'leistung-status' || art === 'kommunaler-vollzug') {
    return me.darfAlleAendern.includes(art) || me.schreibrechte.some((r) => r.kind === art && r.scope === bereich);
  }
  return undefined;
}

describeEachDatabase('Who may write: row-level security, the API and /api/me give one answer', ({ db }) => {
  /** A change in Themenfeld 9 waiting for review, so that a review mark has a row to write. */
  async function offeneAenderung(tx: Sql): Promise<number> {
    await asOwner(tx);
    await tx.query(
      `update public.leistung_status set bemerkung = 'zu prüfen' where id = (
         select s.id from public.leistung_status s join public.ozg_leistung l on l.id = s.ozg_leistung_id where l.themenfeld_id = 9 limit 1)`,
    );
    const [entry] = await tx.query<{ id: number }>(`select max(id)::int as id from public.aenderung where themenfeld_id = 9 and geprueft_am is null`);
    return entry!.id;
  }

  it.each(Object.entries(ERLAUBT).map(([email, { rolle, darf, prueftEinige }]) => [rolle, email, darf, prueftEinige] as const))(
    '%s (%s) may write exactly %j, and the database, the API’s check and /api/me all say so',
    async (_rolle, email, darf, prueftEinige) => {
      await inRollback(db(), async (tx) => {
        const offen = await offeneAenderung(tx);
        const api = apiAs(apiDatabase(db(), tx), email);
        const meResponse = await api.request('/api/me');
        const me = email === FREMD ? null : await meResponse.json();
        expect(meResponse.status).toBe(email === FREMD ? 403 : 200);

        for (const recht of RECHTE) {
          const expected = (darf as readonly string[]).includes(recht);
          const [art, bereich] = recht.split(' ') as [Schreibart, string];
          await authenticateAs(tx, email);
          const question = await mayWrite(tx, art, bereich === '-' ? null : bereich);
          const rls = await rlsAllows(tx, WRITES[recht]);
          await asOwner(tx);
          const viaApi = await apiAllows(api, recht, offen);
          // /api/me speaks of sheets; review and the admin-only tables have their own pages.
          const viaMe = me ? meAllows(me, recht) : false;
          expect({ recht, question, rls, viaApi, ...(viaMe !== undefined && { viaMe }) }).toEqual({
            recht,
            question: expected,
            rls: expected,
            viaApi: expected,
            ...(viaMe !== undefined && { viaMe: expected }),
          });
        }
        // Whether the „Prüfen“ tab is offered: may the person review the changes of any Themenfeld.
        const changesStatus = (await api.request('/api/changes?limit=1')).status;
        expect({ darfPruefen: me?.darfPruefen ?? false, changesStatus }).toEqual({ darfPruefen: prueftEinige, changesStatus: prueftEinige ? 200 : 403 });
      });
    },
  );

  it('names the kinds an admin may change as a whole, and a member’s own sheets one by one', async () => {
    await inRollback(db(), async (tx) => {
      const admin = await (await apiAs(apiDatabase(db(), tx), ADMIN).request('/api/me')).json();
      expect({ alle: admin.darfAlleAendern, einzeln: admin.schreibrechte }).toEqual({
        alle: ['kommune-status', 'leistung-status', 'kommunaler-vollzug'],
        einzeln: [],
      });
      const koeln = await (await apiAs(apiDatabase(db(), tx), KOELN).request('/api/me')).json();
      expect({ alle: koeln.darfAlleAendern, einzeln: koeln.schreibrechte }).toEqual({
        alle: [],
        einzeln: [{ kind: 'kommune-status', scope: '05315000', titel: 'Umsetzungsstand einer Kommune: Köln, Stadt' }],
      });
    });
  });

  /** Per person the bereiche each kind names one by one (everything at once is darf_schreiben(art, null), above). */
  const EINZELN: Record<string, Partial<Record<Schreibart, string[]>>> = {
    [ADMIN]: {},
    [MOBILITAET]: { 'leistung-status': ['9'], pruefung: ['9'] },
    [UNTERNEHMEN]: { 'leistung-status': ['14'], pruefung: ['14'] },
    [KOELN]: { 'kommune-status': ['05315000'] },
    [METTMANN]: { 'kommune-status': ['05158024'] },
    [KREIS_METTMANN_IT]: { 'kommune-status': ['05158024', '05158032'] },
    [FREMD]: {},
  };

  it.each(Object.entries(EINZELN))(
    'hands a statement the bereiche %s may write one by one, the list the policies and the pull compare each row with',
    async (email, einzeln) => {
      await inRollback(db(), async (tx) => {
        await authenticateAs(tx, email);
        const arten = RECHTE.map((recht) => recht.split(' ')[0] as Schreibart);
        const [row] = await tx.query<{ bereiche: Record<string, string[]> }>(
          `select jsonb_object_agg(art, intern.schreibbare_bereiche(art)) as bereiche from unnest($1::text[]) as art`,
          [arten],
        );
        expect(row!.bereiche).toEqual(Object.fromEntries(arten.map((art) => [art, einzeln[art] ?? []])));
      });
    },
  );

  it('names to a provider’s member its membership, the provider’s sheet and each of its Kommunen', async () => {
    await inRollback(db(), async (tx) => {
      const [{ id }] = (await tx.query<{ id: number }>(`select id from public.it_dienstleister where name = 'Kreis Mettmann'`)) as [{ id: number }];
      const me = await (await apiAs(apiDatabase(db(), tx), KREIS_METTMANN_IT).request('/api/me')).json();
      expect(me.mitgliedschaften).toEqual([
        { rolle: 'dienstleister', themenfeldId: null, themenfeld: null, ags: null, kommune: null, dienstleisterId: id, dienstleister: 'Kreis Mettmann' },
      ]);
      expect({ alle: me.darfAlleAendern, einzeln: me.schreibrechte }).toEqual({
        alle: [],
        einzeln: [
          { kind: 'kommune-status', scope: `dl:${id}`, titel: 'Umsetzungsstand der Kommunen eines IT-Dienstleisters: Kreis Mettmann' },
          { kind: 'kommune-status', scope: '05158024', titel: 'Umsetzungsstand einer Kommune: Mettmann, Stadt' },
          { kind: 'kommune-status', scope: '05158032', titel: 'Umsetzungsstand einer Kommune: Velbert, Stadt' },
        ],
      });
    });
  });

  it('a provider’s member writes a Kommune only while it is assigned: after the admin moves it, the right is gone', async () => {
    await inRollback(db(), async (tx) => {
      await asOwner(tx);
      await tx.query(`delete from public.kommune_dienstleister where ags = '05158032'`);
      await authenticateAs(tx, KREIS_METTMANN_IT);
      expect({
        mettmann: await rlsAllows(tx, WRITES['kommune-status 05158024']),
        velbert: await rlsAllows(tx, WRITES['kommune-status 05158032']),
      }).toEqual({ mettmann: true, velbert: false });
    });
  });

  it('lets anon write nothing: the database refuses even the question, the API answers 401', async () => {
    await inRollback(db(), async (tx) => {
      const offen = await offeneAenderung(tx);
      const api = apiAs(apiDatabase(db(), tx), null);
      expect((await api.request('/api/me')).status).toBe(401);
      for (const recht of RECHTE) {
        await tx.query(`select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true)`);
        expect(await rlsAllows(tx, WRITES[recht]), recht).toBe(false);
        await asOwner(tx);
        expect(await apiAllows(api, recht, offen), recht).toBe(false);
      }
      await tx.query(`select set_config('role', 'anon', true)`);
      await expect(tx.query(`select intern.darf_schreiben('kommune-status', '05315000')`)).rejects.toThrow(/permission denied/);
    });
  });

  it('refuses a question about an unknown kind of right instead of answering no', async () => {
    await inRollback(db(), async (tx) => {
      await authenticateAs(tx, ADMIN);
      await expect(tx.query(`select intern.darf_schreiben('kommune_status', '05315000')`)).rejects.toThrow(/Unbekannte Art von Schreibrecht: kommune_status/);
    });
  });

  it('refuses to list the bereiche of an unknown kind of right, or of none, instead of answering with none', async () => {
    for (const [art, genannt] of [['kommune_status', 'kommune_status'], [null, 'keine']] as const) {
      await inRollback(db(), async (tx) => {
        await authenticateAs(tx, KOELN);
        await expect(tx.query('select intern.schreibbare_bereiche($1)', [art])).rejects.toThrow(`Unbekannte Art von Schreibrecht: ${genannt}.`);
      });
    }
  });
});
