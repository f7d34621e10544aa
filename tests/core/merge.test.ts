import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeChange, type MergeSheet, type StoredRow } from '../../core/merge.ts';

const sheet: MergeSheet = {
  scopeLabel: 'Kommune (AGS)',
  columns: [
    { key: 'ozg_id', label: 'OZG-ID', type: 'number', editable: false },
    { key: 'status', label: 'Status', type: 'enum', editable: true, values: ['offen', 'in Planung', 'online'], required: true },
    { key: 'loesung', label: 'Lösung', type: 'text', editable: true },
    { key: 'bemerkung', label: 'Bemerkung', type: 'text', editable: true },
  ],
};
const row = (values: Partial<StoredRow['values']> = {}, version = 4): StoredRow => ({
  id: 'r1',
  version,
  scope: '05315000',
  values: { ozg_id: 10294, status: 'offen', loesung: null, bemerkung: null, ...values },
});
const change = (set: Record<string, unknown>, base: Record<string, unknown> = {}, baseVersion = 4) => ({
  id: 'r1',
  baseVersion,
  base,
  set,
});

describe('mergeChange', () => {
  it('applies a cell whose server value is still the base', () => {
    expect(mergeChange(sheet, '05315000', row(), change({ status: 'online' }, { status: 'offen' }))).toEqual({
      outcome: 'applied',
      write: { status: 'online' },
      konflikte: [],
    });
  });

  it('keeps a cell someone else changed when the client did not touch it (a merge, not a conflict)', () => {
    const server = row({ bemerkung: 'von Düsseldorf' }, 5);
    const decision = mergeChange(sheet, '05315000', server, change({ status: 'online' }, { status: 'offen' }, 4));
    expect(decision).toEqual({ outcome: 'applied', write: { status: 'online' }, konflikte: [] });
  });

  it('reports unchanged when every value sent is already on the server', () => {
    const decision = mergeChange(sheet, '05315000', row({ status: 'online' }, 5), change({ status: 'online' }, { status: 'offen' }));
    expect(decision).toEqual({ outcome: 'unchanged' });
  });

  it('reports a Konflikt for a cell changed on both sides, and still applies the other cells', () => {
    const server = row({ status: 'in Planung' }, 5);
    const decision = mergeChange(sheet, '05315000', server, change({ status: 'online', loesung: 'Formular' }, { status: 'offen', loesung: null }));
    expect(decision).toEqual({
      outcome: 'conflict',
      write: { loesung: 'Formular' },
      konflikte: [{ key: 'status', base: 'offen', mine: 'online', theirs: 'in Planung' }],
    });
  });

  it('treats an empty string in base like the empty cell it stands for', () => {
    expect(mergeChange(sheet, '05315000', row(), change({ loesung: 'X' }, { loesung: '' }))).toMatchObject({ outcome: 'applied' });
  });

  it('falls back to the row version when the client sends no base for a cell', () => {
    expect(mergeChange(sheet, '05315000', row(), change({ loesung: 'X' }, {}, 4))).toMatchObject({ outcome: 'applied' });
    expect(mergeChange(sheet, '05315000', row(), change({ loesung: 'X' }, {}, 3))).toMatchObject({ outcome: 'conflict' });
  });

  const rejected: [string, StoredRow | undefined, string, Record<string, unknown>, RegExp][] = [
    ['an unknown row', undefined, '05315000', { status: 'online' }, /gibt es nicht/],
    ['a row of another scope', row(), '05158024', { status: 'online' }, /gehört nicht zum Bereich 05158024/],
    ['an unknown column', row(), '05315000', { farbe: 'rot' }, /Spalte „farbe“ gibt es/],
    ['a read-only column', row(), '05315000', { ozg_id: 1 }, /„OZG-ID“ ist schreibgeschützt/],
    ['a value outside the vocabulary, even with a valid cell beside it', row(), '05315000', { status: 'fertig', loesung: 'X' }, /nicht erlaubt/],
  ];
  it.each(rejected)('rejects %s and writes nothing', (_name, stored, scope, set, message) => {
    const decision = mergeChange(sheet, scope, stored, change(set));
    expect(decision.outcome).toBe('rejected');
    expect(decision).not.toHaveProperty('write');
    expect(decision.outcome === 'rejected' && decision.errors[0]!.message).toMatch(message);
  });

  it('rejects a row whose Reifegrad the Reifegradmodell it would be stored with does not have, whichever cell was sent', () => {
    const rated: MergeSheet = {
      ...sheet,
      columns: [
        ...sheet.columns,
        {
          key: 'reifegrad',
          label: 'Reifegrad',
          type: 'number',
          editable: true,
          range: [0, 7],
          rangeBy: { key: 'reifegrad_modell', ranges: { '1.1': [0, 4], '2.0': [0, 7] }, fallback: '2.0' },
        },
        { key: 'reifegrad_modell', label: 'Reifegradmodell', type: 'enum', editable: true, values: ['1.1', '2.0'] },
      ],
    };
    const stored = row({ reifegrad: 6, reifegrad_modell: '2.0' });
    const refused = { outcome: 'rejected', errors: [{ key: 'reifegrad', message: 'Reifegrad 6 gibt es im Reifegradmodell 1.1 nicht (erlaubt: 0 bis 4).' }] };
    expect(mergeChange(rated, '05315000', stored, change({ reifegrad_modell: '1.1' }, { reifegrad_modell: '2.0' }))).toEqual(refused);
    const older = row({ reifegrad: 2, reifegrad_modell: '1.1' });
    expect(mergeChange(rated, '05315000', older, change({ reifegrad: 5 }, { reifegrad: 2 }))).toMatchObject({
      outcome: 'rejected',
      errors: [{ key: 'reifegrad', message: 'Reifegrad 5 gibt es im Reifegradmodell 1.1 nicht (erlaubt: 0 bis 4).' }],
    });
    expect(mergeChange(rated, '05315000', older, change({ reifegrad: 4 }, { reifegrad: 2 }))).toMatchObject({ outcome: 'applied' });
  });

  const cell = fc.constantFrom(null, 'A', 'B', 'C');
  const editable = ['loesung', 'bemerkung'] as const;
  it('writes a cell only when the server still holds the base, reports every other difference, and never touches unsent cells', () => {
    fc.assert(
      fc.property(
        fc.record({ loesung: cell, bemerkung: cell }),
        fc.record({ loesung: cell, bemerkung: cell }),
        fc.subarray([...editable], { minLength: 1 }),
        fc.record({ loesung: cell, bemerkung: cell }),
        (server, base, keys, mine) => {
          const set = Object.fromEntries(keys.map((k) => [k, mine[k]]));
          const baseOfSet = Object.fromEntries(keys.map((k) => [k, base[k]]));
          const decision = mergeChange(sheet, '05315000', row(server), change(set, baseOfSet));
          const write = 'write' in decision ? decision.write : {};
          const konflikte = 'konflikte' in decision ? decision.konflikte : [];
          for (const key of editable) {
            const sent = keys.includes(key);
            const differs = sent && server[key] !== mine[key];
            expect(key in write).toBe(differs && server[key] === base[key]);
            expect(konflikte.some((c) => c.key === key)).toBe(differs && server[key] !== base[key]);
            if (key in write) expect(write[key]).toBe(mine[key]);
          }
          const expected = konflikte.length ? 'conflict' : Object.keys(write).length ? 'applied' : 'unchanged';
          expect(decision.outcome).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
