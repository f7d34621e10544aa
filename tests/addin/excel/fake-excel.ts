/**
 * A small Excel workbook behind the Office.js object model, for testing addin/src/excel without Excel.
 *
 * Every API object is an office-addin-mock OfficeMockObject, so loading follows its rules: a
 * property reads as unavailable until it is loaded and context.sync() has run (this fake turns
 * that into the PropertyNotLoaded error Office.js throws). What the mock cannot do by itself is
 * model a workbook, so a Proxy around each mock queues every property set and method call as an
 * operation, and sync() runs the queue in order against the workbook below, as Excel does with a
 * batch. Each sync is recorded: its operations and the bytes of the values it carried, so tests
 * can count syncs and measure payloads. Excel's behaviour the add-in depends on is modelled where
 * it matters: a value written into a cell not formatted as text is parsed (formulas, numbers,
 * dates), a very hidden sheet cannot be deleted, a filtered table refuses row deletion, new
 * table rows take no formats of their own, requests and responses over 5 MB are refused, and a
 * chart lives on its sheet and goes with it. Every member knows its requirement set
 * (REQUIREMENT_SETS): the host refuses what is above its own set, and a call above the
 * manifest's minimum that the add-in did not gate with isSetSupported fails the test.
 */
import { readFileSync } from 'node:fs';
import { OfficeMockObject } from 'office-addin-mock';

export type Value = string | number | boolean;

/** Excel on the web refuses a request or a response over 5 MB. */
export const PAYLOAD_LIMIT = 5 * 1024 * 1024;
/** What an operation adds to a request beyond its values, roughly: the action and its object path. */
const ACTION_BYTES = 100;
const SHEET_ROWS = 1_048_576;
const NOT_AVAILABLE = ['Error, property was not loaded', 'Error, context.sync() was not called'];

export class OfficeError extends Error {
  constructor(
    readonly code: string,
    message: string = code,
  ) {
    super(message);
    this.name = 'RichApi.Error';
  }
}

/**
 * The requirement set of every Office.js member the fake models, as Microsoft's reference
 * annotates it ("[API set: ExcelApi 1.x]", https://learn.microsoft.com/javascript/api/excel,
 * mirrored member by member in @types/office-js, which requirements.test.ts checks this table
 * against). isNullObject comes with the *OrNullObject accessors of ExcelApi 1.4; a collection's
 * items with its collection.
 */
export const REQUIREMENT_SETS: Readonly<Record<string, string>> = {
  'Workbook.worksheets': '1.1',
  'Workbook.tables': '1.1',
  'Workbook.application': '1.1',
  'Application.suspendApiCalculationUntilNextSync': '1.6',
  'WorksheetCollection.getItem': '1.1',
  'WorksheetCollection.getItemOrNullObject': '1.4',
  'WorksheetCollection.add': '1.1',
  'WorksheetCollection.items': '1.1',
  'Worksheet.isNullObject': '1.4',
  'Worksheet.name': '1.1',
  'Worksheet.position': '1.1',
  'Worksheet.visibility': '1.1',
  'Worksheet.getRangeByIndexes': '1.7',
  'Worksheet.getUsedRangeOrNullObject': '1.4',
  'Worksheet.delete': '1.1',
  'Worksheet.activate': '1.1',
  'Worksheet.tables': '1.1',
  'Worksheet.charts': '1.1',
  'Worksheet.freezePanes': '1.7',
  'Worksheet.notes': '1.18',
  'Worksheet.comments': '1.10',
  'WorksheetFreezePanes.freezeRows': '1.7',
  'TableCollection.getItem': '1.1',
  'TableCollection.getItemOrNullObject': '1.4',
  'TableCollection.add': '1.1',
  'Table.isNullObject': '1.4',
  'Table.name': '1.1',
  'Table.getHeaderRowRange': '1.1',
  'Table.getDataBodyRange': '1.1',
  'Table.clearFilters': '1.2',
  'Table.worksheet': '1.2',
  'Table.rows': '1.1',
  'TableRowCollection.add': '1.1',
  'TableRowCollection.getItemAt': '1.1',
  'TableRow.delete': '1.1',
  'Range.isNullObject': '1.4',
  'Range.values': '1.1',
  'Range.numberFormat': '1.1',
  'Range.rowIndex': '1.1',
  'Range.columnIndex': '1.1',
  'Range.rowCount': '1.1',
  'Range.columnCount': '1.1',
  'Range.columnHidden': '1.2',
  'Range.format': '1.1',
  'Range.dataValidation': '1.8',
  'Range.getEntireColumn': '1.1',
  'Range.getColumn': '1.1',
  'Range.select': '1.1',
  'RangeFormat.fill': '1.1',
  'RangeFormat.font': '1.1',
  'RangeFormat.protection': '1.2',
  'RangeFormat.autofitColumns': '1.2',
  'RangeFill.color': '1.1',
  'RangeFill.clear': '1.1',
  'RangeFont.strikethrough': '1.9',
  'RangeFont.bold': '1.1',
  'RangeFont.size': '1.1',
  'RangeFont.color': '1.1',
  'FormatProtection.locked': '1.2',
  'DataValidation.rule': '1.8',
  'DataValidation.errorAlert': '1.8',
  'NoteCollection.add': '1.18',
  'NoteCollection.items': '1.18',
  'CommentCollection.add': '1.10',
  'CommentCollection.items': '1.10',
  'Note.content': '1.18',
  'Note.delete': '1.18',
  'Note.getLocation': '1.18',
  'Comment.content': '1.10',
  'Comment.delete': '1.10',
  'Comment.getLocation': '1.10',
  'ChartCollection.add': '1.1',
  'Chart.name': '1.1',
  'Chart.width': '1.1',
  'Chart.height': '1.1',
  'Chart.title': '1.1',
  'Chart.legend': '1.1',
  'Chart.axes': '1.1',
  'Chart.dataLabels': '1.1',
  'Chart.series': '1.1',
  'Chart.setPosition': '1.1',
  'ChartTitle.text': '1.1',
  'ChartLegend.visible': '1.1',
  'ChartAxes.categoryAxis': '1.1',
  'ChartAxes.valueAxis': '1.1',
  'ChartAxis.reversePlotOrder': '1.7',
  'ChartAxis.position': '1.8',
  'ChartAxis.minimum': '1.1',
  'ChartAxis.maximum': '1.1',
  'ChartAxis.numberFormat': '1.8',
  'ChartDataLabels.showValue': '1.1',
  'ChartDataLabels.numberFormat': '1.8',
  'ChartSeriesCollection.getItemAt': '1.1',
  'ChartSeries.setXAxisValues': '1.7',
};

/**
 * Excel.ChartType as Microsoft's reference lists it, with each type's requirement set: charts.add
 * refuses any other name, and "Invalid", which the enum has only to report charts it cannot name.
 */
export const CHART_TYPES: ReadonlyMap<string, string> = (() => {
  const reference = readFileSync(new URL('../../../node_modules/@types/office-js/index.d.ts', import.meta.url), 'utf8');
  const start = reference.indexOf('\n    enum ChartType {', reference.indexOf('declare namespace Excel {'));
  const body = reference.slice(start, reference.indexOf('\n    }\n', start));
  return new Map([...body.matchAll(/\[Api set: ExcelApi ([\d.]+)\]\s*\*\/\s*\w+ = "([^"]+)"/g)].map((m) => [m[2]!, m[1]!]));
})();

/** The set the manifest promises (<Requirements>): the lowest host the add-in must work on. */
export const MINIMUM_API = /<Set Name="ExcelApi" MinVersion="([\d.]+)"\/>/.exec(readFileSync(new URL('../../../manifest.xml', import.meta.url), 'utf8'))![1]!;
/** The newest numbered set Microsoft ships (ExcelApi 1.20, Excel on the web and Microsoft 365 2509). */
export const NEWEST_API = '1.20';

/** A member above the manifest's minimum called without asking isSetSupported first: a bug of the add-in, not of the host. */
export class UngatedCall extends Error {
  constructor(
    readonly member: string,
    readonly set: string,
  ) {
    super(`${member} needs ExcelApi ${set}, above the manifest's ExcelApi ${MINIMUM_API}, and was called without Office.context.requirements.isSetSupported('ExcelApi', '${set}')`);
    this.name = 'UngatedCall';
  }
}

function memberOf(spec: { kind: string; nested?: Record<string, string> }, path: string[], property: string): string {
  const owner = path.length === 0 ? spec.kind : spec.nested?.[path.join('.')];
  if (!owner) throw new Error(`fake: no class recorded for ${spec.kind}.${path.join('.')}`);
  return `${owner}.${property}`;
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));

export interface Cell {
  value: Value;
  formula?: string;
  numberFormat: string;
  /** Format properties by path, e.g. "fill.color", "font.strikethrough", "protection.locked". */
  format: Record<string, unknown>;
  validation?: { rule?: unknown; errorAlert?: unknown };
}

export interface Annotation {
  row: number;
  column: number;
  content: string;
}

const DAY_MS = 86_400_000;
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** What Excel makes of a value written into a cell: text stays text only in a text-formatted cell. */
function enter(cell: Cell, value: unknown): void {
  delete cell.formula;
  if (typeof value !== 'string' || value === '' || cell.numberFormat === '@') {
    cell.value = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : '';
    return;
  }
  if (NUMERIC.test(value.trim())) cell.value = Number(value);
  else if (/^[=+\-@]/.test(value)) {
    cell.formula = value;
    cell.value = '#NAME?';
  } else if (/^(true|false)$/i.test(value)) cell.value = value.toLowerCase() === 'true';
  else if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))) cell.value = (Date.parse(value) - EXCEL_EPOCH_MS) / DAY_MS;
  else cell.value = value;
}

export class Sheet {
  visibility: 'Visible' | 'Hidden' | 'VeryHidden' = 'Visible';
  /** Deleted, perhaps by another batch: Excel answers every later use of it with ItemNotFound. */
  deleted = false;
  frozenRows = 0;
  readonly grid: (Cell | undefined)[][] = [];
  readonly hiddenColumns = new Set<number>();
  readonly hiddenRows = new Set<number>();
  readonly autofitted = new Set<number>();
  readonly notes: Annotation[] = [];
  readonly comments: Annotation[] = [];

  constructor(public name: string) {}

  peek(row: number, column: number): Cell | undefined {
    return this.grid[row]?.[column];
  }

  cell(row: number, column: number): Cell {
    const line = (this.grid[row] ??= []);
    return (line[column] ??= { value: '', numberFormat: 'General', format: {} });
  }

  /** What Range.values gives for a cell. */
  value(row: number, column: number): Value {
    const cell = this.peek(row, column);
    return cell ? cell.value : '';
  }

  private move(from: number, to: number, left: number, width: number): void {
    for (let column = left; column < left + width; column++) {
      const line = (this.grid[to] ??= []);
      line[column] = this.grid[from]?.[column];
    }
  }

  /** Inserts blank cells in columns [left, left+width), pushing what is there down. */
  insertRows(at: number, count: number, left: number, width: number): void {
    for (let row = this.grid.length - 1; row >= at; row--) this.move(row, row + count, left, width);
    for (let row = at; row < at + count; row++) for (let column = left; column < left + width; column++) if (this.grid[row]) this.grid[row]![column] = undefined;
    for (const kind of [this.notes, this.comments]) for (const a of kind) if (a.row >= at && a.column >= left && a.column < left + width) a.row += count;
  }

  /** Deletes cells in columns [left, left+width), pulling what is below up. */
  deleteRows(at: number, count: number, left: number, width: number): void {
    const last = this.grid.length - 1;
    for (let row = at; row <= last; row++) this.move(row + count, row, left, width);
    for (const kind of [this.notes, this.comments]) {
      const inColumns = (a: Annotation) => a.column >= left && a.column < left + width;
      kind.splice(0, kind.length, ...kind.filter((a) => !(inColumns(a) && a.row >= at && a.row < at + count)));
      for (const a of kind) if (inColumns(a) && a.row >= at + count) a.row -= count;
    }
  }
}

export class Table {
  filtered = false;
  constructor(
    public name: string,
    readonly sheet: Sheet,
    readonly top: number,
    readonly left: number,
    public width: number,
    public rowCount: number,
  ) {}

  get bodyTop(): number {
    return this.top + 1;
  }
}

interface Rect {
  sheet: Sheet;
  row: number;
  column: number;
  rows: number;
  columns: number;
}

export class Chart {
  /** Category labels of the first series, once set apart from the source. */
  categories: Rect | undefined;
  /** The cell of its top left corner. */
  anchor: { row: number; column: number } | undefined;
  /** Properties set by path, e.g. "title.text", "axes.valueAxis.maximum". */
  readonly settings: Record<string, unknown> = {};

  constructor(
    readonly sheet: Sheet,
    readonly type: string,
    readonly source: Rect,
    readonly seriesBy: string,
  ) {}

  get seriesCount(): number {
    return this.seriesBy === 'Rows' ? this.source.rows : this.source.columns;
  }
}

export interface SyncRecord {
  operations: number;
  /** Bytes of the values the batch wrote (values, formats, texts, rules), as JSON. */
  valueBytes: number;
  /** valueBytes plus a rough cost per operation: what Excel would receive. */
  requestBytes: number;
  responseBytes: number;
  /** Whether the batch asked Excel to hold back recalculation until its end (suspendApiCalculationUntilNextSync). */
  calculationSuspended: boolean;
}

function versionAtMost(version: string, max: string): boolean {
  const [a, b] = [version, max].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(a!.length, b!.length); i++) {
    const d = (a![i] ?? 0) - (b![i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return true;
}

const INVALID_SHEET_NAME = /[:\\/?*[\]]/;

export class FakeWorkbook {
  readonly sheets: Sheet[];
  readonly tables: Table[] = [];
  readonly charts: Chart[] = [];
  active: Sheet;
  selection: { sheet: Sheet; row: number; column: number } | undefined;
  readonly syncs: SyncRecord[] = [];
  /**
   * What the user does while the add-in waits for Excel: called before each sync's batch runs, with
   * the number of syncs so far. Excel runs a batch as one piece, but between two syncs the user
   * (or a co-author's change arriving) may sort, insert, delete, rename or filter.
   */
  betweenSyncs: ((syncs: number) => void) | undefined;
  /** The sets the add-in asked isSetSupported about since the current context was created. */
  asked: string[] = [];

  /** @param apiVersion the highest ExcelApi requirement set the host supports */
  constructor(readonly apiVersion = NEWEST_API) {
    this.active = new Sheet('Tabelle1');
    this.sheets = [this.active];
  }

  supports(version: string): boolean {
    return versionAtMost(version, this.apiVersion);
  }

  /** The Office global the add-in asks about requirement sets. */
  office(): unknown {
    return new OfficeMockObject({
      context: {
        requirements: {
          isSetSupported: (set: string, version: string) => {
            if (set === 'ExcelApi') this.asked.push(version);
            return set === 'ExcelApi' && this.supports(version);
          },
        },
      },
    });
  }

  context(): Excel.RequestContext {
    this.asked = [];
    return new RequestContext(this) as unknown as Excel.RequestContext;
  }

  /**
   * Runs a batch as Excel.run does, on a fresh context. Queued operations only reach Excel with a
   * sync (http://buildingofficeaddins.com/proxy-objects/: nothing is committed until
   * context.sync()), so whatever the batch leaves queued counts as one more round trip here: a
   * batch cannot save syncs by leaving its last writes unsent.
   */
  async run<T>(batch: (context: Excel.RequestContext) => Promise<T>): Promise<T> {
    const context = this.context();
    const result = await batch(context);
    const pending = context as unknown as RequestContext;
    if (pending.queued > 0) await context.sync();
    return result;
  }

  /** Runs work against a fresh context and returns the syncs it took. */
  async measure<T>(work: (context: Excel.RequestContext) => Promise<T>): Promise<{ result: T; syncs: SyncRecord[] }> {
    const before = this.syncs.length;
    const result = await work(this.context());
    return { result, syncs: this.syncs.slice(before) };
  }

  // --- the workbook as Excel keeps it ---

  findSheet(name: string): Sheet | undefined {
    return this.sheets.find((sheet) => sheet.name.toLowerCase() === name.toLowerCase());
  }

  sheet(name: string): Sheet {
    const sheet = this.findSheet(name);
    if (!sheet) throw new Error(`no sheet ${name}`);
    return sheet;
  }

  findTable(name: string): Table | undefined {
    return this.tables.find((table) => table.name.toLowerCase() === name.toLowerCase());
  }

  table(name = 'OZG_Sync'): Table {
    const table = this.findTable(name);
    if (!table) throw new Error(`no table ${name}`);
    return table;
  }

  checkSheetName(name: string, renamed?: Sheet): void {
    if (name.length === 0 || name.length > 31 || INVALID_SHEET_NAME.test(name) || /^'|'$/.test(name) || name.toLowerCase() === 'history') {
      throw new OfficeError('InvalidArgument', `invalid sheet name ${name}`);
    }
    const other = this.findSheet(name);
    if (other && other !== renamed) throw new OfficeError('ItemAlreadyExists', `sheet ${name} exists`);
  }

  addSheet(name?: string): Sheet {
    let chosen = name;
    for (let n = this.sheets.length + 1; !chosen; n++) if (!this.findSheet(`Tabelle${n}`)) chosen = `Tabelle${n}`;
    this.checkSheetName(chosen);
    const sheet = new Sheet(chosen);
    this.sheets.push(sheet);
    return sheet;
  }

  private visibleOthers(sheet: Sheet): Sheet[] {
    return this.sheets.filter((other) => other !== sheet && other.visibility === 'Visible');
  }

  deleteSheet(sheet: Sheet): void {
    if (sheet.visibility === 'VeryHidden') throw new OfficeError('GeneralException', 'a very hidden sheet cannot be deleted');
    if (sheet.visibility === 'Visible' && this.visibleOthers(sheet).length === 0) throw new OfficeError('InvalidOperation', 'last visible sheet');
    this.sheets.splice(this.sheets.indexOf(sheet), 1);
    sheet.deleted = true;
    this.tables.splice(0, this.tables.length, ...this.tables.filter((table) => table.sheet !== sheet));
    this.charts.splice(0, this.charts.length, ...this.charts.filter((chart) => chart.sheet !== sheet));
    if (this.active === sheet) this.active = this.visibleOthers(sheet)[0]!;
  }

  setVisibility(sheet: Sheet, visibility: Sheet['visibility']): void {
    if (visibility !== 'Visible' && this.visibleOthers(sheet).length === 0) throw new OfficeError('InvalidOperation', 'last visible sheet');
    sheet.visibility = visibility;
    if (visibility !== 'Visible' && this.active === sheet) this.active = this.visibleOthers(sheet)[0]!;
  }

  usedRange(sheet: Sheet): Rect | null {
    let [top, left, bottom, right] = [Infinity, Infinity, -1, -1];
    sheet.grid.forEach((line, row) =>
      line?.forEach((cell, column) => {
        if (!cell || cell.value === '') return;
        [top, left, bottom, right] = [Math.min(top, row), Math.min(left, column), Math.max(bottom, row), Math.max(right, column)];
      }),
    );
    return bottom < 0 ? null : { sheet, row: top, column: left, rows: bottom - top + 1, columns: right - left + 1 };
  }

  createTable(range: Rect, hasHeaders: boolean): Table {
    if (!hasHeaders || range.rows < 2) throw new OfficeError('InvalidArgument', 'the fake models tables with headers and a body');
    for (let i = 0; i < range.columns; i++) {
      const header = range.sheet.cell(range.row, range.column + i);
      if (header.value === '') header.value = `Spalte${i + 1}`;
    }
    let n = this.tables.length + 1;
    while (this.findTable(`Tabelle${n}`)) n++;
    const table = new Table(`Tabelle${n}`, range.sheet, range.row, range.column, range.columns, range.rows - 1);
    this.tables.push(table);
    return table;
  }

  addTableRows(table: Table, values: unknown[][]): void {
    if (values.some((row) => row.length !== table.width)) throw new OfficeError('InvalidArgument', 'row width does not match the table');
    const at = table.bodyTop + table.rowCount;
    table.sheet.insertRows(at, values.length, table.left, table.width);
    table.rowCount += values.length;
    values.forEach((row, r) => row.forEach((value, c) => enter(table.sheet.cell(at + r, table.left + c), value)));
  }

  deleteTableRow(table: Table, index: number): void {
    if (table.filtered) throw new OfficeError('InsertDeleteConflict', 'the table is filtered');
    if (index < 0 || index >= table.rowCount) throw new OfficeError('InvalidArgument', `no table row ${index}`);
    if (table.rowCount === 1) {
      // Excel keeps one body row in a table: the last one is emptied, not deleted.
      const line = table.sheet.grid[table.bodyTop] ?? [];
      for (let c = 0; c < table.width; c++) line[table.left + c] = undefined;
      return;
    }
    table.sheet.deleteRows(table.bodyTop + index, 1, table.left, table.width);
    table.rowCount--;
  }

  /** What a chart shows: its first series' name and points (a column with its header), and the category labels. */
  chartData(chart: Chart): { series: Value; values: Value[]; categories: Value[] } {
    const column = (rect: Rect, from: number) => Array.from({ length: rect.rows - from }, (_, i) => rect.sheet.value(rect.row + from + i, rect.column));
    return { series: chart.sheet.value(chart.source.row, chart.source.column), values: column(chart.source, 1), categories: chart.categories ? column(chart.categories, 0) : [] };
  }

  // --- what a user does in Excel ---

  /** Header and body of a table as Range.values would give them. */
  rows(tableName = 'OZG_Sync'): Value[][] {
    const table = this.table(tableName);
    return Array.from({ length: table.rowCount + 1 }, (_, r) =>
      Array.from({ length: table.width }, (_, c) => table.sheet.value(table.top + r, table.left + c)),
    );
  }

  position(table: Table, label: string): number {
    const position = this.rows(table.name)[0]!.indexOf(label);
    if (position < 0) throw new Error(`no column ${label}`);
    return position;
  }

  /** The body row index holding an id. */
  rowOf(table: Table, id: string): number {
    const idColumn = this.position(table, 'id');
    const row = this.rows(table.name).slice(1).findIndex((cells) => cells[idColumn] === id);
    if (row < 0) throw new Error(`no row ${id}`);
    return row;
  }

  cellAt(id: string, label: string, tableName = 'OZG_Sync'): Cell | undefined {
    const table = this.table(tableName);
    return table.sheet.peek(table.bodyTop + this.rowOf(table, id), table.left + this.position(table, label));
  }

  /** Typing into a cell: Excel parses what is typed unless the cell is formatted as text. */
  type(id: string, label: string, value: Value, tableName = 'OZG_Sync'): void {
    const table = this.table(tableName);
    enter(table.sheet.cell(table.bodyTop + this.rowOf(table, id), table.left + this.position(table, label)), value);
  }

  /** Sorts the body rows, moving their cells and notes along as Excel does. */
  sort(label: string, compare: (a: Value, b: Value) => number, tableName = 'OZG_Sync'): void {
    const table = this.table(tableName);
    const column = table.left + this.position(table, label);
    const { sheet } = table;
    const order = Array.from({ length: table.rowCount }, (_, i) => table.bodyTop + i).sort((a, b) => compare(sheet.value(a, column), sheet.value(b, column)));
    const lines = order.map((row) => Array.from({ length: table.width }, (_, c) => sheet.peek(row, table.left + c)));
    lines.forEach((line, i) => line.forEach((cell, c) => ((sheet.grid[table.bodyTop + i] ??= [])[table.left + c] = cell)));
    for (const a of [...sheet.notes, ...sheet.comments]) {
      if (a.row >= table.bodyTop && a.row < table.bodyTop + table.rowCount) a.row = table.bodyTop + order.indexOf(a.row);
    }
  }

  /** Filters the table: rows whose cell in the column fails `keep` are hidden. */
  filter(label: string, keep: (value: Value) => boolean, tableName = 'OZG_Sync'): void {
    const table = this.table(tableName);
    const column = table.left + this.position(table, label);
    for (let row = table.bodyTop; row < table.bodyTop + table.rowCount; row++) if (!keep(table.sheet.value(row, column))) table.sheet.hiddenRows.add(row);
    table.filtered = true;
  }

  /** Inserts blank table rows above body row `at` (Insert > Table Rows Above); `at` = rowCount appends. */
  insertRows(at: number, count = 1, tableName = 'OZG_Sync'): void {
    const table = this.table(tableName);
    if (at < 0 || at > table.rowCount) throw new Error(`no table row ${at}`);
    table.sheet.insertRows(table.bodyTop + at, count, table.left, table.width);
    table.rowCount += count;
  }

  /** Deletes body rows (Delete > Table Rows); Excel keeps one body row. */
  deleteRows(at: number, count = 1, tableName = 'OZG_Sync'): void {
    const table = this.table(tableName);
    const n = Math.min(count, table.rowCount - 1 - at);
    if (at < 0 || n < 1) return;
    table.sheet.deleteRows(table.bodyTop + at, n, table.left, table.width);
    table.rowCount -= n;
  }

  renameTable(name: string, tableName = 'OZG_Sync'): void {
    this.table(tableName).name = name;
  }

  /** Deletes a table column (Delete > Table Columns): the columns right of it move left. */
  deleteColumn(label: string, tableName = 'OZG_Sync'): void {
    const table = this.table(tableName);
    const position = this.position(table, label);
    const { sheet } = table;
    for (let row = table.top; row < table.bodyTop + table.rowCount; row++) {
      const line = (sheet.grid[row] ??= []);
      for (let c = position; c < table.width; c++) line[table.left + c] = c + 1 < table.width ? line[table.left + c + 1] : undefined;
    }
    const hidden = Array.from({ length: table.width }, (_, c) => sheet.hiddenColumns.has(table.left + c));
    hidden.splice(position, 1);
    for (let c = 0; c < table.width; c++) sheet.hiddenColumns.delete(table.left + c);
    hidden.forEach((isHidden, c) => isHidden && sheet.hiddenColumns.add(table.left + c));
    table.width--;
  }

  /** Types a header right of the table, which Excel takes into the table as a new column. */
  addColumn(header: string, values: Value[] = [], tableName = 'OZG_Sync'): void {
    const table = this.table(tableName);
    const column = table.left + table.width;
    table.sheet.cell(table.top, column).value = header;
    values.forEach((value, i) => enter(table.sheet.cell(table.bodyTop + i, column), value));
    table.width++;
  }

  /** Drags a column to another position within the table. */
  moveColumn(label: string, to: number, tableName = 'OZG_Sync'): void {
    const table = this.table(tableName);
    const from = this.position(table, label);
    const { sheet } = table;
    for (let row = table.top; row < table.bodyTop + table.rowCount; row++) {
      const line = Array.from({ length: table.width }, (_, c) => sheet.peek(row, table.left + c));
      line.splice(to, 0, ...line.splice(from, 1));
      line.forEach((cell, c) => ((sheet.grid[row] ??= [])[table.left + c] = cell));
    }
    const hidden = Array.from({ length: table.width }, (_, c) => sheet.hiddenColumns.has(table.left + c));
    hidden.splice(to, 0, ...hidden.splice(from, 1));
    hidden.forEach((isHidden, c) => {
      if (isHidden) sheet.hiddenColumns.add(table.left + c);
      else sheet.hiddenColumns.delete(table.left + c);
    });
  }

  /** The entries a cell's drop-down offers, read from where its list source points. */
  dropDown(id: string, label: string, tableName = 'OZG_Sync'): string[] | undefined {
    const rule = this.cellAt(id, label, tableName)?.validation?.rule as { list?: { source: string } } | undefined;
    const match = rule?.list && /^='((?:[^']|'')+)'!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)$/.exec(rule.list.source);
    if (!match) return undefined;
    const sheet = this.sheet(match[1]!.replaceAll("''", "'"));
    const column = [...match[2]!].reduce((n, letter) => n * 26 + letter.charCodeAt(0) - 64, 0) - 1;
    return Array.from({ length: Number(match[5]) - Number(match[3]) + 1 }, (_, i) => String(sheet.value(Number(match[3]) - 1 + i, column)));
  }
}

// --- the Office.js object model over the workbook ---

class Ref<E> {
  private resolved: { entity: E } | undefined;

  set(entity: E): void {
    this.resolved = { entity };
  }

  get(): E {
    if (!this.resolved) throw new OfficeError('InvalidObjectPath', 'object used outside the batch that created it, or its creation failed');
    const { entity } = this.resolved;
    const on = entity instanceof Sheet ? entity : (entity as { sheet?: unknown } | null)?.sheet;
    if (on instanceof Sheet && on.deleted) throw new OfficeError('ItemNotFound', `the sheet ${on.name} was deleted`);
    return entity;
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Office.js objects are typed by @types/office-js; the fake serves them untyped */
type Method<E> = (entity: () => E, ...args: any[]) => unknown;

interface Spec<E> {
  /** The Office.js class the object stands for, as Microsoft's reference names it ("Range"). */
  kind: string;
  /** Classes of the nested objects by path, e.g. { format: 'RangeFormat', 'format.font': 'RangeFont' }. */
  nested?: Record<string, string>;
  /** Loadable properties and how Excel answers them. */
  scalars?: Record<string, (entity: E) => unknown>;
  /** Settable properties by path ("format.fill.color"). */
  setters?: Record<string, (entity: E, value: any) => void>;
  /** Methods by path ("format.fill.clear"); they queue their own operations. */
  methods?: Record<string, Method<E>>;
  /** Navigation properties giving other API objects. */
  links?: Record<string, (entity: () => E) => unknown>;
  items?: { of: (entity: E) => unknown[]; spec: Spec<any> };
}

interface Wrapped {
  target: OfficeMockObject;
  ref: Ref<unknown>;
}

const wrapped = new WeakMap<object, Wrapped>();

function entityOf<E>(apiObject: unknown): E {
  const found = wrapped.get(apiObject as object);
  if (!found) throw new Error('fake: not an API object of this fake');
  return found.ref.get() as E;
}

function mockData(spec: Spec<any>): Record<string, unknown> {
  const data: Record<string, any> = {};
  const put = (path: string, value: unknown) => {
    const parts = path.split('.');
    let node = data;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    if (!(parts.at(-1)! in node)) node[parts.at(-1)!] = value;
  };
  for (const name of Object.keys(spec.scalars ?? {})) put(name, undefined);
  for (const path of Object.keys(spec.setters ?? {})) put(path, undefined);
  for (const [path, method] of Object.entries(spec.methods ?? {})) put(path, method);
  if (spec.items) put('items', undefined);
  return data;
}

/** The mock keeps loaded values until loaded again; marking them unsynced lets its sync refresh them. */
async function settle(target: OfficeMockObject, names: string[], values: unknown[]): Promise<void> {
  const properties = (target as unknown as { _properties: Map<string, { _valueBeforeLoaded: unknown }> })._properties;
  names.forEach((name, i) => {
    properties.get(name)!._valueBeforeLoaded = values[i];
    (target as any)[name] = NOT_AVAILABLE[1];
  });
  await target.sync();
}

class RequestContext {
  private queue: (() => void)[] = [];
  private valueBytes = 0;
  private calculationSuspended = false;
  private record: SyncRecord | undefined;
  private settles: (() => Promise<void>)[] = [];
  readonly workbook: unknown;

  constructor(readonly book: FakeWorkbook) {
    this.workbook = this.wrap(workbookSpec(this), book);
  }

  /**
   * Lets a call through only as the host it models would: a member above the host's requirement
   * set fails the batch with ApiNotFound, and one above the manifest's minimum fails the test at
   * once unless the add-in asked isSetSupported for its set first; otherwise the add-in would run
   * it on hosts the manifest admits and that refuse it.
   */
  require(member: string, set: string | undefined = REQUIREMENT_SETS[member]): void {
    if (set === undefined) throw new Error(`fake: no requirement set recorded for ${member}`);
    // The gate has to name the member's own set: one that holds by chance (a newer set asked for
    // something else) would let the call through on hosts where that other check is never made.
    if (!versionAtMost(set, MINIMUM_API) && !this.book.asked.includes(set)) {
      throw new UngatedCall(member, set);
    }
    if (!this.book.supports(set)) {
      this.enqueue(0, () => {
        throw new OfficeError('ApiNotFound', `${member} needs ExcelApi ${set}; this host supports ExcelApi ${this.book.apiVersion}`);
      });
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  suspendCalculation(): void {
    this.calculationSuspended = true;
  }

  enqueue(valueBytes: number, operation: () => void): void {
    this.queue.push(operation);
    this.valueBytes += valueBytes;
  }

  respond(value: unknown, settle: () => Promise<void>): void {
    this.record!.responseBytes += bytesOf(value);
    this.settles.push(settle);
  }

  /** An API object whose entity is found when the batch reaches this point, as Office.js does. */
  create<E>(spec: Spec<E>, resolve: () => E, valueBytes = 0): unknown {
    const ref = new Ref<E>();
    this.enqueue(valueBytes, () => ref.set(resolve()));
    return this.proxy(spec, ref);
  }

  wrap<E>(spec: Spec<E>, entity: E): unknown {
    const ref = new Ref<E>();
    ref.set(entity);
    return this.proxy(spec, ref);
  }

  private proxy<E>(spec: Spec<E>, ref: Ref<E>): unknown {
    const target = new OfficeMockObject(mockData(spec));
    const proxy = this.proxyAt(spec, ref, target, []);
    wrapped.set(proxy, { target, ref: ref as Ref<unknown> });
    return proxy;
  }

  private proxyAt<E>(spec: Spec<E>, ref: Ref<E>, target: OfficeMockObject, path: string[]): object {
    const children = new Map<string, unknown>();
    return new Proxy(target, {
      get: (mock, property, receiver) => {
        if (typeof property !== 'string') return Reflect.get(mock, property);
        if (path.length === 0 && property === 'load') return (what?: string | string[]) => (this.load(spec, ref, mock, what), receiver);
        const member = memberOf(spec, path, property);
        const link = path.length === 0 ? spec.links?.[property] : undefined;
        if (link) {
          this.require(member);
          if (!children.has(property)) children.set(property, link(() => ref.get()));
          return children.get(property);
        }
        const value = Reflect.get(mock, property);
        if (value instanceof OfficeMockObject) {
          this.require(member);
          if (!children.has(property)) children.set(property, this.proxyAt(spec, ref, value, [...path, property]));
          return children.get(property);
        }
        if (typeof value === 'function' && spec.methods?.[[...path, property].join('.')]) {
          return (...args: unknown[]) => {
            this.require(member);
            return (value as Method<E>)(() => ref.get(), ...args);
          };
        }
        if (NOT_AVAILABLE.includes(value as string)) {
          throw new OfficeError('PropertyNotLoaded', `The property '${[...path, property].join('.')}' is not available. Call load() and context.sync() first.`);
        }
        return value;
      },
      set: (mock, property, value) => {
        const name = [...path, String(property)].join('.');
        const setter = spec.setters?.[name];
        if (!setter) throw new Error(`fake: ${name} cannot be set`);
        this.require(memberOf(spec, path, String(property)));
        this.enqueue(bytesOf(value), () => setter(ref.get(), value));
        return Reflect.set(mock, property, value);
      },
    });
  }

  load<E>(spec: Spec<E>, ref: Ref<E>, target: OfficeMockObject, what?: string | string[]): void {
    const names = (Array.isArray(what) ? what : String(what ?? '').split(',')).map((name) => name.trim()).filter(Boolean);
    const own = names.filter((name) => !name.startsWith('items/'));
    const itemNames = names.filter((name) => name.startsWith('items/')).map((name) => name.slice('items/'.length));
    for (const name of own) this.require(`${spec.kind}.${name}`);
    for (const name of itemNames) this.require(`${spec.items!.spec.kind}.${name}`);
    if (own.length > 0) {
      target.load(own);
      this.enqueue(0, () => {
        const entity = ref.get();
        const values = own.map((name) => {
          const read = spec.scalars?.[name];
          if (!read) throw new Error(`fake: ${name} cannot be loaded`);
          // A null object answers every property but isNullObject with null.
          return entity === null && name !== 'isNullObject' ? null : read(entity);
        });
        this.respond(values, () => settle(target, own, values));
      });
    }
    if (itemNames.length > 0) {
      const { of, spec: itemSpec } = spec.items!;
      this.enqueue(0, () => {
        const loaded = of(ref.get()).map((entity) => ({ entity, values: itemNames.map((name) => itemSpec.scalars![name]!(entity)) }));
        this.respond(
          loaded.map((item) => item.values),
          async () => {
            const items = [];
            for (const { entity, values } of loaded) {
              const item = this.wrap(itemSpec, entity);
              const { target: itemTarget } = wrapped.get(item as object)!;
              itemTarget.load(itemNames);
              await settle(itemTarget, itemNames, values);
              items.push(item);
            }
            (target as any).items = items;
          },
        );
      });
    }
  }

  async sync(): Promise<void> {
    this.book.betweenSyncs?.(this.book.syncs.length);
    const operations = this.queue;
    const record: SyncRecord = {
      operations: operations.length,
      valueBytes: this.valueBytes,
      requestBytes: this.valueBytes + operations.length * ACTION_BYTES,
      responseBytes: 0,
      calculationSuspended: this.calculationSuspended,
    };
    this.book.syncs.push(record);
    this.queue = [];
    this.valueBytes = 0;
    this.calculationSuspended = false;
    this.settles = [];
    this.record = record;
    if (record.requestBytes > PAYLOAD_LIMIT) throw new OfficeError('RequestPayloadSizeLimitExceeded');
    // Like Excel, a failing operation ends the batch; what ran before it stays done.
    for (const operation of operations) operation();
    if (record.responseBytes > PAYLOAD_LIMIT) throw new OfficeError('ResponsePayloadSizeLimitExceeded');
    for (const settleLoad of this.settles) await settleLoad();
    // The mock updates nested properties in later microtasks.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function cellsOf(rect: Rect): { cell: () => Cell; row: number; column: number }[] {
  const cells = [];
  for (let r = 0; r < rect.rows; r++) {
    for (let c = 0; c < rect.columns; c++) {
      const [row, column] = [rect.row + r, rect.column + c];
      cells.push({ cell: () => rect.sheet.cell(row, column), row: r, column: c });
    }
  }
  return cells;
}

/** Writes a 2D input into a range; a single value fills the whole range (Excel's "single input copy"). */
function writeGrid(rect: Rect, input: unknown, put: (cell: Cell, value: unknown) => void): void {
  if (!Array.isArray(input) || !input.every(Array.isArray)) throw new OfficeError('InvalidArgument', 'expected a 2D array');
  const rows = input as unknown[][];
  const single = rows.length === 1 && rows[0]!.length === 1;
  if (!single && (rows.length !== rect.rows || rows.some((row) => row.length !== rect.columns))) {
    throw new OfficeError('InvalidArgument', "The number of rows or columns in the input array doesn't match the size or dimensions of the range.");
  }
  for (const { cell, row, column } of cellsOf(rect)) put(cell(), single ? rows[0]![0] : rows[row]![column]);
}

function rangeSpec(context: RequestContext): Spec<Rect | null> {
  const book = context.book;
  const eachCell = (key: string) => (rect: Rect | null, value: unknown) => cellsOf(rect!).forEach(({ cell }) => (cell().format[key] = value));
  const validate = (key: 'rule' | 'errorAlert') => (rect: Rect | null, value: unknown) =>
    cellsOf(rect!).forEach(({ cell }) => (cell().validation = { ...cell().validation, [key]: value }));
  const grid = (rect: Rect, read: (row: number, column: number) => unknown) =>
    Array.from({ length: rect.rows }, (_, r) => Array.from({ length: rect.columns }, (_, c) => read(rect.row + r, rect.column + c)));
  return {
    kind: 'Range',
    nested: { format: 'RangeFormat', 'format.fill': 'RangeFill', 'format.font': 'RangeFont', 'format.protection': 'FormatProtection', dataValidation: 'DataValidation' },
    scalars: {
      isNullObject: (rect) => rect === null,
      values: (rect) => grid(rect!, (row, column) => rect!.sheet.value(row, column)),
      numberFormat: (rect) => grid(rect!, (row, column) => rect!.sheet.peek(row, column)?.numberFormat ?? 'General'),
      rowIndex: (rect) => rect!.row,
      columnIndex: (rect) => rect!.column,
      rowCount: (rect) => rect!.rows,
      columnCount: (rect) => rect!.columns,
    },
    setters: {
      values: (rect, input) => writeGrid(rect!, input, enter),
      numberFormat: (rect, input) => writeGrid(rect!, input, (cell, format) => (cell.numberFormat = String(format))),
      columnHidden: (rect, hidden) => {
        for (let c = rect!.column; c < rect!.column + rect!.columns; c++) {
          if (hidden) rect!.sheet.hiddenColumns.add(c);
          else rect!.sheet.hiddenColumns.delete(c);
        }
      },
      'format.fill.color': eachCell('fill.color'),
      'format.font.strikethrough': eachCell('font.strikethrough'),
      'format.font.bold': eachCell('font.bold'),
      'format.font.size': eachCell('font.size'),
      'format.font.color': eachCell('font.color'),
      'format.protection.locked': eachCell('protection.locked'),
      'dataValidation.rule': validate('rule'),
      'dataValidation.errorAlert': validate('errorAlert'),
    },
    methods: {
      getEntireColumn: (rect) => context.create(rangeSpec(context), () => ({ ...rect()!, row: 0, rows: SHEET_ROWS })),
      getColumn: (rect, column: number) =>
        context.create(rangeSpec(context), () => {
          if (column < 0 || column >= rect()!.columns) throw new OfficeError('InvalidArgument', `no column ${column} in the range`);
          return { ...rect()!, column: rect()!.column + column, columns: 1 };
        }),
      'format.fill.clear': (rect) => context.enqueue(0, () => cellsOf(rect()!).forEach(({ cell }) => delete cell().format['fill.color'])),
      'format.autofitColumns': (rect) =>
        context.enqueue(0, () => {
          const { sheet, column, columns } = rect()!;
          for (let c = column; c < column + columns; c++) {
            // Excel gives an autofitted column a width, which shows a hidden one again.
            sheet.autofitted.add(c);
            sheet.hiddenColumns.delete(c);
          }
        }),
      select: (rect) =>
        context.enqueue(0, () => {
          const { sheet, row, column } = rect()!;
          if (book.active !== sheet) throw new OfficeError('InvalidSelection', 'select on a sheet that is not active');
          book.selection = { sheet, row, column };
        }),
    },
  };
}

function annotationSpec(context: RequestContext, kind: 'notes' | 'comments'): Spec<{ sheet: Sheet; annotation: Annotation }> {
  return {
    kind: kind === 'notes' ? 'Note' : 'Comment',
    scalars: { content: ({ annotation }) => annotation.content },
    methods: {
      delete: (entity) =>
        context.enqueue(0, () => {
          const { sheet, annotation } = entity();
          sheet[kind].splice(sheet[kind].indexOf(annotation), 1);
        }),
      getLocation: (entity) =>
        context.create(rangeSpec(context), () => {
          const { sheet, annotation } = entity();
          return { sheet, row: annotation.row, column: annotation.column, rows: 1, columns: 1 };
        }),
    },
  };
}

function annotationsSpec(context: RequestContext, kind: 'notes' | 'comments'): Spec<Sheet> {
  return {
    kind: kind === 'notes' ? 'NoteCollection' : 'CommentCollection',
    items: { of: (sheet) => sheet[kind].map((annotation) => ({ sheet, annotation })), spec: annotationSpec(context, kind) },
    methods: {
      add: (sheet, cell: unknown, content: string) =>
        context.enqueue(bytesOf(content), () => {
          const rect = entityOf<Rect>(cell);
          if (rect.rows !== 1 || rect.columns !== 1 || rect.sheet !== sheet()) throw new OfficeError('InvalidArgument', 'not a single cell of this sheet');
          if (rect.sheet[kind].some((a) => a.row === rect.row && a.column === rect.column)) throw new OfficeError('InvalidArgument', `the cell has ${kind} already`);
          rect.sheet[kind].push({ row: rect.row, column: rect.column, content });
        }),
    },
  };
}

function tableSpec(context: RequestContext): Spec<Table | null> {
  const book = context.book;
  return {
    kind: 'Table',
    scalars: { isNullObject: (table) => table === null, name: (table) => table!.name },
    setters: {
      name: (table, name: string) => {
        const other = book.findTable(name);
        if (other && other !== table) throw new OfficeError('ItemAlreadyExists', `table ${name} exists`);
        table!.name = name;
      },
    },
    methods: {
      getHeaderRowRange: (table) => context.create(rangeSpec(context), () => ({ sheet: table()!.sheet, row: table()!.top, column: table()!.left, rows: 1, columns: table()!.width })),
      getDataBodyRange: (table) =>
        context.create(rangeSpec(context), () => ({ sheet: table()!.sheet, row: table()!.bodyTop, column: table()!.left, rows: table()!.rowCount, columns: table()!.width })),
      clearFilters: (table) =>
        context.enqueue(0, () => {
          const t = table()!;
          t.filtered = false;
          for (let row = t.bodyTop; row < t.bodyTop + t.rowCount; row++) t.sheet.hiddenRows.delete(row);
        }),
    },
    links: {
      worksheet: (table) => context.create(worksheetSpec(context), () => table()!.sheet),
      rows: (table) =>
        context.create(
          {
            kind: 'TableRowCollection',
            methods: {
              add: (t, index: number | undefined, values: unknown[][]) => {
                if (index !== undefined && index !== null && index !== -1) throw new Error('fake: rows are only appended');
                context.enqueue(bytesOf(values), () => book.addTableRows(t()!, values));
              },
              getItemAt: (t, index: number) =>
                context.create({ kind: 'TableRow', methods: { delete: (row: () => { table: Table; index: number }) => context.enqueue(0, () => book.deleteTableRow(row().table, row().index)) } }, () => ({ table: t()!, index })),
            },
          } satisfies Spec<Table | null>,
          () => table(),
        ),
    },
  };
}

const CHART_SETTINGS = [
  'name',
  'width',
  'height',
  'title.text',
  'legend.visible',
  'axes.categoryAxis.reversePlotOrder',
  'axes.categoryAxis.position',
  'axes.valueAxis.minimum',
  'axes.valueAxis.maximum',
  'axes.valueAxis.numberFormat',
  'dataLabels.showValue',
  'dataLabels.numberFormat',
];

function chartSpec(context: RequestContext): Spec<Chart> {
  return {
    kind: 'Chart',
    nested: { title: 'ChartTitle', legend: 'ChartLegend', axes: 'ChartAxes', 'axes.categoryAxis': 'ChartAxis', 'axes.valueAxis': 'ChartAxis', dataLabels: 'ChartDataLabels' },
    setters: Object.fromEntries(CHART_SETTINGS.map((path) => [path, (chart: Chart, value: unknown) => (chart.settings[path] = value)])),
    methods: {
      setPosition: (chart, start: unknown) =>
        context.enqueue(0, () => {
          const rect = entityOf<Rect>(start);
          if (rect.sheet !== chart().sheet) throw new OfficeError('InvalidArgument', 'position on another sheet');
          chart().anchor = { row: rect.row, column: rect.column };
        }),
    },
    links: {
      series: (chart) =>
        context.create(
          {
            kind: 'ChartSeriesCollection',
            methods: {
              getItemAt: (c, index: number) =>
                context.create(
                  {
                    kind: 'ChartSeries',
                    methods: {
                      setXAxisValues: (series: () => Chart, range: unknown) => context.enqueue(0, () => (series().categories = entityOf<Rect>(range))),
                    },
                  },
                  () => {
                    if (index < 0 || index >= c().seriesCount) throw new OfficeError('InvalidArgument', `no series ${index}`);
                    return c();
                  },
                ),
            },
          } satisfies Spec<Chart>,
          () => chart(),
        ),
    },
  };
}

function worksheetSpec(context: RequestContext): Spec<Sheet | null> {
  const book = context.book;
  return {
    kind: 'Worksheet',
    scalars: {
      isNullObject: (sheet) => sheet === null,
      name: (sheet) => sheet!.name,
      position: (sheet) => book.sheets.indexOf(sheet!),
      visibility: (sheet) => sheet!.visibility,
    },
    setters: {
      name: (sheet, name: string) => {
        book.checkSheetName(name, sheet!);
        sheet!.name = name;
      },
      position: (sheet, position: number) => {
        book.sheets.splice(book.sheets.indexOf(sheet!), 1);
        book.sheets.splice(position, 0, sheet!);
      },
      visibility: (sheet, visibility: Sheet['visibility']) => book.setVisibility(sheet!, visibility),
    },
    methods: {
      getRangeByIndexes: (sheet, row: number, column: number, rows: number, columns: number) =>
        context.create(rangeSpec(context), () => {
          if (rows < 1 || columns < 1) throw new OfficeError('InvalidArgument', 'empty range');
          return { sheet: sheet()!, row, column, rows, columns };
        }),
      getUsedRangeOrNullObject: (sheet) => context.create(rangeSpec(context), () => book.usedRange(sheet()!)),
      delete: (sheet) => context.enqueue(0, () => book.deleteSheet(sheet()!)),
      activate: (sheet) =>
        context.enqueue(0, () => {
          if (sheet()!.visibility !== 'Visible') throw new OfficeError('InvalidOperation', 'a hidden sheet cannot be activated');
          book.active = sheet()!;
        }),
    },
    links: {
      tables: (sheet) =>
        context.create(
          {
            kind: 'TableCollection',
            methods: {
              add: (s, range: unknown, hasHeaders: boolean) =>
                context.create(tableSpec(context), () => {
                  const rect = entityOf<Rect>(range);
                  if (rect.sheet !== s()) throw new OfficeError('InvalidArgument', 'range on another sheet');
                  return book.createTable(rect, hasHeaders);
                }),
            },
          } satisfies Spec<Sheet>,
          () => sheet()!,
        ),
      charts: (sheet) =>
        context.create(
          {
            kind: 'ChartCollection',
            methods: {
              add: (s, type: string, range: unknown, seriesBy: string) => {
                if (type === 'Invalid' || !CHART_TYPES.has(type)) throw new Error(`fake: Excel.ChartType has no ${type}`);
                if (seriesBy !== undefined && !['Auto', 'Columns', 'Rows'].includes(seriesBy)) throw new Error(`fake: Excel.ChartSeriesBy has no ${seriesBy}`);
                context.require(`ChartType.${type}`, CHART_TYPES.get(type));
                return context.create(chartSpec(context), () => {
                  const rect = entityOf<Rect>(range);
                  if (rect.sheet !== s()) throw new OfficeError('InvalidArgument', 'range on another sheet');
                  const chart = new Chart(s(), type, rect, seriesBy);
                  book.charts.push(chart);
                  return chart;
                });
              },
            },
          } satisfies Spec<Sheet>,
          () => sheet()!,
        ),
      freezePanes: (sheet) =>
        context.create({ kind: 'WorksheetFreezePanes', methods: { freezeRows: (s: () => Sheet, count: number) => context.enqueue(0, () => (s().frozenRows = count)) } }, () => sheet()!),
      notes: (sheet) => context.create(annotationsSpec(context, 'notes'), () => sheet()!),
      comments: (sheet) => context.create(annotationsSpec(context, 'comments'), () => sheet()!),
    },
  };
}

function workbookSpec(context: RequestContext): Spec<FakeWorkbook> {
  const find = (name: string) => {
    const sheet = context.book.findSheet(name);
    if (!sheet) throw new OfficeError('ItemNotFound', `no sheet ${name}`);
    return sheet;
  };
  return {
    kind: 'Workbook',
    links: {
      application: () =>
        context.create(
          {
            kind: 'Application',
            methods: { suspendApiCalculationUntilNextSync: () => context.suspendCalculation() },
          } satisfies Spec<null>,
          () => null,
        ),
      worksheets: (book) =>
        context.create(
          {
            kind: 'WorksheetCollection',
            items: { of: (b) => b.sheets, spec: worksheetSpec(context) },
            methods: {
              getItem: (b, name: string) => context.create(worksheetSpec(context), () => find(name)),
              getItemOrNullObject: (b, name: string) => context.create(worksheetSpec(context), () => b().findSheet(name) ?? null),
              add: (b, name?: string) => context.create(worksheetSpec(context), () => b().addSheet(name), bytesOf(name)),
            },
          } satisfies Spec<FakeWorkbook>,
          () => book(),
        ),
      tables: (book) =>
        context.create(
          {
            kind: 'TableCollection',
            items: { of: (b) => b.tables, spec: tableSpec(context) },
            methods: {
              getItem: (b, name: string) =>
                context.create(tableSpec(context), () => {
                  const table = b().findTable(name);
                  if (!table) throw new OfficeError('ItemNotFound', `no table ${name}`);
                  return table;
                }),
              getItemOrNullObject: (b, name: string) => context.create(tableSpec(context), () => b().findTable(name) ?? null),
            },
          } satisfies Spec<FakeWorkbook>,
          () => book(),
        ),
    },
  };
}
