/** The SQLSTATE of a database error, from either driver (both expose it as `code`). */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  insufficientPrivilege: '42501',
  /** Text with a NUL character or invalid UTF-8, which PostgreSQL text cannot hold. */
  characterNotInRepertoire: '22021',
  /** \u0000 in JSON text that becomes jsonb. */
  untranslatableCharacter: '22P05',
} as const;
