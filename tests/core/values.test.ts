import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHEET_KINDS } from '../../server/sync/sheets.ts';
import { checkValue, type CheckableColumn } from '../../core/values.ts';
import { BAD_URLS, brokenWebAddress, GOOD_URLS, webAddress } from '../helpers/urls.ts';

const column = (type: CheckableColumn['type'], extra: Partial<CheckableColumn> = {}): CheckableColumn => ({
  key: 'k',
  label: 'Spalte',
  type,
  ...extra,
});
const status = column('enum', { label: 'Status', values: ['offen', 'in Planung', 'in Umsetzung', 'online'], required: true });

describe('checkValue', () => {
  const rejected: [string, CheckableColumn, unknown, RegExp][] = [
    ['a number where text is expected', column('text'), 5, /erwartet einen Text/],
    ['text over the length limit', column('text', { maxLength: 3 }), 'abcd', /höchstens 3 Zeichen/],
    ['text with a NUL character', column('text'), 'a\u0000b', /Steuerzeichen/],
    ['text where a number is expected', column('number'), '3', /erwartet eine Zahl/],
    ['a fraction where a whole number is expected', column('number'), 2.5, /ganze Zahl/],
    ['a number out of range', column('number', { range: [0, 7] }), 8, /zwischen 0 und 7/],
    ['a German date where ISO is expected', column('date'), '31.12.2024', /kein gültiges Datum/],
    ['an impossible date', column('date'), '2024-02-30', /kein gültiges Datum/],
    ['a date before the OZG', column('date'), '2016-12-31', /zwischen 2017 und 2099/],
    ['a value outside the vocabulary', status, 'fertig', /„fertig“ ist für „Status“ nicht erlaubt. Erlaubt: offen/],
    ['an empty required value', status, null, /darf nicht leer sein/],
    ['a URL without scheme', column('url'), 'www.koeln.de', /keine gültige Internetadresse/],
    ['a javascript: URL', column('url'), 'javascript:alert(1)', /keine gültige Internetadresse/],
    ['text where yes/no is expected', column('boolean'), 'ja', /ja oder nein/],
    ['a list entry outside the vocabulary', column('enum[]', { values: ['GSP'] }), ['GSP', 'X'], /„X“ ist für/],
    ['a list with a duplicate', column('enum[]', { values: ['GSP'] }), ['GSP', 'GSP'], /doppelt/],
    ['a string where a list is expected', column('enum[]', { values: ['GSP'] }), 'GSP', /Liste/],
  ];
  it.each(rejected)('rejects %s with a German message', (_name, col, value, message) => {
    const checked = checkValue(col, value);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.message).toMatch(message);
  });

  it('accepts every web address with http(s), a host with a dot and no space or control character, unchanged', () => {
    for (const url of GOOD_URLS) expect(checkValue(column('url'), url)).toEqual({ ok: true, value: url });
    fc.assert(fc.property(webAddress, (url) => {
        expect(checkValue(column('url'), url)).toEqual({ ok: true, value: url });
      }), { numRuns: 300 });
  });

  it('rejects every other address, and any with a space or control character inside, with a German message', () => {
    const rejects = (url: string) => {
      expect({ url, checked: checkValue(column('url'), url) }).toEqual({
        url,
        checked: { ok: false, message: expect.stringMatching(/keine gültige Internetadresse|enthält das (Steuerz|Z)eichen U\+/) },
      });
    };
    for (const url of BAD_URLS) rejects(url);
    fc.assert(fc.property(brokenWebAddress, rejects), { numRuns: 300 });
  });

  it('stores empty text as an empty cell and a missing list as an empty list', () => {
    expect(checkValue(column('text'), '   ')).toEqual({ ok: true, value: null });
    expect(checkValue(column('date'), '')).toEqual({ ok: true, value: null });
    expect(checkValue(column('enum[]', { values: [] }), null)).toEqual({ ok: true, value: [] });
  });

  it('keeps text that looks like a formula exactly as typed', () => {
    for (const text of ['=SUMME(A1:A3)', '+49 221 1234', '-', '@home']) {
      expect(checkValue(column('text'), text)).toEqual({ ok: true, value: text });
    }
  });

  it('accepts every valid value of every sheet column unchanged', () => {
    const columns = Object.values(SHEET_KINDS).flatMap((sheet) => sheet.columns.filter((c) => c.editable));
    const valid = (col: (typeof columns)[number]): fc.Arbitrary<unknown> => {
      const values = ['A', 'B', 'C d'];
      switch (col.type) {
        case 'text':
          return fc
            .string({ minLength: 1, maxLength: col.maxLength ?? 50, unit: 'grapheme' })
            .filter((s) => s.trim() !== '' && [...s].every((ch) => ch.codePointAt(0)! >= 0x20));
        case 'url':
          return webAddress;
        case 'number':
          return fc.integer({ min: col.range?.[0] ?? -1000, max: col.range?.[1] ?? 1000 });
        case 'boolean':
          return fc.boolean();
        case 'date':
          return fc
            .date({ min: new Date('2017-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10));
        case 'enum':
          return fc.constantFrom(...values);
        case 'enum[]':
          return fc.uniqueArray(fc.constantFrom(...values));
      }
    };
    for (const col of columns) {
      const withVocabulary = { ...col, values: ['A', 'B', 'C d'] };
      fc.assert(
        fc.property(valid(col), (value) => {
          expect(checkValue(withVocabulary, value)).toEqual({ ok: true, value });
        }),
        { numRuns: 100 },
      );
    }
  });
});
