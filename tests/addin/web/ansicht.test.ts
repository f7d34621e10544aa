import { describe, expect, it } from 'vitest';
import type { Column, SheetRow } from '../../../core/index.ts';
import { einarbeiten, gefiltert, sortiert } from '../../../addin/src/web/ansicht.ts';

const STATUS: Column = { key: 'status', label: 'Status', type: 'enum', editable: true, values: ['offen', 'in Planung', 'in Umsetzung', 'online'] };
const ZIEL: Column = { key: 'zieltermin', label: 'Zieltermin', type: 'date', editable: true };
const REIFEGRAD: Column = { key: 'reifegrad', label: 'Reifegrad', type: 'number', editable: true };
const LEISTUNG: Column = { key: 'leistung', label: 'Leistung', type: 'text', editable: false };
const AKTIVITAET: Column = { key: 'aktivitaet', label: 'Aktivität', type: 'enum[]', editable: true, values: ['GSP', 'DMR-Projekt'] };
const COLUMNS = [LEISTUNG, STATUS, REIFEGRAD, ZIEL, AKTIVITAET];

const row = (id: string, values: SheetRow['values'], version = 1): SheetRow => ({ id, version, values });
const ROWS = [
  row('a', { leistung: 'Wohngeld', status: 'online', reifegrad: 10, zieltermin: '2026-07-01', aktivitaet: ['GSP'] }),
  row('b', { leistung: 'Änderung der Meldeadresse', status: null, reifegrad: 2, zieltermin: null, aktivitaet: [] }),
  row('c', { leistung: 'Baugenehmigung', status: 'offen', reifegrad: null, zieltermin: '2025-12-31', aktivitaet: ['DMR-Projekt', 'GSP'] }),
  row('d', { leistung: 'Zulassung', status: 'in Planung', reifegrad: 3, zieltermin: '2027-01-15', aktivitaet: null }),
];
const ids = (rows: SheetRow[]) => rows.map((r) => r.id);

describe('Ansehen: sorting a sheet', () => {
  it('sorts numbers by their worth, not as text (2 before 10)', () => {
    expect(ids(sortiert(ROWS, REIFEGRAD, 'ascending'))).toEqual(['b', 'd', 'a', 'c']);
    expect(ids(sortiert(ROWS, REIFEGRAD, 'descending'))).toEqual(['a', 'd', 'b', 'c']);
  });

  it('sorts dates in time, and puts empty cells last in both directions as Excel does', () => {
    expect(ids(sortiert(ROWS, ZIEL, 'ascending'))).toEqual(['c', 'a', 'd', 'b']);
    expect(ids(sortiert(ROWS, ZIEL, 'descending'))).toEqual(['d', 'a', 'c', 'b']);
  });

  it('sorts a Status in the order of its vocabulary, from offen to online', () => {
    expect(ids(sortiert(ROWS, STATUS, 'ascending'))).toEqual(['c', 'd', 'a', 'b']);
  });

  it('sorts text the German way: Ä with A, not after Z', () => {
    expect(ids(sortiert(ROWS, LEISTUNG, 'ascending'))).toEqual(['b', 'c', 'a', 'd']);
  });

  it('keeps the server’s order without a sort column', () => {
    expect(ids(sortiert(ROWS, undefined, 'ascending'))).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('Ansehen: filtering a sheet', () => {
  it('finds text in any column as it is shown, case and umlauts ignored', () => {
    expect(ids(gefiltert(ROWS, COLUMNS, 'aenderung'))).toEqual(['b']);
    expect(ids(gefiltert(ROWS, COLUMNS, '01.07.2026'))).toEqual(['a']);
    expect(ids(gefiltert(ROWS, COLUMNS, 'dmr-projekt; gsp'))).toEqual(['c']);
  });

  it('looks only into the chosen column when one is chosen', () => {
    expect(ids(gefiltert(ROWS, COLUMNS, 'online'))).toEqual(['a']);
    expect(ids(gefiltert(ROWS, COLUMNS, '2', 'reifegrad'))).toEqual(['b']);
    expect(ids(gefiltert(ROWS, COLUMNS, 'gsp', 'leistung'))).toEqual([]);
  });

  it('shows every row for an empty filter', () => {
    expect(ids(gefiltert(ROWS, COLUMNS, '  '))).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('Ansehen: working in a delta pull', () => {
  it('replaces rows with newer versions in place, adds new ones at the end, drops those that left, and counts them', () => {
    const { rows, geaendert, anzahl } = einarbeiten(ROWS, {
      rows: [row('b', { leistung: 'Änderung der Meldeadresse', status: 'online' }, 2), row('e', { leistung: 'Neu' }, 1)],
      deleted: ['c'],
    });
    expect(ids(rows)).toEqual(['a', 'b', 'd', 'e']);
    expect(rows[1]!.values.status).toBe('online');
    expect(geaendert).toEqual(['b', 'e']);
    expect(anzahl).toBe(3);
  });

  it('counts nothing for a row the view already has in that version (the own push, a repeated notice)', () => {
    const { rows, anzahl } = einarbeiten(ROWS, { rows: [row('a', { leistung: 'alt' }, 1)], deleted: [] });
    expect(anzahl).toBe(0);
    expect(rows[0]!.values.leistung).toBe('Wohngeld');
  });
});
