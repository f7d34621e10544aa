import ExcelJS from 'exceljs';
import type { ExcelValue } from '../../core/types.ts';
import {
  FEHLER_FILL,
  KONFLIKT_FILL,
  READ_ONLY_FILL,
  dataSheetName,
  encodeBindingSheet,
  slotSheets,
  tableColumns,
  tableRowCells,
  validationLists,
  type Binding,
  type ValidationList,
} from '../../core/workbook.ts';
import type { Sql } from '../db/database.ts';
import { readReifegradmodelle, type Reifegradmodell } from '../review/reifegrade.ts';
import type { PullResponse } from '../../core/contract.ts';
import { expandPull } from '../../core/pull-rows.ts';
import { pullSheet } from '../sync/pull.ts';
import { printLandscape } from './print.ts';
import { shapeFor, type SheetKind } from '../sync/sheets.ts';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ANLEITUNG_SHEET = 'Anleitung';
const REIFEGRADE_SHEET = 'Reifegrade';
export const ERGEBNIS_SHEET = 'Ergebnis';
/** Excel's own "Gut" green. Applied cells get no note: the add-in would never remove it. */
const APPLIED_FILL = '#C6EFCE';

/** The add-in's colours (and, in result.ts, its note prefixes), so that it clears these marks as its own at its next sync. */
const FILLS = { applied: APPLIED_FILL, conflict: KONFLIKT_FILL, rejected: FEHLER_FILL } as const;

/** How the workbook returned by an import shows what became of a cell. */
export interface CellMark {
  outcome: keyof typeof FILLS;
  note?: string;
  /** What the cell shows instead of the server's value: the user's own entry, kept to be fixed. */
  value?: ExcelValue;
}

/** Marks by row id, then by column key. */
export type CellMarks = ReadonlyMap<string, ReadonlyMap<string, CellMark>>;

export interface ReportLine {
  zeile: number | null;
  leistung: string;
  spalte: string;
  /** The value the file sent, as the cell showed it: what a clerk looks for in their own file. */
  wert: string;
  ergebnis: 'übernommen' | 'Konflikt' | 'abgelehnt' | 'ungültig';
  meldung: string;
  /** In a file of several tables: the data sheet the line's row is on. */
  blatt?: string;
}

export interface SheetFile {
  pull: PullResponse;
  /** The binding as a full pull would store it; the builder decides where the table goes. */
  binding: Omit<Binding, 'dataSheet' | 'table'>;
  /** Names the data sheet, e.g. "Köln, Stadt". */
  scopeName: string;
  marks?: CellMarks;
  /** For the workbook an import returns: what became of the upload, listed on its own sheet. */
  report?: { summary: string[]; lines: ReportLine[] };
  /** For status sheets with a Reifegrad: the maturity models, explained on a sheet of their own. */
  reifegrade?: Reifegradmodell[];
}

/**
 * A full pull of the scope for a file, with the binding the add-in would store for it. Run it in
 * a repeatable-read transaction: rows and cursor must come from the same snapshot.
 */
export async function pullSheetFile(tx: Sql, sheet: SheetKind, scope: string, server: string): Promise<SheetFile> {
  const pull = expandPull(await pullSheet(tx, sheet, scope));
  const shape = shapeFor(sheet, scope);
  const [found] = await tx.query<{ name: string }>(shape.scopeQuery, [scope]);
  const scopeName = found?.name ?? scope;
  const hasReifegrad = pull.columns.some((column) => column.key === 'reifegrad');
  return {
    pull,
    scopeName,
    ...(hasReifegrad ? { reifegrade: await readReifegradmodelle(tx) } : {}),
    binding: {
      kind: sheet.kind,
      scope,
      server,
      cursor: pull.cursor,
      // A Kreis or an IT-Dienstleister is named as such, not as "Umsetzungsstand einer Kommune".
      title: `${shape.title}: ${scopeName}`,
      columns: pull.columns,
      syncedAt: new Date().toISOString(),
    },
  };
}

const argb = (hex: string) => `FF${hex.slice(1).toUpperCase()}`;
const solid = (hex: string): ExcelJS.Fill => ({ type: 'pattern', pattern: 'solid', fgColor: { argb: argb(hex) } });
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;

/** ExcelJS writes '' as an empty text, which other programs treat as content; a blank cell is null. */
const written = (value: ExcelValue): ExcelValue | null => (value === '' ? null : value);

function columnWidth(values: readonly unknown[]): number {
  const longest = Math.max(...values.map((value) => (value === null || value === undefined ? 0 : String(value).length)));
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, longest + 2));
}

/** The very hidden sheets carry text that must come back exactly as written. */
function addTextSheet(workbook: ExcelJS.Workbook, name: string, rows: readonly (readonly (string | number)[])[]) {
  const sheet = workbook.addWorksheet(name, { state: 'veryHidden' });
  rows.forEach((cells, index) => {
    const row = sheet.getRow(index + 1);
    cells.forEach((value, position) => {
      if (value === '') return;
      const cell = row.getCell(position + 1);
      cell.numFmt = '@';
      cell.value = value;
    });
  });
  return sheet;
}

/** Where a member without the add-in sends a file: one table to its kind's route, several to /api/import. */
export const importPathOf = (files: readonly Pick<SheetFile, 'binding'>[]) =>
  files.length === 1 ? `/api/sheets/${files[0]!.binding.kind}/import` : '/api/import';

function addAnleitung(workbook: ExcelJS.Workbook, files: readonly SheetFile[], dataSheets: readonly string[]) {
  const single = files.length === 1;
  const first = files[0]!.binding;
  const readOnlyRows = files.some((file) => file.pull.rows.some((row) => row.readOnly));
  const perTable = files.map((file, index) => {
    const { pull } = file;
    return {
      title: file.binding.title,
      sheet: dataSheets[index]!,
      editable: pull.columns.filter((c) => c.editable).map((c) => c.label),
      readOnly: pull.columns.filter((c) => !c.editable).map((c) => c.label),
      lists: pull.columns.filter((c) => c.type === 'enum[]').map((c) => c.label),
      dates: pull.columns.filter((c) => c.type === 'date').map((c) => c.label),
    };
  });
  const union = (pick: (table: (typeof perTable)[number]) => string[]) => [...new Set(perTable.flatMap(pick))];
  const dates = union((table) => table.dates);
  const lists = union((table) => table.lists);
  const importPath = `${first.server}${importPathOf(files)}`;
  const fetched = `Abgerufen am ${new Date(first.syncedAt ?? Date.now()).toLocaleString('de-DE', { timeZone: 'Europe/Berlin' })} von ${first.server}`;
  const lines: [string, string?][] = [
    ...(single
      ? ([[`OZG-Sync: ${first.title}`], [`${fetched}, Tabellenart ${first.kind}, Bereich ${first.scope}.`]] as [string][])
      : ([
          [`OZG-Sync: ${files.length} Tabellen`],
          [`${fetched}. Jede Tabelle steht auf einem eigenen Blatt:`],
          ...perTable.map((table, index) => [`„${table.sheet}“: ${table.title} (Tabellenart ${files[index]!.binding.kind}, Bereich ${files[index]!.binding.scope})`]),
        ] as [string][])),
    [''],
    ['Was Sie ändern können', 'h'],
    ...perTable.map((table) => [`Auf dem Blatt „${table.sheet}“ die Spalten mit weißem Hintergrund: ${table.editable.join(', ')}.`] as [string]),
    ['Spalten mit Auswahlliste: bitte einen Wert aus der Liste wählen. Leere Zellen sind erlaubt, wo der Katalog keinen Wert verlangt.'],
    ...(dates.length ? [[`Datumsangaben (${dates.join(', ')}) als TT.MM.JJJJ.`] as [string]] : []),
    ...(lists.length ? [[`Mehrere Einträge (${lists.join(', ')}) durch Semikolon trennen, z. B. „GSP; Digitalisierungslabor“.`] as [string]] : []),
    ['Sortieren, Filtern und eigene Spalten rechts neben der Tabelle sind erlaubt; eigene Spalten werden nicht übernommen.'],
    [''],
    ['Was Sie nicht ändern sollten', 'h'],
    [`Die grauen Spalten (${union((table) => table.readOnly).join(', ')}) pflegt der Katalog; Änderungen dort werden nicht übernommen.`],
    ...(readOnlyRows
      ? [['Die grauen Zeilen gehören Kommunen, deren Umsetzungsstand Sie nur ansehen dürfen; Änderungen dort werden beim Zurücksenden abgelehnt.'] as [string]]
      : []),
    ['Keine Zeilen hinzufügen oder löschen: neue Zeilen werden nicht angelegt, gelöschte nicht entfernt; beides wird beim Zurücksenden nur gemeldet.'],
    ['Die ausgeblendeten Spalten „id“ und „version“, die Spaltenüberschriften und die ausgeblendeten Blätter nicht verändern: über sie ordnet OZG-Sync die Zeilen zu.'],
    ['Formeln werden nicht berechnet: was mit =, +, - oder @ beginnt, wird als Text gespeichert.'],
    [''],
    ['So senden Sie die Datei zurück', 'h'],
    ['Die Datei speichern (Format .xlsx) und im Browser hochladen:', 'i'],
    single
      ? [`${first.server}/ öffnen, anmelden, unter „Meine Tabellen“ die Tabelle „${first.title}“ öffnen und „Hochladen“ wählen (oder die Datei dorthin ziehen).`]
      : [`${first.server}/ öffnen, anmelden und unter „Meine Tabellen“ „Hochladen“ wählen (oder die Datei dorthin ziehen).`],
    ['Dort sehen Sie sofort, was übernommen wurde, und laden mit „Ergebnis herunterladen“ die markierte Datei herunter.'],
    ['Für Skripte geht es auch mit dem Befehl', 'i'],
    [`npm run sheet -- import ${single ? `${first.kind}-${first.scope}` : `ozg-sync-${files.length}-tabellen`}.xlsx --out ergebnis.xlsx`, 'c'],
    [`oder direkt an ${importPath} (POST, die Datei als Inhalt).`],
    ...(single
      ? []
      : ([['Jede Tabelle wird für sich übernommen: darf eine nicht geändert werden, wird nur sie abgelehnt; die anderen werden trotzdem übernommen.']] as [string][])),
    ['Übernommen werden nur die Zellen, die Sie geändert haben, jede für sich: Änderungen anderer an anderen Zellen bleiben erhalten.'],
    ['Hat jemand dieselbe Zelle inzwischen anders geändert, entsteht ein Konflikt (orange): dort steht danach der Wert des Servers, Ihrer in der Notiz.'],
    ['Abgelehnte Zellen (rot) tragen eine Notiz mit dem Grund; übernommene Zellen sind grün. Korrigieren Sie die markierten Zellen und senden Sie die zurückgegebene Datei erneut.'],
    ['Dieselbe Datei zweimal zu senden schadet nicht: sie wird nur einmal übernommen.'],
  ];
  const sheet = workbook.addWorksheet(ANLEITUNG_SHEET);
  sheet.getColumn(1).width = 110;
  for (const [text, style] of lines) {
    const cell = sheet.addRow([text]).getCell(1);
    cell.numFmt = '@';
    cell.alignment = { wrapText: true, vertical: 'top' };
    if (style === 'h') cell.font = { bold: true, size: 12 };
    if (style === 'c') cell.font = { name: 'Consolas' };
  }
  sheet.getCell('A1').font = { bold: true, size: 14 };
  printLandscape(sheet, null);
}

function addReifegrade(workbook: ExcelJS.Workbook, modelle: Reifegradmodell[]) {
  const sheet = workbook.addWorksheet(REIFEGRADE_SHEET);
  sheet.addRow(['Reifegradmodell', 'Stufe', 'Bezeichnung', 'Erklärung', 'OZG-konform']).font = { bold: true };
  for (const modell of modelle) {
    for (const stufe of modell.stufen) {
      sheet.addRow([modell.modell, stufe.stufe, stufe.name ?? '', stufe.erklaerung, stufe.stufe >= modell.ozgKonformAb ? 'ja' : 'nein']).getCell(1).numFmt = '@';
    }
  }
  sheet.addRow([]);
  for (const modell of modelle) {
    sheet.addRow([`${modell.bezeichnung} (seit ${modell.gueltigAb.split('-').reverse().join('.')}): ${modell.erlaeuterung} Quelle: ${modell.quelle}`]);
  }
  [16, 8, 22, 90, 13].forEach((width, index) => (sheet.getColumn(index + 1).width = width));
  sheet.getColumn(4).alignment = { wrapText: true, vertical: 'top' };
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  printLandscape(sheet, 1);
}

function addErgebnis(workbook: ExcelJS.Workbook, report: NonNullable<SheetFile['report']>) {
  const sheet = workbook.addWorksheet(ERGEBNIS_SHEET);
  for (const line of report.summary) sheet.addRow([line]);
  sheet.addRow([]);
  // Only a file of several tables needs to say which sheet a line's row is on.
  const blatt = report.lines.some((line) => line.blatt !== undefined);
  const header = sheet.addRow([...(blatt ? ['Blatt'] : []), 'Zeile', 'Leistung', 'Spalte', 'Ergebnis', 'Meldung']);
  header.font = { bold: true };
  printLandscape(sheet, header.number);
  for (const line of report.lines) {
    const row = sheet.addRow([...(blatt ? [line.blatt ?? ''] : []), line.zeile, line.leistung, line.spalte, line.ergebnis, line.meldung]);
    row.eachCell((cell) => (cell.numFmt = '@'));
    if (line.zeile !== null) row.getCell(blatt ? 2 : 1).numFmt = '0';
  }
  [...(blatt ? [24] : []), 8, 40, 22, 14, 100].forEach((width, index) => (sheet.getColumn(index + 1).width = width));
  sheet.getColumn(blatt ? 6 : 5).alignment = { wrapText: true, vertical: 'top' };
}

/**
 * The workbook the add-in would write for a full pull, built with ExcelJS from the same format
 * definition (workbook.ts): the table, the lists for the drop-downs and the very hidden binding
 * with its base snapshot, plus an instruction sheet for people without the add-in.
 */
export async function buildWorkbook(file: SheetFile): Promise<{ bytes: Uint8Array; binding: Binding }> {
  const { bytes, bindings } = await buildWorkbooks([file]);
  return { bytes, binding: bindings[0]! };
}

/**
 * Several tables in one workbook, each in its own slot (table n in slot n: its data sheet, table
 * OZG_Sync_n, lists sheet and binding sheet OZG-Sync n), as the add-in lays out a workbook it
 * fetched them into one after the other, so that it opens such a file as its own. `report` and
 * the Reifegrade sheet are taken from the first file that has them.
 */
export async function buildWorkbooks(files: readonly SheetFile[]): Promise<{ bytes: Uint8Array; bindings: Binding[] }> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'OZG-Sync';
  workbook.created = new Date();
  const report = files.find((file) => file.report)?.report;
  const reifegrade = files.find((file) => file.reifegrade)?.reifegrade;

  const taken = [ANLEITUNG_SHEET, ...(report ? [ERGEBNIS_SHEET] : []), ...(reifegrade ? [REIFEGRADE_SHEET] : [])];
  const placed = files.map((file, index) => {
    const slot = slotSheets(index + 1);
    const dataSheet = dataSheetName(file.scopeName, taken);
    taken.push(dataSheet);
    const binding: Binding = { ...file.binding, dataSheet, table: slot.table };
    return { file, slot, binding, lists: validationLists(file.pull.columns, slot.lists) };
  });
  for (const { file, binding, lists } of placed) addDataSheet(workbook, file, binding, lists);

  if (report) addErgebnis(workbook, report);
  addAnleitung(workbook, files, placed.map(({ binding }) => binding.dataSheet));
  if (reifegrade) addReifegrade(workbook, reifegrade);
  for (const { file, slot, binding, lists } of placed) {
    if (lists.length > 0) {
      const height = Math.max(...lists.map((list) => list.values.length));
      addTextSheet(
        workbook,
        slot.lists,
        Array.from({ length: height }, (_, r) => lists.map((list) => list.values[r] ?? '')),
      );
    }
    addTextSheet(workbook, slot.binding, encodeBindingSheet(binding, new Map(file.pull.rows.map((row) => [row.id, row]))));
  }
  workbook.views = [{ activeTab: 0, firstSheet: 0, visibility: 'visible', x: 0, y: 0, width: 20000, height: 12000 }];

  const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
  return { bytes, bindings: placed.map(({ binding }) => binding) };
}

function addDataSheet(workbook: ExcelJS.Workbook, file: SheetFile, binding: Binding, lists: ValidationList[]) {
  const { pull, marks } = file;
  const columns = tableColumns(pull.columns);
  const sources = new Map(lists.map((list) => [list.key, list.source.slice(1)]));

  const sheet = workbook.addWorksheet(binding.dataSheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  const rows = pull.rows.map((row) => tableRowCells(pull.columns, row).map(written));
  columns.forEach((column, index) => {
    const sheetColumn = sheet.getColumn(index + 1);
    // Set on the column before any cell exists, so that every cell, also below the table, is text where it must be.
    sheetColumn.numFmt = column.numberFormat;
    sheetColumn.protection = { locked: !column.server?.editable };
    sheetColumn.hidden = column.server === null;
    sheetColumn.width = columnWidth([column.label, ...rows.map((cells) => (column.server?.type === 'date' ? '00.00.0000' : cells[index]))]);
  });

  sheet.addTable({
    name: binding.table,
    ref: 'A1',
    headerRow: true,
    style: { theme: 'TableStyleLight9', showRowStripes: false },
    columns: columns.map((column) => ({ name: column.label, filterButton: true })),
    // Excel gives a table at least one body row.
    rows: rows.length > 0 ? rows : [columns.map(() => null)],
  });

  printLandscape(sheet, 1);

  const bodyRows = Math.max(rows.length, 1);
  columns.forEach((column, index) => {
    const header = sheet.getCell(1, index + 1);
    if (column.server && !column.server.editable) header.note = 'Schreibgeschützt: diese Spalte pflegt der Katalog.';
    const source = column.server && sources.get(column.server.key);
    for (let r = 0; r < bodyRows; r++) {
      const cell = sheet.getCell(r + 2, index + 1);
      // A row of another Kommune in a sheet across Kommunen: grey and locked like a catalogue column.
      const readOnlyRow = pull.rows[r]?.readOnly === true;
      if ((column.server && !column.server.editable) || readOnlyRow) cell.fill = solid(READ_ONLY_FILL);
      if (readOnlyRow) cell.protection = { locked: true };
      if (source) {
        // A warning, not a stop: the server checks every value anyway, as in the add-in.
        cell.dataValidation = {
          type: 'list',
          allowBlank: true,
          formulae: [source],
          showErrorMessage: true,
          errorStyle: 'warning',
          errorTitle: 'OZG-Sync',
          error: 'Dieser Wert steht nicht in der Liste der erlaubten Werte.',
        };
      }
    }
  });

  if (marks) {
    pull.rows.forEach((row, r) => {
      const rowMarks = marks.get(row.id);
      if (!rowMarks) return;
      columns.forEach((column, index) => {
        const mark = column.server && rowMarks.get(column.server.key);
        if (!mark) return;
        const cell = sheet.getCell(r + 2, index + 1);
        if (mark.value !== undefined) cell.value = written(mark.value);
        cell.fill = solid(FILLS[mark.outcome]);
        if (mark.note) cell.note = mark.note;
      });
    });
  }
}
