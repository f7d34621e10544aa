import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { apiAs } from '../../helpers/api.ts';
import { describeEachDatabase } from '../../helpers/databases.ts';
import { postChanges, pullRows, pushRows, rowOf } from '../../helpers/sheets.ts';

const KOELN = '05315000';
const METTMANN = '05158024';

describeEachDatabase('Sync protocol over HTTP', ({ db }) => {
  const app = () => apiAs(db());
  const logOf = (rowId: string) =>
    db().query<Record<string, unknown>>(
      `select akteur, tabelle, bereich, zeile_id, spalte, alt, neu, quelle, push_schluessel
       from public.aenderung where zeile_id = $1 order by id`,
      [rowId],
    );

  it('lists the sheet kinds with German titles', async () => {
    const body = await (await app().request('/api/sheets')).json();
    expect(body.map(({ kind, title, scopeLabel }: Record<string, string>) => ({ kind, title, scopeLabel }))).toEqual([
      { kind: 'kommune-status', title: 'Umsetzungsstand einer Kommune', scopeLabel: 'Kommune (AGS)' },
      { kind: 'leistung-status', title: 'Themenfeld-Übersicht', scopeLabel: 'Themenfeld' },
      { kind: 'kommunaler-vollzug', title: 'Kommunaler Vollzug', scopeLabel: 'Themenfeld' },
      { kind: 'leistung-kommunen', title: 'Eine Leistung in allen Kommunen', scopeLabel: 'OZG-Leistung (OZG-ID)' },
    ]);
  });

  it('names the scope forms each kind accepts, with patterns that tell the forms apart', async () => {
    const body: { kind: string; forms: { form: string; label: string; title: string; pattern: string; hint: string }[] }[] =
      await (await app().request('/api/sheets')).json();
    const forms = Object.fromEntries(body.map((k) => [k.kind, k.forms.map((f) => [f.form, f.label])]));
    expect(forms).toEqual({
      'kommune-status': [
        ['kommune', 'Kommune (AGS)'],
        ['kreis', 'Kreis (Kreisschlüssel)'],
        ['dienstleister', 'IT-Dienstleister'],
      ],
      'leistung-status': [['themenfeld', 'Themenfeld']],
      'kommunaler-vollzug': [['themenfeld', 'Themenfeld']],
      'leistung-kommunen': [['leistung', 'OZG-Leistung (OZG-ID)']],
    });
    const kommune = body.find((k) => k.kind === 'kommune-status')!.forms;
    const formOf = (scope: string) => kommune.filter((f) => new RegExp(f.pattern).test(scope)).map((f) => f.form);
    expect(formOf(METTMANN)).toEqual(['kommune']);
    expect(formOf('05158')).toEqual(['kreis']);
    expect(formOf('dl:1')).toEqual(['dienstleister']);
    expect(formOf('Köln')).toEqual([]);
    expect(kommune[1]!.title).toBe('Umsetzungsstand der Kommunen eines Kreises');
    expect(kommune[1]!.hint).toContain('05158');
  });

  it('pulls a municipality sheet: described columns, one row per municipal Leistung, empty cells as null', async () => {
    const pull = await pullRows(app(), 'kommune-status', KOELN);
    expect(pull).toMatchObject({ kind: 'kommune-status', scope: KOELN, deleted: [], cursor: expect.any(String) });
    expect(pull.columns.map((c) => [c.key, c.type, c.editable])).toEqual([
      ['ozg_id', 'number', false],
      ['leistung', 'text', false],
      ['themenfeld', 'text', false],
      ['status', 'enum', true],
      ['reifegrad', 'number', true],
      ['reifegrad_modell', 'enum', true],
      ['loesung', 'text', true],
      ['url', 'url', true],
      ['anbieter', 'text', true],
      ['zieltermin', 'date', true],
      ['inbetriebnahme', 'date', true],
      ['ansprechperson', 'text', true],
      ['bemerkung', 'text', true],
    ]);
    expect(pull.columns.find((c) => c.key === 'status')!.values).toEqual(['offen', 'in Planung', 'in Umsetzung', 'online']);
    expect(pull.rows).toHaveLength(46);
    expect(rowOf(pull, 10294)).toEqual({
      id: expect.any(String),
      version: 1,
      values: {
        ozg_id: 10294,
        leistung: 'Unternehmensanmeldung und -genehmigung',
        themenfeld: 'Unternehmensführung & -entwicklung',
        status: 'offen',
        reifegrad: null,
        reifegrad_modell: '2.0',
        loesung: null,
        url: null,
        anbieter: null,
        zieltermin: null,
        inbetriebnahme: null,
        ansprechperson: null,
        bemerkung: null,
      },
    });
  });

  it('pulls a Themenfeld-Übersicht as on the 2019 slides, with the activities as a list', async () => {
    const pull = await pullRows(app(), 'leistung-status', '14');
    expect(pull.rows).toHaveLength(25);
    expect(rowOf(pull, 10294).values).toMatchObject({
      leika_anzahl: 198,
      online_dienst_nrw: true,
      weitere_aktivitaeten: ['GSP', 'Digitalisierungslabor'],
      prioritaet: 'nicht festgelegt',
    });
    expect(pull.columns.find((c) => c.key === 'weitere_aktivitaeten')).toMatchObject({
      type: 'enum[]',
      values: expect.arrayContaining(['GSP', 'DMR Soest', 'Digitalisierungslabor']),
    });
  });

  it('applies a push, answers with the stored row, and logs each changed cell with who, source and push key', async () => {
    const row = rowOf(await pullRows(app(), 'kommune-status', KOELN), 10177);
    const key = randomUUID();
    const response = await pushRows(app(), 'kommune-status', {
      scope: KOELN,
      idempotencyKey: key,
      source: 'addin',
      changes: [
        {
          id: row.id,
          baseVersion: row.version,
          base: { status: 'offen', zieltermin: null },
          set: { status: 'in Umsetzung', zieltermin: '2027-03-31' },
        },
      ],
    });
    expect(response.results).toEqual([
      {
        id: row.id,
        outcome: 'applied',
        version: row.version + 1,
        values: { ...row.values, status: 'in Umsetzung', zieltermin: '2027-03-31' },
      },
    ]);
    expect(await logOf(row.id)).toEqual(
      expect.arrayContaining([
        {
          akteur: 'admin@ozg-sync.example',
          tabelle: 'kommune_status',
          bereich: KOELN,
          zeile_id: row.id,
          spalte: 'status',
          alt: 'offen',
          neu: 'in Umsetzung',
          quelle: 'addin',
          push_schluessel: key,
        },
        expect.objectContaining({ spalte: 'zieltermin', alt: null, neu: '2027-03-31', quelle: 'addin' }),
      ]),
    );
    expect(await logOf(row.id)).toHaveLength(2);
  });

  it('merges disjoint cells that two people changed from the same base', async () => {
    const row = rowOf(await pullRows(app(), 'kommune-status', KOELN), 10169);
    const first = await pushRows(app(), 'kommune-status', {
      scope: KOELN,
      changes: [{ id: row.id, baseVersion: row.version, base: { loesung: null }, set: { loesung: 'Führerschein-Online' } }],
    });
    const second = await pushRows(app(), 'kommune-status', {
      scope: KOELN,
      changes: [{ id: row.id, baseVersion: row.version, base: { anbieter: null }, set: { anbieter: 'KDN' } }],
    });
    expect(first.results[0]!.outcome).toBe('applied');
    expect(second.results[0]).toMatchObject({
      outcome: 'applied',
      version: row.version + 2,
      values: { loesung: 'Führerschein-Online', anbieter: 'KDN' },
    });
  });

  it('reports unchanged when the values are already on the server, and writes nothing', async () => {
    const row = rowOf(await pullRows(app(), 'kommune-status', KOELN), 10169);
    const response = await pushRows(app(), 'kommune-status', {
      scope: KOELN,
      changes: [{ id: row.id, baseVersion: 1, base: { anbieter: null }, set: { anbieter: 'KDN' } }],
    });
    expect(response.results[0]).toMatchObject({ outcome: 'unchanged', version: row.version });
  });

  it('reports a Konflikt for a cell changed by someone else since, applies the rest, and overwrites nothing', async () => {
    const row = rowOf(await pullRows(app(), 'kommune-status', METTMANN), 10294);
    await pushRows(app(), 'kommune-status', {
      scope: METTMANN,
      changes: [{ id: row.id, baseVersion: row.version, base: { status: 'offen' }, set: { status: 'online' } }],
    });
    const response = await pushRows(app(), 'kommune-status', {
      scope: METTMANN,
      changes: [
        {
          id: row.id,
          baseVersion: row.version,
          base: { status: 'offen', bemerkung: null },
          set: { status: 'in Planung', bemerkung: 'Projekt gestartet' },
        },
      ],
    });
    expect(response.results[0]).toMatchObject({
      outcome: 'conflict',
      konflikte: [{ key: 'status', base: 'offen', mine: 'in Planung', theirs: 'online' }],
      values: { status: 'online', bemerkung: 'Projekt gestartet' },
    });
  });

  const badRows: [string, (ids: { koeln: string; mettmann: string }) => { id: string; set: Record<string, unknown> }, RegExp][] = [
    ['an unknown id', () => ({ id: randomUUID(), set: { status: 'online' } }), /gibt es nicht/],
    ['a malformed id', () => ({ id: 'zeile-1', set: { status: 'online' } }), /gibt es nicht/],
    ['a row outside the scope', ({ mettmann }) => ({ id: mettmann, set: { status: 'online' } }), /gehört nicht zum Bereich/],
    ['an unknown key', ({ koeln }) => ({ id: koeln, set: { farbe: 'rot' } }), /Spalte „farbe“ gibt es/],
    ['a read-only key', ({ koeln }) => ({ id: koeln, set: { leistung: 'Umbenannt' } }), /„Leistung“ ist schreibgeschützt/],
    ['a wrong type', ({ koeln }) => ({ id: koeln, set: { reifegrad: 'drei' } }), /„Reifegrad“ erwartet eine Zahl/],
    ['a value not in the vocabulary', ({ koeln }) => ({ id: koeln, set: { status: 'erledigt' } }), /„erledigt“ ist für „Status“ nicht erlaubt/],
    ['a malformed date', ({ koeln }) => ({ id: koeln, set: { zieltermin: '31.12.2026' } }), /kein gültiges Datum/],
    ['a malformed URL', ({ koeln }) => ({ id: koeln, set: { url: 'koeln de' } }), /keine gültige Internetadresse/],
    ['a Reifegrad beyond its model', ({ koeln }) => ({ id: koeln, set: { reifegrad_modell: '1.1', reifegrad: 6 } }), /Reifegradmodell 1.1 nicht/],
  ];
  it.each(badRows)('rejects %s with a German error per key and applies nothing of that row', async (_name, make, message) => {
    const koeln = rowOf(await pullRows(app(), 'kommune-status', KOELN), 10593);
    const mettmann = rowOf(await pullRows(app(), 'kommune-status', METTMANN), 10593);
    const bad = make({ koeln: koeln.id, mettmann: mettmann.id });
    const response = await pushRows(app(), 'kommune-status', {
      scope: KOELN,
      changes: [{ id: bad.id, baseVersion: 1, base: {}, set: { ...bad.set, bemerkung: 'darf nicht ankommen' } }],
    });
    expect(response.results[0]!.outcome).toBe('rejected');
    expect(response.results[0]!.errors!.map((e) => e.message).join(' ')).toMatch(message);
    const after = rowOf(await pullRows(app(), 'kommune-status', KOELN), 10593);
    expect(after).toEqual(koeln);
  });

  it('answers each change in order, and a later change to the same row builds on the earlier one', async () => {
    const pull = await pullRows(app(), 'kommune-status', KOELN);
    const [a, b] = [rowOf(pull, 10439), rowOf(pull, 10436)];
    const response = await pushRows(app(), 'kommune-status', {
      scope: KOELN,
      changes: [
        { id: b.id, baseVersion: b.version, base: { loesung: null }, set: { loesung: 'i-Kfz' } },
        { id: a.id, baseVersion: a.version, base: { status: 'offen' }, set: { status: 'in Planung' } },
        { id: a.id, baseVersion: a.version, base: { status: 'in Planung' }, set: { status: 'online' } },
      ],
    });
    expect(response.results.map((r) => [r.id, r.outcome, r.values?.status])).toEqual([
      [b.id, 'applied', 'offen'],
      [a.id, 'applied', 'online'],
      [a.id, 'applied', 'online'],
    ]);
  });

  it('returns the first answer for a repeated idempotency key and applies nothing again', async () => {
    const row = rowOf(await pullRows(app(), 'kommune-status', KOELN), 10440);
    const body = {
      scope: KOELN,
      idempotencyKey: randomUUID(),
      changes: [{ id: row.id, baseVersion: row.version, base: { bemerkung: null }, set: { bemerkung: 'einmal' } }],
    };
    const first = await pushRows(app(), 'kommune-status', body);
    const logged = (await logOf(row.id)).length;
    const again = await pushRows(app(), 'kommune-status', body);
    expect(again).toEqual(first);
    expect(await logOf(row.id)).toHaveLength(logged);
    expect(rowOf(await pullRows(app(), 'kommune-status', KOELN), 10440).version).toBe(row.version + 1);
  });

  it('answers 409 when an idempotency key comes back with a different body', async () => {
    const row = rowOf(await pullRows(app(), 'kommune-status', KOELN), 10446);
    const idempotencyKey = randomUUID();
    await pushRows(app(), 'kommune-status', {
      scope: KOELN,
      idempotencyKey,
      changes: [{ id: row.id, baseVersion: row.version, base: {}, set: { bemerkung: 'A' } }],
    });
    const reuse = await postChanges(app(), 'kommune-status', {
      scope: KOELN,
      idempotencyKey,
      changes: [{ id: row.id, baseVersion: row.version, base: {}, set: { bemerkung: 'B' } }],
    });
    expect(reuse.status).toBe(409);
    expect((await reuse.json()).error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/Idempotenzschlüssel/) });
    expect(rowOf(await pullRows(app(), 'kommune-status', KOELN), 10446).values.bemerkung).toBe('A');
  });

  it('applies nothing of a push when the server fails in the middle of it', async () => {
    const pull = await pullRows(app(), 'kommune-status', KOELN);
    const rows = pull.rows.slice(20, 30);
    await db().exec(`
      create function public.test_ausfall() returns trigger language plpgsql as $$
      begin
        if new.bemerkung = 'AUSFALL' then raise exception 'simulierter Ausfall'; end if;
        return new;
      end $$;
      create trigger test_ausfall before update on public.kommune_status for each row execute function public.test_ausfall();`);
    const body = {
      scope: KOELN,
      idempotencyKey: randomUUID(),
      changes: rows.map((r, i) => ({ id: r.id, baseVersion: r.version, base: {}, set: { bemerkung: i === 7 ? 'AUSFALL' : `Teil ${i}` } })),
    };
    const logBefore = await db().query('select count(*)::int as n from public.aenderung');
    const original = console.error;
    console.error = () => {};
    try {
      const failed = await postChanges(app(), 'kommune-status', body);
      expect(failed.status).toBe(500);
      expect((await failed.json()).error.code).toBe('internal');
    } finally {
      console.error = original;
      await db().exec('drop trigger test_ausfall on public.kommune_status; drop function public.test_ausfall();');
    }
    const unchanged = await pullRows(app(), 'kommune-status', KOELN);
    expect(unchanged.rows).toEqual(pull.rows);
    expect(await db().query('select count(*)::int as n from public.aenderung')).toEqual(logBefore);

    const retried = await pushRows(app(), 'kommune-status', body);
    expect(retried.results.every((r) => r.outcome === 'applied')).toBe(true);
  });

  it('logs direct SQL writes too, with the database user and source sql', async () => {
    const row = rowOf(await pullRows(app(), 'leistung-status', '9'), 10433);
    await db().query(`update public.leistung_status set prioritaet = 'hoch' where id = $1`, [row.id]);
    expect(await logOf(row.id)).toEqual([
      {
        akteur: 'postgres',
        tabelle: 'leistung_status',
        bereich: '9',
        zeile_id: row.id,
        spalte: 'prioritaet',
        alt: 'nicht festgelegt',
        neu: 'hoch',
        quelle: 'sql',
        push_schluessel: null,
      },
    ]);
  });

  it('keeps the change log append-only', async () => {
    await expect(db().query(`update public.aenderung set neu = '"gefälscht"'`)).rejects.toThrow(/nicht verändert oder gelöscht/);
    await expect(db().query(`delete from public.aenderung`)).rejects.toThrow(/nicht verändert oder gelöscht/);
    await db().query(`update public.aenderung set geprueft_von = 'admin@ozg-sync.example', geprueft_am = now() where id = (select min(id) from public.aenderung)`);
  });

  it('delta-pulls only what changed since the cursor, including catalogue changes and rows that left the scope', async () => {
    const full = await pullRows(app(), 'kommune-status', KOELN);
    expect((await pullRows(app(), 'kommune-status', KOELN, full.cursor)).rows).toEqual([]);

    const edited = rowOf(full, 10418);
    await pushRows(app(), 'kommune-status', {
      scope: KOELN,
      changes: [{ id: edited.id, baseVersion: edited.version, base: {}, set: { ansprechperson: 'Frau Schmitz' } }],
    });
    await db().query(`update public.ozg_leistung set name = 'Ausnahmegenehmigungen im Straßenverkehr' where ozg_id = 10421`);
    await db().query(`update public.ozg_leistung set kommunaler_vollzug = false where ozg_id = 10423`);
    await pushRows(app(), 'kommune-status', {
      scope: METTMANN,
      changes: [{ id: rowOf(await pullRows(app(), 'kommune-status', METTMANN), 10418).id, baseVersion: 1, base: {}, set: { loesung: 'anderswo' } }],
    });

    const delta = await pullRows(app(), 'kommune-status', KOELN, full.cursor);
    expect(delta.rows.map((r) => r.values.ozg_id).sort()).toEqual([10418, 10421]);
    expect(rowOf(delta, 10421).values.leistung).toBe('Ausnahmegenehmigungen im Straßenverkehr');
    expect(delta.deleted).toEqual([rowOf(full, 10423).id]);
    expect((await pullRows(app(), 'kommune-status', KOELN)).rows.map((r) => r.values.ozg_id)).not.toContain(10423);

    const next = await pullRows(app(), 'kommune-status', KOELN, delta.cursor);
    expect(next).toMatchObject({ rows: [], deleted: [] });
  });

  it('tells a Themenfeld sheet that a Leistung moved to another Themenfeld', async () => {
    const before = await pullRows(app(), 'leistung-status', '9');
    await db().query('update public.ozg_leistung set themenfeld_id = 10 where ozg_id = 10459');
    const delta = await pullRows(app(), 'leistung-status', '9', before.cursor);
    expect(delta.deleted).toEqual([rowOf(before, 10459).id]);
    const other = await pullRows(app(), 'leistung-status', '10', before.cursor);
    expect(other.rows.map((r) => r.values.ozg_id)).toEqual([10459]);
  });

  it('drops a Leistung the catalogue import hid from both sheets, refuses pushes to it, and brings it back when unhidden', async () => {
    const kommune = await pullRows(app(), 'kommune-status', KOELN);
    const themenfeld = await pullRows(app(), 'leistung-status', '9');
    await db().query('update public.ozg_leistung set ausgeblendet = true where ozg_id = 10173');

    const kommuneDelta = await pullRows(app(), 'kommune-status', KOELN, kommune.cursor);
    expect(kommuneDelta.deleted).toEqual([rowOf(kommune, 10173).id]);
    expect((await pullRows(app(), 'leistung-status', '9', themenfeld.cursor)).deleted).toEqual([rowOf(themenfeld, 10173).id]);
    expect((await pullRows(app(), 'kommune-status', KOELN)).rows.map((r) => r.values.ozg_id)).not.toContain(10173);
    const listed = await (await app().request('/api/leistungen?themenfeld=9')).json();
    expect(listed.map((l: { ozgId: number }) => l.ozgId)).not.toContain(10173);

    const hidden = rowOf(kommune, 10173);
    const { results } = await pushRows(app(), 'kommune-status', {
      scope: KOELN,
      changes: [{ id: hidden.id, baseVersion: hidden.version, base: {}, set: { bemerkung: 'noch da?' } }],
    });
    // Row-level security hides the row of a hidden Leistung (policy nur_kommunaler_vollzug): for the sender it is gone.
    expect(results[0]).toMatchObject({ outcome: 'rejected', errors: [{ key: 'id', message: expect.stringContaining('gibt es nicht (mehr)') }] });

    await db().query('update public.ozg_leistung set ausgeblendet = false where ozg_id = 10173');
    const back = await pullRows(app(), 'kommune-status', KOELN, kommuneDelta.cursor);
    expect(back).toMatchObject({ deleted: [], rows: [expect.objectContaining({ id: hidden.id })] });
  });

  const badRequests: [string, string, number, RegExp][] = [
    ['unknown kind', '/api/sheets/kommune-stand/rows?scope=05315000', 404, /Tabellenart „kommune-stand“ gibt es nicht/],
    ['missing scope', '/api/sheets/kommune-status/rows', 400, /Bereich \(scope\) fehlt/],
    ['malformed scope', '/api/sheets/kommune-status/rows?scope=Koeln', 400, /Ungültiger Bereich „Koeln“/],
    ['unknown municipality', '/api/sheets/kommune-status/rows?scope=05999999', 404, /Bereich 05999999 \(Kommune \(AGS\)\) gibt es nicht/],
    ['unknown Themenfeld', '/api/sheets/leistung-status/rows?scope=15', 404, /Bereich 15 \(Themenfeld\) gibt es nicht/],
    ['malformed cursor', '/api/sheets/kommune-status/rows?scope=05315000&since=gestern', 400, /Cursor/],
    ['cursor with xmin after xmax', '/api/sheets/kommune-status/rows?scope=05315000&since=9:3:', 400, /Cursor/],
  ];
  it.each(badRequests)('answers a pull with %s in the JSON error shape', async (_name, url, status, message) => {
    const response = await app().request(url);
    expect(response.status).toBe(status);
    expect((await response.json()).error.message).toMatch(message);
  });

  const badPushes: [string, string, string | object, number, RegExp][] = [
    ['invalid JSON', 'kommune-status', '{"scope": ', 400, /kein gültiges JSON/],
    ['a missing changes list', 'kommune-status', { scope: KOELN, idempotencyKey: randomUUID(), source: 'api' }, 400, /changes/],
    ['a malformed idempotency key', 'kommune-status', { scope: KOELN, idempotencyKey: '42', source: 'api', changes: [] }, 400, /UUID/],
    ['an unknown source', 'kommune-status', { scope: KOELN, idempotencyKey: randomUUID(), source: 'fax', changes: [] }, 400, /source/],
    ['an unknown kind', 'kommune-stand', { scope: KOELN, idempotencyKey: randomUUID(), source: 'api', changes: [] }, 404, /Tabellenart/],
    ['an unknown scope', 'kommune-status', { scope: '05999999', idempotencyKey: randomUUID(), source: 'api', changes: [] }, 404, /gibt es nicht/],
  ];
  it.each(badPushes)('answers a push with %s in the JSON error shape', async (_name, kind, body, status, message) => {
    const response = await postChanges(app(), kind, typeof body === 'string' ? body : JSON.stringify(body));
    expect(response.status).toBe(status);
    const error = (await response.json()).error;
    expect(`${error.message} ${JSON.stringify(error.details ?? '')}`).toMatch(message);
  });

  it('refuses more than 10,000 changes with 413', async () => {
    const changes = Array.from({ length: 10_001 }, () => ({ id: randomUUID(), baseVersion: 1, base: {}, set: {} }));
    const response = await postChanges(app(), 'kommune-status', { scope: KOELN, changes });
    expect(response.status).toBe(413);
    expect((await response.json()).error).toMatchObject({ code: 'payload_too_large', message: expect.stringMatching(/10\.000/) });
  });

  it('refuses a body over 10 MB with 413', async () => {
    const huge = JSON.stringify({ scope: KOELN, idempotencyKey: randomUUID(), source: 'api', changes: [], pad: 'x'.repeat(11 * 1024 * 1024) });
    const response = await postChanges(app(), 'kommune-status', huge);
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('payload_too_large');
  });
});
