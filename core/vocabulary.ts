/**
 * Fixed vocabularies the code branches on. The database holds them too (an enum type, a check
 * constraint); tests/server/db/vocabulary.test.ts fails when the two differ.
 */

/** Where a logged change came from (public.aenderung.quelle). */
export const QUELLEN = ['addin', 'xlsx', 'api', 'sql', 'revert', 'import'] as const;
export type Quelle = (typeof QUELLEN)[number];

/** The sources a client names when it pushes; the others are the server's own writes and SQL. */
export const PUSH_QUELLEN = ['addin', 'xlsx', 'api'] as const satisfies readonly Quelle[];
export type PushQuelle = (typeof PUSH_QUELLEN)[number];

/** A member's role (public.mitglied_rolle). */
export const ROLLEN = ['admin', 'koordination', 'kommune', 'dienstleister'] as const;
export type Rolle = (typeof ROLLEN)[number];
