import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cellText, fromCell, numberFormat, readCell, sameCellValue, toCell, type Column, type ExcelValue } from '../../core/index.ts';
import { BAD_URLS, brokenWebAddress, GOOD_URLS, webAddress } from '../helpers/urls.ts';
import { COLUMN_TYPES, column, valueArb, vocabulary } from './arbitraries.ts';

const RUNS = { numRuns: 200 };
const STATUS = ['offen', 'in Planung', 'in Umsetzung', 'online'];
const AKTIVITAETEN = ['Digitalisierungslabor', 'Digitalisierungslabor (Kandidat)', 'DMR-Projekt', 'DMR-Projekte in OWL', 'DMR Soest', 'GSP'];

const columnOfType = (type: Column['type']) =>
  type === 'enum' || type === 'enum[]' ? vocabulary.map((values) => column(type, true, values)) : fc.constant(column(type));
const anyColumn = fc.constantFrom(...COLUMN_TYPES).chain(columnOfType);
const excelValue: fc.Arbitrary<ExcelValue> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('ja', 'Nein', 'WAHR', '01.05.2024', '2024-05-01', '=SUMME(A1:A3)', '; ;', 'gsp; dmr soest', '2,0'),
  fc.double(),
  fc.integer({ min: -10, max: 3_000_000 }),
  fc.boolean(),
);

describe('toCell and readCell', () => {
  it.each(COLUMN_TYPES)('give back every %s value Excel can hold (readCell ∘ toCell = id)', (type) => {
    fc.assert(
      fc.property(
        columnOfType(type).chain((c) => fc.tuple(fc.constant(c), valueArb(c, { wide: true }))),
        ([c, value]) => {
          expect(readCell(c, toCell(c, value))).toEqual({ ok: true, value });
        },
      ),
      RUNS,
    );
  });

  it('never throws, and what it reads survives being written back', () => {
    fc.assert(
      fc.property(anyColumn, excelValue, (c, cell) => {
        const parsed = fromCell(c, cell);
        if (parsed.ok) expect(fromCell(c, toCell(c, parsed.value))).toEqual(parsed);
        else expect(parsed.message).toMatch(/^„.*“ /s);
      }),
      RUNS,
    );
  });

  it('leaves text that looks like a formula alone, and asks for text format in textual columns', () => {
    fc.assert(
      fc.property(fc.constantFrom('=', '+', '-', '@'), fc.string(), fc.constantFrom<Column['type']>('text', 'url', 'enum', 'enum[]', 'boolean'), (lead, rest, type) => {
        const value = lead + rest;
        if (value.trim() !== '') expect(toCell(column('text'), value)).toBe(value);
        expect(numberFormat(column(type))).toBe('@');
      }),
      RUNS,
    );
    expect(fromCell(column('text'), '=SUMME(A1:A3)')).toEqual({ ok: true, value: '=SUMME(A1:A3)' });
    expect(fromCell(column('text'), '00123')).toEqual({ ok: true, value: '00123' });
  });

  it('reads an empty cell as null, and as the empty list in enum[] columns', () => {
    for (const type of COLUMN_TYPES) {
      expect(fromCell(column(type, true, STATUS), '')).toEqual({ ok: true, value: type === 'enum[]' ? [] : null });
      expect(fromCell(column(type, true, STATUS), '   ')).toEqual({ ok: true, value: type === 'enum[]' ? [] : null });
      expect(toCell(column(type, true, STATUS), null)).toBe('');
    }
    expect(toCell(column('enum[]', true, STATUS), [])).toBe('');
  });
});

describe('dates', () => {
  const datum = column('date');

  it('are written as Excel serials and read from serials, ISO and German text', () => {
    expect(toCell(datum, '2024-05-01')).toBe(45413);
    expect(fromCell(datum, 45413)).toEqual({ ok: true, value: '2024-05-01' });
    expect(fromCell(datum, 45413.75)).toEqual({ ok: true, value: '2024-05-01' });
    expect(fromCell(datum, '2024-05-01')).toEqual({ ok: true, value: '2024-05-01' });
    expect(fromCell(datum, '01.05.2024')).toEqual({ ok: true, value: '2024-05-01' });
    expect(fromCell(datum, ' 1.5.2024 ')).toEqual({ ok: true, value: '2024-05-01' });
    expect(readCell(datum, 61)).toEqual({ ok: true, value: '1900-03-01' });
  });

  it('refuse what is no day of the calendar', () => {
    expect(fromCell(datum, '31.02.2024')).toEqual({ ok: false, message: '„31.02.2024“ ist kein gültiges Datum.' });
    expect(fromCell(datum, '2023-02-29')).toEqual({ ok: false, message: '„2023-02-29“ ist kein gültiges Datum.' });
    expect(fromCell(datum, 'morgen')).toEqual({ ok: false, message: '„morgen“ ist kein gültiges Datum.' });
    // Excel's serial 60 is the 29 February 1900 that never was.
    expect(fromCell(datum, 60)).toMatchObject({ ok: false });
    expect(fromCell(datum, true)).toEqual({ ok: false, message: '„WAHR“ ist kein gültiges Datum.' });
  });

  it('outside what Excel can show as a date stay ISO text', () => {
    expect(toCell(datum, '1899-01-01')).toBe('1899-01-01');
    expect(readCell(datum, '1899-01-01')).toEqual({ ok: true, value: '1899-01-01' });
  });
});

describe('enum and enum[]', () => {
  const status = column('enum', true, STATUS);
  const aktivitaeten = column('enum[]', true, AKTIVITAETEN);

  it('name the allowed values when a value is not one of them', () => {
    expect(fromCell(status, 'fertig')).toEqual({
      ok: false,
      message: '„fertig“ ist kein erlaubter Wert. Erlaubt: offen, in Planung, in Umsetzung, online.',
    });
    expect(fromCell(aktivitaeten, 'GSP; Labor')).toMatchObject({ ok: false, message: expect.stringMatching(/^„Labor“ ist kein erlaubter Wert/) });
  });

  it('accept any case and surrounding blanks, and store the catalogue spelling', () => {
    expect(fromCell(status, ' In planung ')).toEqual({ ok: true, value: 'in Planung' });
    expect(fromCell(aktivitaeten, 'gsp;dmr soest;')).toEqual({ ok: true, value: ['GSP', 'DMR Soest'] });
  });

  it('match a number Excel made of a typed value to its entry', () => {
    expect(fromCell(column('enum', true, ['1.1', '2.0']), 2)).toEqual({ ok: true, value: '2.0' });
    expect(fromCell(column('enum', true, ['1.1', '2.0']), 1.1)).toEqual({ ok: true, value: '1.1' });
  });

  it('split lists by their entries, even where one entry starts like another or holds a semicolon', () => {
    expect(fromCell(aktivitaeten, 'DMR-Projekt; DMR-Projekte in OWL')).toEqual({ ok: true, value: ['DMR-Projekt', 'DMR-Projekte in OWL'] });
    const mitSemikolon = column('enum[]', true, ['A', 'B', 'A;B']);
    expect(fromCell(mitSemikolon, toCell(mitSemikolon, ['A;B', 'B']))).toEqual({ ok: true, value: ['A;B', 'B'] });
    expect(fromCell(mitSemikolon, toCell(mitSemikolon, ['A', 'B']))).toEqual({ ok: true, value: ['A', 'B'] });
  });

  it('refuse an entry listed twice, as the server does', () => {
    expect(fromCell(aktivitaeten, 'GSP; gsp')).toEqual({ ok: false, message: '„GSP“ steht doppelt in der Liste.' });
  });

  it('keep the order of a list', () => {
    expect(toCell(aktivitaeten, ['GSP', 'DMR Soest'])).toBe('GSP; DMR Soest');
    expect(sameCellValue(['GSP', 'DMR Soest'], ['DMR Soest', 'GSP'])).toBe(false);
  });
});

describe('other types', () => {
  it('show booleans as ja and nein and read the usual spellings', () => {
    const ja = column('boolean');
    expect(toCell(ja, true)).toBe('ja');
    expect(toCell(ja, false)).toBe('nein');
    for (const [cell, value] of [['Ja', true], ['NEIN', false], [true, true], ['falsch', false]] as const) {
      expect(fromCell(ja, cell)).toEqual({ ok: true, value });
    }
    expect(fromCell(ja, 'vielleicht')).toEqual({ ok: false, message: '„vielleicht“ ist weder ja noch nein.' });
  });

  it('read numbers from numbers and from text with a decimal comma', () => {
    const zahl = column('number');
    expect(fromCell(zahl, 3)).toEqual({ ok: true, value: 3 });
    expect(readCell(zahl, ' 2,5 ')).toEqual({ ok: true, value: 2.5 });
    expect(fromCell(zahl, 'drei')).toEqual({ ok: false, message: '„drei“ ist keine Zahl.' });
  });

  it('read text from whatever Excel made of it, blank text as null', () => {
    expect(fromCell(column('text'), 42)).toEqual({ ok: true, value: '42' });
    expect(fromCell(column('text'), ' Rathaus ')).toEqual({ ok: true, value: ' Rathaus ' });
  });

  it('check links like the server does, ignoring blanks around them', () => {
    expect(fromCell(column('url'), ' https://www.stadt-koeln.de/service ')).toEqual({ ok: true, value: 'https://www.stadt-koeln.de/service' });
    expect(fromCell(column('url'), 'www.koeln.de')).toEqual({
      ok: false,
      message: '„www.koeln.de“ ist keine gültige Internetadresse (http:// oder https://).',
    });
  });

  it('accept every web address the server accepts and refuse every one it refuses, with the server’s words', () => {
    for (const url of GOOD_URLS) expect(fromCell(column('url'), url)).toEqual({ ok: true, value: url });
    fc.assert(fc.property(webAddress, (url) => {
        expect(fromCell(column('url'), url)).toEqual({ ok: true, value: url });
      }), RUNS);
    const refuses = (url: string) => {
      expect({ url, parsed: fromCell(column('url'), url) }).toEqual({
        url,
        parsed: { ok: false, message: expect.stringMatching(/ist keine gültige Internetadresse \(http:\/\/ oder https:\/\/\)\.$|enthält das (Steuerz|Z)eichen U\+/) },
      });
    };
    for (const url of BAD_URLS) refuses(url);
    fc.assert(fc.property(brokenWebAddress, refuses), RUNS);
  });

  it('compare values as the server stores them', () => {
    expect(sameCellValue(null, [])).toBe(true);
    expect(sameCellValue(null, '  ')).toBe(true);
    expect(sameCellValue('a', 'a ')).toBe(false);
    expect(sameCellValue(0, false)).toBe(false);
    expect(sameCellValue(['a'], ['a'])).toBe(true);
  });
});

describe('cellText', () => {
  it('shows a cell as the sheet in Excel does: dates as TT.MM.JJJJ, lists with „; “, ja/nein, empty cells empty', () => {
    const date: Column = { key: 'd', label: 'D', type: 'date', editable: true };
    const list: Column = { key: 'l', label: 'L', type: 'enum[]', editable: true };
    const flag: Column = { key: 'b', label: 'B', type: 'boolean', editable: true };
    expect(cellText(date, '2026-07-01')).toBe('01.07.2026');
    expect(cellText(list, ['GSP', 'DMR-Projekt'])).toBe('GSP; DMR-Projekt');
    expect(cellText(flag, false)).toBe('nein');
    expect([cellText(date, null), cellText(list, []), cellText(flag, undefined)]).toEqual(['', '', '']);
  });
});
