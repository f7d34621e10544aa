import type { SignInDialog } from '../office/dialog.ts';
import { createApi } from './client.ts';
import { localAnmeldung } from './session.ts';
import type { supabaseAnmeldung } from './supabase-session.ts';

export type AnyAnmeldung = ReturnType<typeof localAnmeldung> | ReturnType<typeof supabaseAnmeldung>;

/**
 * How people sign in at this server, as its /api/config says: the task pane and the web app start the same way, only
 * Microsoft's page differs: Office's dialog in the pane, the web app's own window in the browser (`web`). A string is
 * what to tell the user instead.
 */
export async function serverAnmeldung(
  server: string,
  microsoft: () => SignInDialog | null,
  { web = false }: { web?: boolean } = {},
): Promise<AnyAnmeldung | string> {
  const anonymous = createApi(server, async () => null);
  const config = await anonymous.config();
  if (config.mode === 'local') return localAnmeldung(() => anonymous);
  if (!(config.supabaseUrl && config.supabaseAnonKey)) {
    return 'Der Server ist für die Anmeldung über Supabase noch nicht eingerichtet (SUPABASE_URL und SUPABASE_ANON_KEY fehlen).';
  }
  const { supabaseAnmeldung } = await import('./supabase-session.ts');
  return supabaseAnmeldung(
    config.supabaseUrl,
    config.supabaseAnonKey,
    web ? { web: { microsoft: Boolean(config.microsoft) } } : { microsoft: config.microsoft ? microsoft() : null },
  );
}
