import type { Database, Unlisten } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { SheetKindName } from '../sync/sheets.ts';

/** The channel intern.aenderungen_protokollieren() notifies on, once per statement and sheet. */
export const CHANGE_CHANNEL = 'ozg_aenderung';

export interface SheetRef {
  kind: SheetKindName;
  scope: string;
}

/** What a notification says: which sheet changed and in which transaction, never a value. */
export interface ChangeNotice extends SheetRef {
  txid: string;
}

export interface LiveLimits {
  /** Open streams one member (by email) may hold on this process, e.g. several workbooks and the web app. */
  perMember: number;
  /** Open streams this process holds in all. */
  perProcess: number;
}

export interface LiveSubscriber {
  /** A change to one of the subscribed sheets; id only grows within this process. */
  change(notice: ChangeNotice, id: number): void;
  /** The database connection that listens was lost and is back: notices in between are lost, so pull once. */
  resync(id: number): void;
  /** The process shuts down: end the stream so that the client reconnects to another process. */
  end(): void;
}

export interface LiveSubscription {
  close(): void;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = { perMember: 10, perProcess: 2_000 };

/** The scope of a notice that stands for every open sheet of its kind (migration 20261202160000). */
const ALL_SCOPES = '*';

const sheetKey = (kind: string, scope: string) => `${kind}\u0000${scope}`;

function parseNotice(payload: string): ChangeNotice | undefined {
  try {
    const notice = JSON.parse(payload) as Partial<ChangeNotice>;
    if (typeof notice.kind === 'string' && typeof notice.scope === 'string' && typeof notice.txid === 'string') {
      return { kind: notice.kind as SheetKindName, scope: notice.scope, txid: notice.txid };
    }
  } catch {
    // Someone else's NOTIFY on our channel (plain SQL can send anything): not ours to act on.
  }
  return undefined;
}

/**
 * One LISTEN per server process, fanned out in memory to every open stream of a sheet, so that a
 * thousand open sheets cost one database connection, not a thousand. LISTEN starts with the first
 * stream; processes that never serve a stream hold no listening connection.
 */
export class LiveHub {
  private readonly bySheet = new Map<string, Set<LiveSubscriber>>();
  private readonly perMember = new Map<string, number>();
  private readonly all = new Set<LiveSubscriber>();
  private listening: Promise<Unlisten> | undefined;
  private everListened = false;
  private lastId = 0;

  constructor(
    private readonly db: Database,
    readonly limits: LiveLimits,
  ) {}

  get openStreams(): number {
    return this.all.size;
  }

  /** The id of the latest event sent, so that a new stream starts after it. */
  get currentId(): number {
    return this.lastId;
  }

  /** Answers 429 when the member or the process holds as many streams as allowed. */
  checkLimits(email: string): void {
    if ((this.perMember.get(email) ?? 0) >= this.limits.perMember) {
      throw new AppError(
        'too_many_requests',
        `Sie haben bereits ${this.limits.perMember} Live-Verbindungen offen (z. B. in mehreren Arbeitsmappen). Schließen Sie eine, oder aktualisieren Sie die Tabelle von Hand.`,
        { limit: 'member', max: this.limits.perMember },
      );
    }
    if (this.all.size >= this.limits.perProcess) {
      throw new AppError(
        'too_many_requests',
        'Der Server hält gerade so viele Live-Verbindungen, wie er kann. Die Tabelle fragt stattdessen regelmäßig nach Änderungen; versuchen Sie es später erneut.',
        { limit: 'process', max: this.limits.perProcess },
      );
    }
  }

  /** Subscribes to the sheets once LISTEN is in place, so that nothing committed after this resolves is missed. */
  async subscribe(email: string, sheets: SheetRef[], subscriber: LiveSubscriber): Promise<LiveSubscription> {
    this.checkLimits(email);
    this.all.add(subscriber);
    this.perMember.set(email, (this.perMember.get(email) ?? 0) + 1);
    const keys = [...new Set(sheets.map((s) => sheetKey(s.kind, s.scope)))];
    for (const key of keys) {
      let set = this.bySheet.get(key);
      if (!set) this.bySheet.set(key, (set = new Set()));
      set.add(subscriber);
    }
    let closed = false;
    const subscription = {
      close: () => {
        if (closed) return;
        closed = true;
        this.all.delete(subscriber);
        const left = (this.perMember.get(email) ?? 1) - 1;
        if (left) this.perMember.set(email, left);
        else this.perMember.delete(email);
        for (const key of keys) {
          const set = this.bySheet.get(key);
          set?.delete(subscriber);
          if (set && !set.size) this.bySheet.delete(key);
        }
      },
    };
    try {
      await this.listen();
    } catch (error) {
      subscription.close();
      throw error;
    }
    return subscription;
  }

  private listen(): Promise<Unlisten> {
    this.listening ??= this.db
      .listen(CHANGE_CHANNEL, (payload) => this.notify(payload), () => this.listened())
      .catch((error: unknown) => {
        this.listening = undefined;
        throw new AppError('unavailable', 'Die Live-Verbindung zur Datenbank steht gerade nicht. Die Tabelle fragt stattdessen regelmäßig nach Änderungen.', {
          cause: String(error),
        });
      });
    return this.listening;
  }

  private listened() {
    if (!this.everListened) {
      this.everListened = true;
      return;
    }
    const id = ++this.lastId;
    for (const subscriber of this.all) subscriber.resync(id);
  }

  private notify(payload: string) {
    const notice = parseNotice(payload);
    if (!notice) return;
    // A Kommune's change is also a change of its Kreis's sheet (kommune-status with the Kreisschlüssel,
    // the AGS's first five digits), told under that sheet's own scope.
    const notices = [notice];
    if (notice.kind === 'kommune-status' && /^\d{8}$/.test(notice.scope)) notices.push({ ...notice, scope: notice.scope.slice(0, 5) });
    // The trigger's bound: a statement over more than 100 Leistungen says "every leistung-kommunen
    // sheet" once (scope *), told here to each open one under its own scope.
    if (notice.kind === 'leistung-kommunen' && notice.scope === ALL_SCOPES) {
      notices.length = 0;
      for (const key of this.bySheet.keys()) {
        const [kind, scope] = key.split('\u0000');
        if (kind === notice.kind && scope !== undefined) notices.push({ ...notice, scope });
      }
    }
    for (const told of notices) {
      const subscribers = this.bySheet.get(sheetKey(told.kind, told.scope));
      if (!subscribers) continue;
      const id = ++this.lastId;
      for (const subscriber of subscribers) subscriber.change(told, id);
    }
  }

  /** Ends every stream (on shutdown) and stops listening. */
  async close(): Promise<void> {
    for (const subscriber of [...this.all]) subscriber.end();
    const listening = this.listening;
    this.listening = undefined;
    if (listening) await (await listening.catch(() => async () => {}))();
  }
}
