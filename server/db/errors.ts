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

/** Data exceptions (SQLSTATE class 22: values out of range, malformed input) and check violations. */
export const isDataError = (state: string | undefined) => state !== undefined && (state.startsWith('22') || state === SQLSTATE.checkViolation);

/**
 * The column a data error or check violation is about, as far as the database says: the column
 * field, or the column part of a constraint named <table>_<column>_<suffix> as PostgreSQL names
 * column constraints (and as the migrations name theirs).
 */
export function errorColumn(error: unknown): string | undefined {
  const fields = error as { column?: unknown; column_name?: unknown; table?: unknown; table_name?: unknown; constraint?: unknown; constraint_name?: unknown };
  const column = fields.column ?? fields.column_name;
  if (typeof column === 'string' && column) return column;
  const table = fields.table ?? fields.table_name;
  const constraint = fields.constraint ?? fields.constraint_name;
  if (typeof table !== 'string' || typeof constraint !== 'string' || !constraint.startsWith(`${table}_`)) return undefined;
  return /^(.+)_(check|zeichen)$/.exec(constraint.slice(table.length + 1))?.[1];
}
