import { describe, expect, it } from 'vitest';
import { mitgliedschaftSatz, prozent, revertOutcomeText, revertSummary, shownLogValue, zuordnungSatz } from '../../../addin/src/ui/format.ts';

const counts = (values: Partial<Record<'applied' | 'unchanged' | 'conflict' | 'rejected', number>>) => ({
  entries: [],
  counts: { applied: 0, unchanged: 0, conflict: 0, rejected: 0, ...values },
});

describe('what the Prüfen tab says', () => {
  it('sums up a revert: reset cells, Konflikte where the newer value stays, rejections', () => {
    expect(revertSummary(counts({ applied: 1 }))).toBe('1 Zelle zurückgesetzt.');
    expect(revertSummary(counts({ applied: 2, conflict: 1, rejected: 3 }))).toBe(
      '2 Zellen zurückgesetzt, 1 Konflikt: inzwischen erneut geändert, der neuere Wert bleibt, 3 Zellen abgelehnt.',
    );
    expect(revertSummary(counts({ unchanged: 2, conflict: 2 }))).toBe(
      '2 Zellen hatten den alten Wert schon, 2 Konflikte: inzwischen erneut geändert, der neuere Wert bleibt.',
    );
    expect(revertSummary(counts({}))).toBe('Nichts zurückzusetzen.');
  });

  it('tells per cell what a revert did, with the value that stays in a Konflikt', () => {
    expect(revertOutcomeText({ id: 1, outcome: 'applied' })).toBe('zurückgesetzt');
    expect(revertOutcomeText({ id: 1, outcome: 'conflict', theirs: ['ekom21', 'KDN'], message: '„Anbieter“ wurde inzwischen geändert; der neuere Wert bleibt.' })).toBe(
      'Konflikt: „Anbieter“ wurde inzwischen geändert; der neuere Wert bleibt. Jetzt: ekom21; KDN',
    );
    expect(revertOutcomeText({ id: 1, outcome: 'rejected', message: 'Mitgliedschaften werden nicht zurückgesetzt.' })).toBe(
      'abgelehnt: Mitgliedschaften werden nicht zurückgesetzt.',
    );
  });

  it('shows logged values readably, a membership by its role and area', () => {
    expect(shownLogValue(null)).toBe('(leer)');
    expect(shownLogValue(true)).toBe('ja');
    expect(shownLogValue(3)).toBe('3');
    expect(shownLogValue({ id: 'x', email: 'ozg@koeln.example', rolle: 'kommune', ags: '05315000', themenfeld_id: null })).toBe('kommune, AGS 05315000');
    expect(shownLogValue({ rolle: 'koordination', ags: null, themenfeld_id: 9 })).toBe('koordination, Themenfeld 9');
    expect(shownLogValue({ rolle: 'dienstleister', ags: null, themenfeld_id: null, dienstleister_id: 1 })).toBe('dienstleister, IT-Dienstleister 1');
  });

  it('tells a membership change as a German sentence, with the Kommune’s, Themenfeld’s and IT-Dienstleister’s names where known', () => {
    const namen = {
      kommune: (ags: string) => (ags === '05315000' ? 'Köln, Stadt' : undefined),
      themenfeld: (id: number) => (id === 9 ? 'Gesundheit' : undefined),
      dienstleister: (id: number) => (id === 1 ? 'Kreis Mettmann' : undefined),
    };
    const koeln = { id: 'x', email: 'neu@koeln.example', rolle: 'kommune', ags: '05315000', themenfeld_id: null };
    expect(mitgliedschaftSatz(null, koeln, namen)).toBe('Rolle Kommune für Köln, Stadt hinzugefügt');
    expect(mitgliedschaftSatz(koeln, null, namen)).toBe('Rolle Kommune für Köln, Stadt entfernt');
    expect(mitgliedschaftSatz({ rolle: 'koordination', ags: null, themenfeld_id: 9 }, { rolle: 'koordination', ags: null, themenfeld_id: 4 }, namen)).toBe(
      'Rolle Koordination für Themenfeld Gesundheit geändert in Rolle Koordination für Themenfeld 4',
    );
    expect(mitgliedschaftSatz(null, { rolle: 'kommune', ags: '05999999', themenfeld_id: null }, namen)).toBe('Rolle Kommune für AGS 05999999 hinzugefügt');
    expect(mitgliedschaftSatz(null, { rolle: 'admin', ags: null, themenfeld_id: null }, namen)).toBe('Rolle Admin hinzugefügt');
    const mettmann = { id: 'y', email: 'neu@kreis-mettmann.example', rolle: 'dienstleister', ags: null, themenfeld_id: null, dienstleister_id: 1 };
    expect(mitgliedschaftSatz(null, mettmann, namen)).toBe('Rolle IT-Dienstleister für Kreis Mettmann hinzugefügt');
    expect(mitgliedschaftSatz(mettmann, null, namen)).toBe('Rolle IT-Dienstleister für Kreis Mettmann entfernt');
    expect(mitgliedschaftSatz(null, { ...mettmann, dienstleister_id: 7 }, namen)).toBe('Rolle IT-Dienstleister für Nr. 7 hinzugefügt');
    expect(mitgliedschaftSatz('offen', 'online', namen)).toBeNull();
  });

  it('says an assignment of a Kommune to an IT-Dienstleister as a sentence, and nothing for a membership or a cell', () => {
    const namen = {
      kommune: (ags: string) => (ags === '05158028' ? 'Ratingen, Stadt' : undefined),
      themenfeld: () => undefined,
      dienstleister: (id: number) => (id === 1 ? 'Kreis Mettmann' : undefined),
    };
    const ratingen = { id: 'z', ags: '05158028', dienstleister_id: 1, version: 1 };
    expect(zuordnungSatz(null, ratingen, namen)).toBe('Ratingen, Stadt dem IT-Dienstleister Kreis Mettmann zugeordnet');
    expect(zuordnungSatz(ratingen, null, namen)).toBe('Ratingen, Stadt nicht mehr dem IT-Dienstleister Kreis Mettmann zugeordnet');
    expect(zuordnungSatz(ratingen, { ...ratingen, dienstleister_id: 7 }, namen)).toBe('Ratingen, Stadt vom IT-Dienstleister Kreis Mettmann zum IT-Dienstleister Nr. 7 gewechselt');
    expect(zuordnungSatz(null, { ...ratingen, ags: '05999999' }, namen)).toBe('AGS 05999999 dem IT-Dienstleister Kreis Mettmann zugeordnet');
    expect(zuordnungSatz(null, { rolle: 'dienstleister', ags: null, themenfeld_id: null, dienstleister_id: 1 }, namen)).toBeNull();
    expect(zuordnungSatz('offen', 'online', namen)).toBeNull();
  });

  it('writes shares as German percentages', () => {
    expect(prozent(0.5)).toBe('50\u00a0%');
    expect(prozent(0.0048)).toBe('0,5\u00a0%');
  });
});
