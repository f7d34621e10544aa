/**
 * A cursor is the PostgreSQL snapshot (xmin:xmax:in-progress ids) the pull read from. A row
 * belongs in the next delta exactly when its last writing transaction is not visible in that
 * snapshot, including transactions that were still running during the pull and committed later.
 * Sequences or timestamps would miss those: they are not commit-ordered.
 */
const SNAPSHOT = /^(\d{1,20}):(\d{1,20}):((?:\d{1,20})(?:,\d{1,20})*)?$/;
/** pg_snapshot's input refuses transaction ids of 0 and above the signed 64-bit range. */
const LARGEST_XID = 2n ** 63n - 1n;

export function isValidCursor(cursor: string): boolean {
  const match = SNAPSHOT.exec(cursor);
  if (!match) return false;
  const xmin = BigInt(match[1]!);
  const xmax = BigInt(match[2]!);
  const running = match[3] ? match[3].split(',').map(BigInt) : [];
  return xmin >= 1n && xmin <= xmax && xmax <= LARGEST_XID && running.every((xid, i) => xid >= xmin && xid < xmax && (i === 0 || xid > running[i - 1]!));
}
