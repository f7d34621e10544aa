import { PUSH_LIMITS } from './limits.ts';
import type { PushChange, PushRequest } from './types.ts';

export interface ChunkLimits {
  maxChanges: number;
  /** UTF-8 bytes of the whole serialized request body. */
  maxBytes: number;
}

/**
 * As many changes as the server takes, but Excel on the web refuses Office.js payloads over 5 MB,
 * so the add-in stays below 4 MB where the server would take 10.
 */
export const ADDIN_PUSH_LIMITS: ChunkLimits = { maxChanges: PUSH_LIMITS.changes, maxBytes: 4_000_000 };

export interface Chunk {
  changes: PushChange[];
  /** A single change that alone exceeds maxBytes; the server may refuse it. */
  oversized: boolean;
}

// Every chunk is sent under its own idempotency key (the server answers 409 to a key reused with
// other content), and all UUIDs serialize to the same 36 ASCII bytes.
const UUID_PLACEHOLDER = '00000000-0000-0000-0000-000000000000';

/** UTF-8 length, counted here so that the core needs no platform API. A lone surrogate counts 3, as its U+FFFD replacement. */
function byteLength(json: string): number {
  let bytes = 0;
  for (const character of json) {
    const code = character.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Splits changes into consecutive chunks that each fit one push request: at most maxChanges
 * changes and at most maxBytes of `JSON.stringify({...envelope, idempotencyKey: <UUID>, changes})`.
 */
export function chunkChanges(
  changes: readonly PushChange[],
  envelope: Omit<PushRequest, 'changes' | 'idempotencyKey'>,
  limits: ChunkLimits = ADDIN_PUSH_LIMITS,
): Chunk[] {
  if (!(limits.maxChanges >= 1)) throw new RangeError('maxChanges must be at least 1');
  // The body is the envelope with an empty list plus each change and a comma between changes.
  const emptyBytes = byteLength(JSON.stringify({ ...envelope, idempotencyKey: UUID_PLACEHOLDER, changes: [] }));
  const chunks: Chunk[] = [];
  let current: PushChange[] = [];
  let bytes = emptyBytes;
  for (const change of changes) {
    const size = byteLength(JSON.stringify(change));
    if (current.length > 0 && (current.length >= limits.maxChanges || bytes + 1 + size > limits.maxBytes)) {
      chunks.push({ changes: current, oversized: false });
      current = [];
      bytes = emptyBytes;
    }
    bytes += (current.length > 0 ? 1 : 0) + size;
    current.push(change);
    if (current.length === 1 && bytes > limits.maxBytes) {
      chunks.push({ changes: current, oversized: true });
      current = [];
      bytes = emptyBytes;
    }
  }
  if (current.length > 0) chunks.push({ changes: current, oversized: false });
  return chunks;
}
