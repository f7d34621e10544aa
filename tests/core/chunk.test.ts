import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADDIN_PUSH_LIMITS, chunkChanges, type PushChange } from '../../core/index.ts';

const RUNS = { numRuns: 200 };
const envelope = { scope: '05315000', source: 'addin' as const };

const bodyBytes = (changes: PushChange[]) =>
  new TextEncoder().encode(JSON.stringify({ ...envelope, idempotencyKey: randomUUID(), changes })).length;

// Lone surrogates too: JSON.stringify escapes them, and the byte count must follow.
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)), maxLength: 20 }));
const change: fc.Arbitrary<PushChange> = fc.record({
  id: fc.uuid(),
  baseVersion: fc.nat(1000),
  base: fc.record({ bemerkung: fc.option(anyText) }),
  set: fc.record({ bemerkung: anyText, weitere_aktivitaeten: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }) }),
});

describe('chunkChanges', () => {
  it('keeps every change in order, fills chunks within both limits, and flags only single oversized changes', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 40 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 150, max: 3000 }), (changes, maxChanges, maxBytes) => {
        const chunks = chunkChanges(changes, envelope, { maxChanges, maxBytes });

        expect(chunks.flatMap((chunk) => chunk.changes)).toEqual(changes);
        chunks.forEach((chunk, i) => {
          expect(chunk.changes.length).toBeGreaterThan(0);
          if (chunk.oversized) {
            expect(chunk.changes).toHaveLength(1);
            expect(bodyBytes(chunk.changes)).toBeGreaterThan(maxBytes);
          } else {
            expect(chunk.changes.length).toBeLessThanOrEqual(maxChanges);
            expect(bodyBytes(chunk.changes)).toBeLessThanOrEqual(maxBytes);
          }
          // Greedy: the next change did not fit any more.
          const next = chunks[i + 1];
          if (next && !chunk.oversized) {
            const grown = [...chunk.changes, next.changes[0]!];
            expect(grown.length > maxChanges || bodyBytes(grown) > maxBytes).toBe(true);
          }
        });
      }),
      RUNS,
    );
  });

  it('fills a chunk up to the exact byte', () => {
    const changes = Array.from({ length: 3 }, (_, i) => ({ id: `id-${i}`, baseVersion: 1, base: { text: null }, set: { text: 'ä'.repeat(10) } }));
    const exact = bodyBytes(changes);
    expect(chunkChanges(changes, envelope, { maxChanges: 10, maxBytes: exact })).toEqual([{ changes, oversized: false }]);
    expect(chunkChanges(changes, envelope, { maxChanges: 10, maxBytes: exact - 1 })).toHaveLength(2);
  });

  it('cuts the add-in default at 10,000 changes and below 4 MB', () => {
    const small = Array.from({ length: 25_000 }, (_, i) => ({ id: String(i), baseVersion: 0, base: { s: null }, set: { s: 'offen' } }));
    expect(chunkChanges(small, envelope).map((chunk) => chunk.changes.length)).toEqual([10_000, 10_000, 5_000]);

    const large = Array.from({ length: 12 }, (_, i) => ({ id: String(i), baseVersion: 0, base: { s: null }, set: { s: 'x'.repeat(1_000_000) } }));
    const chunks = chunkChanges(large, envelope);
    expect(chunks.map((chunk) => chunk.changes.length)).toEqual([3, 3, 3, 3]);
    for (const chunk of chunks) expect(bodyBytes(chunk.changes)).toBeLessThanOrEqual(ADDIN_PUSH_LIMITS.maxBytes);
  });

  it('gives no chunk for no changes', () => {
    expect(chunkChanges([], envelope)).toEqual([]);
  });
});
