/** What one push may carry; the server refuses more (413), the add-in splits below it (chunk.ts). */
export const PUSH_LIMITS = { changes: 10_000, bytes: 10 * 1024 * 1024 } as const;
