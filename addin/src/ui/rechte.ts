import type { MeResponse } from '../api/client.ts';

/**
 * Whether the person may send changes to a sheet, as /api/me tells: it lists every sheet its
 * member may change (server/auth/caller.ts mayWrite decides), and admins may change all of them.
 * The server refuses every other push anyway; the pane only stops offering what would be refused.
 */
export function darfAendern(me: MeResponse, kind: string, scope: string): boolean {
  return me.mitgliedschaften.some((m) => m.rolle === 'admin') || me.schreibrechte.some((r) => r.kind === kind && r.scope === scope);
}
