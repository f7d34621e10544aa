/**
 * Excel on the web refuses a request or a response over 5 MB. Every batch this layer sends stays
 * below 4 MB of values, leaving room for the operations that carry them.
 */
export const MAX_BATCH_BYTES = 4_000_000;
/** Rows per batch at most, so that a sync's work stays bounded even when rows are short. */
export const MAX_BATCH_ROWS = 2_000;
/** Single cells per batch at most; each is a handful of operations. */
export const MAX_BATCH_CELLS = 2_000;
/** What one operation on a single cell costs beyond its value: the range it addresses, the property set. */
export const OPERATION_BYTES = 200;
/** A generous bound on what formatting one column of a run writes: number format, fill, lock, drop-down. */
export const COLUMN_FORMAT_BYTES = 600;

/** The error codes this layer reacts to (Excel.ErrorCodes, which only exists at runtime inside Office). */
export const ITEM_NOT_FOUND = 'ItemNotFound';
export const RESPONSE_TOO_LARGE = 'ResponsePayloadSizeLimitExceeded';

const encoder = new TextEncoder();

export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

export function hasErrorCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * Consecutive runs of at most maxItems items that each fit MAX_BATCH_BYTES as one JSON array
 * (brackets, items, commas), together with `reserved` bytes of whatever else the batch carries.
 * An item alone over the limit runs alone.
 */
export function batches<T>(items: readonly T[], bytesOf: (item: T) => number, maxItems: number, reserved = 0): T[][] {
  const empty = reserved + 2;
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = empty;
  for (const item of items) {
    const size = bytesOf(item);
    if (run.length > 0 && (run.length >= maxItems || bytes + 1 + size > MAX_BATCH_BYTES)) {
      runs.push(run);
      run = [];
      bytes = empty;
    }
    bytes += (run.length > 0 ? 1 : 0) + size;
    run.push(item);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

export function supportsExcelApi(version: string): boolean {
  return Office.context.requirements.isSetSupported('ExcelApi', version);
}

export interface CellBlock {
  sheet: Excel.Worksheet;
  top: number;
  left: number;
  rowCount: number;
  columnCount: number;
}

/**
 * The values of blocks of cells, read in runs of rows sized so that each answer stays below
 * MAX_BATCH_BYTES: the first run is a guess, later ones follow the bytes per row seen so far, and
 * a sync Excel still refuses as too large halves them. The blocks share their syncs, one per run,
 * so that what a decision needs from several places is read in one piece.
 */
export async function readBlocks(context: Excel.RequestContext, blocks: readonly CellBlock[]): Promise<unknown[][][]> {
  const read = blocks.map((block) => ({ block, rows: [] as unknown[][], runLength: MAX_BATCH_ROWS }));
  for (;;) {
    const open = read.filter(({ block, rows }) => rows.length < block.rowCount);
    if (open.length === 0) return read.map(({ rows }) => rows);
    const runs = open.map((part) => {
      const { block, rows } = part;
      const count = Math.min(part.runLength, block.rowCount - rows.length);
      return { part, count, range: block.sheet.getRangeByIndexes(block.top + rows.length, block.left, count, block.columnCount).load('values') };
    });
    try {
      await context.sync();
    } catch (error) {
      if (!hasErrorCode(error, RESPONSE_TOO_LARGE) || runs.every(({ count }) => count === 1)) throw error;
      for (const { part, count } of runs) part.runLength = Math.ceil(count / 2);
      continue;
    }
    const share = MAX_BATCH_BYTES / runs.length;
    for (const { part, count, range } of runs) {
      part.rows.push(...range.values);
      const bytesPerRow = Math.max(1, jsonBytes(range.values) / count);
      part.runLength = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(share / bytesPerRow)));
    }
  }
}

/** The values of one block of cells, as readBlocks reads them. */
export async function readCells(
  context: Excel.RequestContext,
  sheet: Excel.Worksheet,
  block: { top: number; left: number; rowCount: number; columnCount: number },
): Promise<unknown[][]> {
  const [rows] = await readBlocks(context, [{ sheet, ...block }]);
  return rows!;
}

/** A sync as a task sharing its context sees it. */
export type Sync = () => Promise<void>;

/**
 * Lets tasks on one context share their syncs, so that independent writes (cells of the table,
 * rows of the binding sheet) go to Excel in one round trip: each task's sync() waits until every
 * task still running has queued its part and called sync() too, then one context.sync() carries
 * them all. A task that needs more rounds than the others goes on alone.
 */
export async function sharingSyncs<T extends unknown[]>(context: Excel.RequestContext, tasks: { [K in keyof T]: (sync: Sync) => Promise<T[K]> }): Promise<T> {
  let running = tasks.length;
  let waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  const flush = () => {
    if (waiting.length === 0 || waiting.length < running) return;
    const released = waiting;
    waiting = [];
    context.sync().then(
      () => released.forEach(({ resolve }) => resolve()),
      (error: unknown) => released.forEach(({ reject }) => reject(error)),
    );
  };
  const sync: Sync = () =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ resolve, reject });
      flush();
    });
  // Settled all before answering: a task that failed must not leave another one writing on.
  const settled = await Promise.allSettled(
    tasks.map(async (task) => {
      try {
        return await task(sync);
      } finally {
        running--;
        flush();
      }
    }),
  );
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as T;
}
