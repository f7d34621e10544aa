import type { PushChange, PushRequest } from './types.ts';

export interface ChunkLimits {
  maxChanges: number;
  /** UTF-8 bytes of the whole serialized request body. */
  maxBytes: number;
}

/**
 * The server takes 10,000 changes and 10 MB per push, but Excel on the web refuses Office.js
 * payloads over 5 MB, so the add-in stays below 4 MB.
 */
export const ADDIN_PUSH_LIMITS: ChunkLimits = { maxChanges: 10_000, maxBytes: 4_000_000 };

export interface Chunk {
  changes: PushChange[];
  /** A single change that alone exceeds maxBytes; the server may refuse it. */
  oversized: boolean;
}

// Every chunk is sent under its own idempotency key (the server answers 409 to a key reused with
// other content), and all UUIDs serialize to the same 36 ASCII bytes.
const UUID_PLACEHOLDER = '00000000-0000-0000-0000-000000000000';
const encoder = new TextEncoder();
const byteLength = (json: string) => encoder.encode(json).length;

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
