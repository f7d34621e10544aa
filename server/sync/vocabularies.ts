import { VOCABULARY_CHANNEL, type Database, type Sql } from '../db/database.ts';
import type { ColumnDef, SheetKind } from './sheets.ts';

type Source = NonNullable<ColumnDef['vocabulary']>;

const sourceKey = (source: Source) => ('enumType' in source ? `enum:${source.enumType}` : `table:${source.table}`);

const sourceSelect = (source: Source, alias: string) =>
  'enumType' in source
    ? `array(select unnest(enum_range(null::public.${source.enumType}))::text) as "${alias}"`
    : `array(select name from public.${source.table} order by name) as "${alias}"`;

/** Sends one statement for the vocabularies of these columns (nothing when there are none), keyed by column. */
export function readVocabularies(tx: Sql, columns: ColumnDef[]): Promise<Record<string, string[]>> {
  const selects = columns.flatMap(({ key, vocabulary }) => (vocabulary ? [sourceSelect(vocabulary, key)] : []));
  if (!selects.length) return Promise.resolve({});
  return tx.query<Record<string, string[]>>(`select ${selects.join(', ')}`).then(([row]) => row ?? {});
}

/**
 * The vocabularies of the sheets' columns, kept by one server process for one database. They are
 * kept only while the process listens on VOCABULARY_CHANNEL, on which every change of them is
 * announced at commit (migration 20261202113000, and the migration runner), so that several
 * processes on one database all forget them. A read that started before a notice is not kept: its
 * snapshot may predate the change. When the listening connection was lost, notices may be too, so
 * everything is forgotten again once it is back.
 */
export class Vocabularies {
  private readonly kept = new Map<string, string[]>();
  private generation = 0;
  private listening: 'no' | 'starting' | 'yes' | 'failed' = 'no';

  constructor(private readonly db: Database) {}

  /** The vocabularies of a sheet's columns, by column key: kept ones without a statement, else all of them in one statement sent now. */
  load(tx: Sql, sheet: SheetKind): Promise<Record<string, string[]>> {
    this.listen();
    const columns = sheet.columns.filter((c) => c.vocabulary);
    if (columns.every((c) => this.kept.has(sourceKey(c.vocabulary!)))) {
      return Promise.resolve(Object.fromEntries(columns.map((c) => [c.key, this.kept.get(sourceKey(c.vocabulary!))!])));
    }
    const generation = this.generation;
    return readVocabularies(tx, columns).then((read) => {
      if (this.listening === 'yes' && generation === this.generation) {
        for (const column of columns) this.kept.set(sourceKey(column.vocabulary!), read[column.key]!);
      }
      return read;
    });
  }

  private forget() {
    this.generation++;
    this.kept.clear();
  }

  private listen() {
    if (this.listening !== 'no') return;
    this.listening = 'starting';
    this.db
      .listen(
        VOCABULARY_CHANNEL,
        () => this.forget(),
        () => {
          this.forget();
          this.listening = 'yes';
        },
      )
      .catch(() => {
        // No notices (e.g. a database that is always rolled back): read them on every request.
        this.forget();
        this.listening = 'failed';
      });
  }
}

const perDatabase = new WeakMap<Database, Vocabularies>();

/** This process's kept vocabularies of a database. */
export function vocabulariesOf(db: Database): Vocabularies {
  let vocabularies = perDatabase.get(db);
  if (!vocabularies) perDatabase.set(db, (vocabularies = new Vocabularies(db)));
  return vocabularies;
}
