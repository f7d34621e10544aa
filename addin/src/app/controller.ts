import type { Api } from '../api/client.ts';
import { ApiError } from '../api/client.ts';
import {
  applyPushResults,
  fromCell,
  sameCellValue,
  chunkChanges,
  diffTable,
  emptyState,
  keepMine,
  mergePull,
  rowHints,
  rowLabel,
  takeTheirs,
  type CellAddress,
  type CellUpdate,
  type PullResponse,
  type PushChange,
  type SyncState,
  type TableRow,
  type TableUpdate,
  type ZellFehler,
  type ZellKonflikt,
} from '../../../core/index.ts';
import { readCell, valueAt } from '../../../core/cells.ts';
import { onlineOhneReifegrad, reifegradHinweis } from '../../../core/status-hinweise.ts';
import type { Binding } from '../../../core/workbook.ts';
import { sheetWithNews, type BoundSheet, type ChangeNotice, type SheetRef } from '../live/events.ts';
import type { WorkbookHost } from './host.ts';

/** One bound table of the workbook, as the pane lists it. */
export interface BlattStatus {
  /** The table's name in the workbook: how the pane names the sheet to the controller. */
  table: string;
  title: string;
  /** The worksheet holding the table. */
  dataSheet: string;
  kind: string;
  scope: string;
  /** Edited cells not yet sent, the ones the rules refuse included. */
  wartend: number;
  konflikte: number;
  fehler: number;
  /** Rows not sent by design, as hints (see SyncStatus.hinweise). */
  hinweise: number;
  /** Why the table cannot be read, in German; null while intact. */
  beschaedigt: string | null;
  /** The sheet the pane works on: Senden, Aktualisieren and the lists below are about it. */
  aktiv: boolean;
}

/** What one sheet of „Alle senden“ or „Alle aktualisieren“ came to. */
export interface BlattErgebnis {
  table: string;
  title: string;
  /** Null for Aktualisieren, and for a sheet that failed. */
  summary: PushSummary | null;
  /** Why the sheet could not be sent or updated, in German; the other sheets went on. */
  fehler: string | null;
}

/**
 * The status of the sheet the pane works on (the active one), and the list of every bound sheet.
 * With several sheets bound, the fields besides `blaetter` are the active sheet's.
 */
export interface SyncStatus {
  blaetter: BlattStatus[];
  binding: Binding | null;
  konflikte: ZellKonflikt[];
  fehler: ZellFehler[];
  /** Edited cells not yet sent. */
  wartend: number;
  /** When this workbook last exchanged data with the server, as ISO time. */
  letzterAbgleich: string | null;
  /** Rows of the table that are not sent by design (added by hand, pasted from elsewhere, copied), as German hints. */
  hinweise: string[];
  /** Rows „online“ without a Reifegrad, as one German hint: valid, but not OZG-konform. */
  reifegradHinweis: string | null;
  /**
   * Why the bound table cannot be read (renamed or deleted, its id column gone), in German; the
   * pane then offers to rebuild it. Null while the table is intact.
   */
  beschaedigt: string | null;
  /** Why the Konflikte and rejected cells could not be marked in the sheet, in German; the pane still lists them. */
  markierung: string | null;
}

export interface PushSummary {
  gesendet: number;
  uebernommen: number;
  konflikte: number;
  abgelehnt: number;
  ungueltig: number;
}

const countCells = (changes: PushChange[]) => changes.reduce((n, change) => n + Object.keys(change.set).length, 0);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const NO_UPDATE: TableUpdate = { cells: [], append: [], remove: [], deletedWithEdits: [] };
const RETRIES = 3;

/** Network failures and server errors are retried with the same idempotency key: the server applies a push once. */
async function withRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const transient = error instanceof ApiError && (error.status === 0 || error.status >= 500);
      if (!transient || n >= RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** n));
    }
  }
}

/** One bound table and what the pane knows of it. */
interface Blatt {
  binding: Binding;
  state: SyncState;
  lastSync: string | null;
  markierung: string | null;
}

/**
 * The sync workflow of the task pane: pull, push, refresh and settling Konflikte, on top of the
 * pure sync logic, for each table bound in the workbook. The operations work on the active sheet
 * (`aktiv`); those for all sheets make each one active in turn, one after another.
 */
export class SyncController {
  private blaetter: Blatt[] = [];
  private aktiv: Blatt | null = null;
  /**
   * The pane's own operations run one after another: a recount on focus or a live refresh while a
   * push is under way would otherwise read and save the base between the push's steps.
   */
  private queue: Promise<unknown> = Promise.resolve();
  /** Which of the other sheets the next check by the clock looks at (see zuPruefen). */
  private reihum = 0;

  constructor(
    private readonly api: Api,
    private readonly host: WorkbookHost,
    private readonly server: string,
  ) {}

  private get binding(): Binding | null {
    return this.aktiv?.binding ?? null;
  }

  private set binding(binding: Binding) {
    this.requireActive().binding = binding;
  }

  private get state(): SyncState {
    return this.aktiv?.state ?? emptyState();
  }

  private set state(state: SyncState) {
    this.requireActive().state = state;
  }

  private get lastSync(): string | null {
    return this.aktiv?.lastSync ?? null;
  }

  private set lastSync(time: string) {
    this.requireActive().lastSync = time;
  }

  private get markierung(): string | null {
    return this.aktiv?.markierung ?? null;
  }

  private set markierung(text: string | null) {
    this.requireActive().markierung = text;
  }

  open(): Promise<SyncStatus> {
    return this.exclusive(async () => {
      const loaded = await this.host.load();
      this.blaetter = loaded.map(({ binding, state }) => ({ binding, state, lastSync: binding.syncedAt ?? null, markierung: null }));
      this.aktiv = this.blaetter[0] ?? null;
      return this.currentStatus();
    });
  }

  /** Makes another bound sheet the active one, and shows it in Excel. */
  waehle(table: string): Promise<SyncStatus> {
    return this.exclusive(async () => {
      const blatt = this.blaetter.find((b) => b.binding.table === table);
      if (!blatt) throw new ApiError(0, 'unbound', 'Dieses Blatt ist in der Arbeitsmappe nicht mehr verbunden.');
      this.aktiv = blatt;
      // Only for the eye: a sheet Excel cannot show (its table renamed) is still the pane's to repair.
      await this.host.showSheet(blatt.binding).catch(() => {});
      return this.currentStatus();
    });
  }

  /** What the pane shows: the binding, open items and how many edits wait, read from the workbook now. */
  status(): Promise<SyncStatus> {
    return this.exclusive(() => this.currentStatus());
  }

  private async currentStatus(): Promise<SyncStatus> {
    const active = this.aktiv;
    const blaetter: BlattStatus[] = [];
    let own: SyncStatus | undefined;
    for (const blatt of this.blaetter) {
      this.aktiv = blatt;
      const one = await this.activeStatus();
      if (blatt === active) own = one;
      blaetter.push({
        table: blatt.binding.table,
        title: blatt.binding.title,
        dataSheet: blatt.binding.dataSheet,
        kind: blatt.binding.kind,
        scope: blatt.binding.scope,
        wartend: one.wartend,
        konflikte: one.konflikte.length,
        fehler: one.fehler.length,
        hinweise: one.hinweise.length,
        beschaedigt: one.beschaedigt,
        aktiv: blatt === active,
      });
    }
    this.aktiv = active;
    return { ...(own ?? (await this.activeStatus())), blaetter };
  }

  private async activeStatus(): Promise<SyncStatus> {
    const status: SyncStatus = {
      blaetter: [],
      binding: this.binding,
      konflikte: this.state.konflikte,
      fehler: this.state.fehler,
      wartend: 0,
      letzterAbgleich: this.lastSync,
      hinweise: [],
      reifegradHinweis: null,
      beschaedigt: null,
      markierung: this.markierung,
    };
    if (!this.binding) return status;
    let table: TableRow[];
    try {
      table = await this.read(this.binding);
    } catch (error) {
      return { ...status, beschaedigt: message(error) };
    }
    const diff = diffTable(this.state.columns, this.state.base, table);
    return {
      ...status,
      wartend: countCells(diff.changes),
      hinweise: rowHints({ columns: this.state.columns, snapshot: this.state.base, diff, rows: table, line: () => undefined }),
      reifegradHinweis: reifegradHinweis(this.onlineOhneReifegrad(table)),
    };
  }

  /** The Leistungen of the table that read „online“ without a Reifegrad, as typed, sent or not. */
  private onlineOhneReifegrad(table: TableRow[]): string[] {
    const { columns } = this.state;
    const status = columns.find((c) => c.key === 'status');
    const reifegrad = columns.find((c) => c.key === 'reifegrad');
    if (!status || !reifegrad) return [];
    return table.flatMap((row) => {
      const read = (column: typeof status) => {
        const cell = row.values[column.key];
        const parsed = cell === undefined ? undefined : readCell(column, cell);
        return parsed?.ok ? parsed.value : undefined;
      };
      const values = { status: read(status), reifegrad: read(reifegrad) };
      if (!onlineOhneReifegrad(values)) return [];
      return [String(row.values.leistung ?? valueAt(this.state.base.get(row.id)?.values ?? {}, 'leistung') ?? row.id)];
    });
  }

  /**
   * Abrufen: the whole scope. Into the table already bound to that sheet (kind and scope) it is
   * merged like a refresh, so unsent edits, the user's own columns and their formulas stay; any
   * other sheet is added to the workbook beside the bound ones. Either becomes the active sheet.
   */
  pull(kind: string, scope: string, title: string): Promise<SyncStatus> {
    return this.exclusive(async () => {
      const bound = this.blaetter.find((blatt) => blatt.binding.kind === kind && blatt.binding.scope === scope);
      const pull = await this.api.pull(kind, scope);
      if (bound) {
        this.aktiv = bound;
        const intact = await this.read(bound.binding).then(
          () => true,
          () => false,
        );
        // "Bitte rufen Sie die Tabelle neu ab", says a damaged table: so Abrufen rebuilds it.
        if (!intact) await this.rebuild(bound.binding);
        await this.merge(this.requireBinding(), pull, { full: true });
        return this.currentStatus();
      }
      const { state } = mergePull(emptyState(), [], pull, { full: true });
      const syncedAt = new Date().toISOString();
      const next = { kind, scope, title, server: this.server, cursor: state.cursor ?? pull.cursor, columns: pull.columns, syncedAt };
      const blatt: Blatt = { binding: await this.host.writeSheet(pull, next, state), state, lastSync: syncedAt, markierung: null };
      this.blaetter.push(blatt);
      this.aktiv = blatt;
      // The new sheet carries no marks yet, and a full pull into it opens no Konflikt.
      if (state.konflikte.length + state.fehler.length > 0) await this.mark(blatt.binding);
      return this.currentStatus();
    });
  }

  /**
   * Tabelle neu aufbauen, for a table the user renamed, deleted or took the id column from: the
   * sheet is written again from the snapshot, the edits of rows whose id is still intact go back
   * into their cells, and a full pull is merged as Abrufen merges it. So unsent edits stay unsent,
   * and a cell changed meanwhile on the server too becomes a Konflikt instead of being overwritten.
   * Gives how many edited cells could not be matched to their row.
   */
  repair(): Promise<{ status: SyncStatus; gerettet: number; verloren: boolean }> {
    return this.exclusive(async () => {
      const binding = this.requireBinding();
      const { gerettet, verloren } = await this.rebuild(binding);
      const pull = await this.api.pull(binding.kind, binding.scope);
      await this.merge(this.binding!, pull, { full: true });
      return { status: await this.currentStatus(), gerettet, verloren };
    });
  }

  private async rebuild(binding: Binding): Promise<{ gerettet: number; verloren: boolean }> {
    const rescued = await this.host.rescueTable(binding).catch(() => null);
    const cells = rescued ? this.editedCells(rescued) : [];
    const snapshot: PullResponse = {
      kind: binding.kind,
      scope: binding.scope,
      columns: this.state.columns,
      rows: [...this.state.base].map(([id, row]) => ({ id, version: row.version, values: row.values })),
      deleted: [],
      cursor: this.state.cursor ?? binding.cursor,
    };
    // The host places the new table itself: the binding's old sheet and table names are replaced.
    const rebuilt = await this.host.writeSheet(snapshot, binding);
    await this.host.applyTableUpdate(rebuilt, { ...NO_UPDATE, cells });
    this.state = { ...this.state, konflikte: this.state.konflikte.filter((k) => this.state.base.has(k.id)) };
    await this.commit(rebuilt, this.state);
    return { gerettet: cells.length, verloren: rescued === null };
  }

  /** The cells a table holds beyond the snapshot, as typed (also those the server would refuse), for rows with a unique, known id. */
  private editedCells(table: TableRow[]): CellUpdate[] {
    const count = new Map<string, number>();
    for (const row of table) count.set(row.id, (count.get(row.id) ?? 0) + 1);
    return table.flatMap((row) => {
      const base = this.state.base.get(row.id);
      if (!base || count.get(row.id) !== 1) return [];
      return this.state.columns.flatMap((column) => {
        if (!column.editable || !Object.hasOwn(row.values, column.key)) return [];
        const typed = row.values[column.key]!;
        const parsed = fromCell(column, typed);
        return parsed.ok && sameCellValue(parsed.value, valueAt(base.values, column.key)) ? [] : [{ id: row.id, key: column.key, value: typed }];
      });
    });
  }

  /** Aktualisieren: the server's changes since the last sync, keeping every unsent local edit. */
  refresh(): Promise<SyncStatus> {
    return this.exclusive(async () => {
      await this.refreshActive();
      return this.currentStatus();
    });
  }

  private async refreshActive(): Promise<void> {
    const binding = this.requireBinding();
    await this.merge(binding, await this.api.pull(binding.kind, binding.scope, this.state.cursor ?? undefined), { full: false });
  }

  /**
   * „Alle aktualisieren“: Aktualisieren for every bound sheet in turn. A sheet that fails (its
   * table deleted, say) is reported with its reason, and the others go on.
   */
  refreshAll(onProgress: (done: number, total: number) => void = () => {}): Promise<{ status: SyncStatus; blaetter: BlattErgebnis[] }> {
    return this.exclusive(async () => {
      const ergebnisse = await this.eachSheet(async (_blatt, index, total) => {
        onProgress(index, total);
        await this.refreshActive();
        return null;
      });
      onProgress(this.blaetter.length, this.blaetter.length);
      return { status: await this.currentStatus(), blaetter: ergebnisse };
    });
  }

  /** Runs `step` with each bound sheet active in turn, then makes the one active before active again. */
  private async eachSheet(step: (blatt: Blatt, index: number, total: number) => Promise<PushSummary | null>): Promise<BlattErgebnis[]> {
    const active = this.aktiv;
    const ergebnisse: BlattErgebnis[] = [];
    try {
      for (const [index, blatt] of this.blaetter.entries()) {
        this.aktiv = blatt;
        const named = { table: blatt.binding.table, title: blatt.binding.title };
        try {
          ergebnisse.push({ ...named, summary: await step(blatt, index, this.blaetter.length), fehler: null });
        } catch (error) {
          ergebnisse.push({ ...named, summary: null, fehler: message(error) });
        }
      }
    } finally {
      this.aktiv = active;
    }
    return ergebnisse;
  }

  private async merge(binding: Binding, pull: PullResponse, { full }: { full: boolean }): Promise<void> {
    const table = await this.read(binding);
    const { state, update } = mergePull(this.state, table, pull, { full });
    await this.host.applyTableUpdate(binding, update);
    await this.commit({ ...binding, cursor: pull.cursor, columns: pull.columns }, state);
    await this.mark(binding);
  }

  /**
   * How many rows others have changed since the last sync, without touching the table. Rows this
   * workbook pushed itself come back from the cursor too, but their version is already in the base.
   */
  async serverChanges(): Promise<number> {
    return (await this.serverNews()).anzahl;
  }

  /**
   * The same count, and whether Aktualisieren could bring those rows in by itself: not when an
   * unsent edit sits in a cell the server changed too (that would become a Konflikt), nor in a row
   * the server deleted, nor while the table cannot be read.
   */
  serverNews(sheet?: SheetRef): Promise<{ anzahl: number; ohneKonflikt: boolean }> {
    return this.exclusive(async () => {
      if (!sheet) return this.activeNews();
      const blatt = this.blaetter.find((b) => b.binding.kind === sheet.kind && b.binding.scope === sheet.scope);
      // Unbound meanwhile: nothing of it is in the workbook to be new against.
      if (!blatt) return { anzahl: 0, ohneKonflikt: true };
      const active = this.aktiv;
      this.aktiv = blatt;
      try {
        return await this.activeNews();
      } finally {
        this.aktiv = active;
      }
    });
  }

  private async activeNews(): Promise<{ anzahl: number; ohneKonflikt: boolean }> {
    const binding = this.requireBinding();
    if (!this.state.cursor) return { anzahl: 0, ohneKonflikt: true };
    const pull = await this.api.pull(binding.kind, binding.scope, this.state.cursor);
    const newer = pull.rows.filter((row) => row.version > (this.state.base.get(row.id)?.version ?? -1));
    const deleted = pull.deleted.filter((id) => this.state.base.has(id));
    const anzahl = newer.length + deleted.length;
    if (!anzahl) return { anzahl, ohneKonflikt: true };
    const table = await this.read(binding).catch(() => null);
    if (!table) return { anzahl, ohneKonflikt: false };
    const edits = diffTable(this.state.columns, this.state.base, table).changes;
    const server = new Map(newer.map((row) => [row.id, row.values]));
    const kollidiert = edits.some(
      (edit) =>
        deleted.includes(edit.id) ||
        Object.keys(edit.set).some((key) => {
          const values = server.get(edit.id);
          return values !== undefined && !sameCellValue(valueAt(values, key), edit.base[key]);
        }),
    );
    return { anzahl, ohneKonflikt: !kollidiert };
  }

  /** Every bound sheet with the cursor of its last pull: what the workbook's one live stream listens to. */
  get gebunden(): BoundSheet[] {
    return this.blaetter.map(({ binding, state }) => ({ kind: binding.kind, scope: binding.scope, cursor: state.cursor ?? binding.cursor ?? null }));
  }

  /** The sheet the operations work on, by kind and scope. */
  get aktivesBlatt(): SheetRef | null {
    return this.binding && { kind: this.binding.kind, scope: this.binding.scope };
  }

  /** The bound sheet a live notice is news for, or null when none is or its last pull already saw it. */
  betroffen(notice: ChangeNotice): SheetRef | null {
    const sheet = sheetWithNews(notice, this.gebunden);
    return sheet ? { kind: sheet.kind, scope: sheet.scope } : null;
  }

  /**
   * The sheets a check by the clock (without a live stream) looks at: the active one each time, and
   * of the others one in turn. So a workbook asks at most twice per check however many sheets it
   * binds, and every other sheet comes round within as many checks as there are.
   */
  zuPruefen(): SheetRef[] {
    const active = this.aktivesBlatt;
    if (!active) return [];
    const others = this.blaetter.filter((blatt) => blatt !== this.aktiv);
    if (!others.length) return [active];
    const next = others[this.reihum++ % others.length]!.binding;
    return [active, { kind: next.kind, scope: next.scope }];
  }

  /** Senden: only the cells changed since the last sync, in chunks small enough for Excel on the web. */
  push(onProgress: (done: number, total: number) => void = () => {}): Promise<PushSummary> {
    return this.exclusive(() => this.pushActive(onProgress));
  }

  /**
   * „Alle senden“: Senden for every bound sheet in turn, with one progress over the rows of all
   * of them. A sheet that fails (no right to write it, its table deleted) is reported with its
   * reason, and the others are sent all the same.
   */
  pushAll(onProgress: (done: number, total: number) => void = () => {}): Promise<{ status: SyncStatus; blaetter: BlattErgebnis[] }> {
    return this.exclusive(async () => {
      const waiting = await this.eachSheet(async () => {
        const table = await this.read(this.requireBinding());
        return { gesendet: diffTable(this.state.columns, this.state.base, table).changes.length, uebernommen: 0, konflikte: 0, abgelehnt: 0, ungueltig: 0 };
      });
      let total = waiting.reduce((n, sheet) => n + (sheet.summary?.gesendet ?? 0), 0);
      let before = 0;
      onProgress(0, total);
      const ergebnisse = await this.eachSheet(async () => {
        const offset = before;
        const summary = await this.pushActive((done, rows) => {
          // A row typed since the count is sent too: the bar grows instead of running past its end.
          total = Math.max(total, offset + rows);
          onProgress(offset + done, total);
        });
        before += summary.gesendet;
        return summary;
      });
      onProgress(total, total);
      return { status: await this.currentStatus(), blaetter: ergebnisse };
    });
  }

  private async pushActive(onProgress: (done: number, total: number) => void): Promise<PushSummary> {
    const binding = this.requireBinding();
    const table = await this.read(binding);
    const diff = diffTable(this.state.columns, this.state.base, table);
    const markedBefore = this.state.konflikte.length + this.state.fehler.length > 0;
    const withInvalid = (state: SyncState): SyncState => ({
      ...state,
      fehler: [...state.fehler.filter((f) => !diff.invalid.some((i) => i.id === f.id)), ...diff.invalid],
    });
    let summary: PushSummary;
    if (diff.changes.length === 0) {
      if (diff.readOnlyEdits.length) await this.host.applyTableUpdate(binding, { ...NO_UPDATE, cells: diff.readOnlyEdits });
      summary = { gesendet: 0, uebernommen: 0, konflikte: 0, abgelehnt: 0, ungueltig: 0 };
      await this.commit(binding, withInvalid(this.state));
    } else {
      // The read-only cells put back go with the first chunk's writes, the cells the server will
      // never see with the last chunk's save: so a push of one chunk reads once before and once after.
      summary = await this.send(binding, diff.changes, onProgress, { revert: diff.readOnlyEdits, last: withInvalid }).catch(async (error: unknown) => {
        // What the server accepted before a later chunk failed is in the state already: it is saved all the same.
        await this.commit(binding, this.state);
        throw error;
      });
    }
    if (markedBefore || this.state.konflikte.length + this.state.fehler.length > 0) await this.mark(binding);
    return { ...summary, ungueltig: diff.invalid.length };
  }

  private async send(
    binding: Binding,
    changes: PushChange[],
    onProgress: (done: number, total: number) => void,
    { revert = [], last = (state) => state }: { revert?: CellUpdate[]; last?: (state: SyncState) => SyncState } = {},
  ): Promise<PushSummary> {
    const summary = { gesendet: 0, uebernommen: 0, konflikte: 0, abgelehnt: 0, ungueltig: 0 };
    const chunks = chunkChanges(changes, { scope: binding.scope, source: 'addin' });
    onProgress(0, changes.length);
    for (const [index, chunk] of chunks.entries()) {
      const idempotencyKey = crypto.randomUUID();
      const response = await withRetry(() =>
        this.api.push(binding.kind, { scope: binding.scope, idempotencyKey, source: 'addin', changes: chunk.changes }),
      );
      // Saved at once, not after the last chunk: a co-author's pane diffing meanwhile would send these rows again.
      this.state = await this.host.settlePush(this.committing(binding, this.state), (table, base) => {
        const applied = applyPushResults({ ...this.state, base }, table, response.results);
        return { state: index === chunks.length - 1 ? last(applied.state) : applied.state, cells: index === 0 ? [...revert, ...applied.cells] : applied.cells };
      });
      for (const result of response.results) {
        if (result.outcome === 'applied' || result.outcome === 'unchanged') summary.uebernommen++;
        else if (result.outcome === 'conflict') summary.konflikte++;
        else summary.abgelehnt++;
      }
      summary.gesendet += chunk.changes.length;
      onProgress(summary.gesendet, changes.length);
    }
    return summary;
  }

  /** „Meine behalten“ for one Konflikt, or for all when no address is given. */
  keepMine(address?: CellAddress): Promise<SyncStatus> {
    return this.exclusive(async () => {
      const binding = this.requireBinding();
      const changes: PushChange[] = [];
      for (const target of address ? [address] : [...this.state.konflikte]) {
        const kept = keepMine(this.state, target);
        if (!kept) continue;
        this.state = kept.state;
        changes.push(kept.change);
      }
      // The settled base goes to the workbook first: sending reads the base back from there.
      await this.commit(binding, this.state);
      await this.send(binding, changes, () => {}).finally(() => this.commit(binding, this.state));
      await this.mark(binding);
      return this.currentStatus();
    });
  }

  /** „Server übernehmen“ for one Konflikt, or for all when no address is given. */
  takeTheirs(address?: CellAddress): Promise<SyncStatus> {
    return this.exclusive(async () => {
      const binding = this.requireBinding();
      const cells: CellUpdate[] = [];
      for (const target of address ? [address] : [...this.state.konflikte]) {
        const taken = takeTheirs(this.state, target);
        if (!taken) continue;
        this.state = taken.state;
        cells.push(taken.cell);
      }
      await this.host.applyTableUpdate(binding, { ...NO_UPDATE, cells });
      await this.commit(binding, this.state);
      await this.mark(binding);
      return this.currentStatus();
    });
  }

  /** How a row is named in the pane: its OZG-ID and Leistung. */
  /** How the pane names a row, as the server's import and result file do. */
  rowLabel(id: string): string {
    return rowLabel(this.state.columns, this.state.base.get(id)?.values, id);
  }

  get columns() {
    return this.state.columns;
  }

  async select(address: CellAddress): Promise<void> {
    await this.host.selectCell(this.requireBinding(), address);
  }

  /** The table, and the base as the workbook holds it now, which may include a co-author's pane's pushes and pulls. */
  private async read(binding: Binding): Promise<TableRow[]> {
    const { rows, base } = await this.host.readTable(binding);
    this.state = { ...this.state, base };
    return rows;
  }

  /**
   * Marks are for the eye only: when Excel refuses one (a note on a cell that holds a user's
   * threaded comment, say), the sync has happened and is saved, and the pane lists every Konflikt
   * and rejected cell itself, so the failure is reported, not thrown.
   */
  private async mark(binding: Binding) {
    try {
      await this.host.markCells(binding, this.state.konflikte, this.state.fehler);
      this.markierung = null;
    } catch (error) {
      this.markierung = `Die Markierungen in der Tabelle ließen sich nicht setzen (${message(error)}). Gesendet und gespeichert ist alles; die offenen Punkte stehen hier im Aufgabenbereich.`;
    }
  }

  private async commit(binding: Binding, state: SyncState) {
    this.state = state;
    await this.host.save(this.committing(binding, state), state);
  }

  /** The binding as saved now: the cursor of the state, and the time of this exchange. */
  private committing(binding: Binding, state: SyncState): Binding {
    this.lastSync = new Date().toISOString();
    this.binding = { ...binding, cursor: state.cursor ?? binding.cursor, syncedAt: this.lastSync };
    return this.binding;
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation, operation);
    this.queue = run.catch(() => {});
    return run;
  }

  private requireActive(): Blatt {
    if (!this.aktiv) throw new ApiError(0, 'unbound', 'Diese Arbeitsmappe ist noch mit keiner Tabelle verbunden. Rufen Sie zuerst eine Tabelle ab.');
    return this.aktiv;
  }

  private requireBinding(): Binding {
    if (!this.binding) throw new ApiError(0, 'unbound', 'Diese Arbeitsmappe ist noch mit keiner Tabelle verbunden. Rufen Sie zuerst eine Tabelle ab.');
    return this.binding;
  }
}
