import type { MeResponse } from '../api/client.ts';

/**
 * Whether the person may send changes to a sheet, as /api/me tells: the kinds of which they may
 * change every sheet, and single sheets besides (the database's intern.darf_schreiben decides both).
 * The server refuses every other push anyway; the pane only stops offering what would be refused.
 */
export function darfAendern(me: MeResponse, kind: string, scope: string): boolean {
  return me.darfAlleAendern.includes(kind) || me.schreibrechte.some((r) => r.kind === kind && r.scope === scope);
}
