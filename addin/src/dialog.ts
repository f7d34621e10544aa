import { createClient } from '@supabase/supabase-js';
import { createApi } from './api/client.ts';
import { reportToPane, type DialogResult } from './office/dialog.ts';

/**
 * The sign-in dialog: the first visit sends the window to Supabase Auth's Azure provider, which returns it here with a
 * code. The PKCE code exchange has to happen in this window, because the verifier supabase-js kept for it lives in this
 * window's storage, which the task pane cannot read
 * (https://learn.microsoft.com/office/dev/add-ins/develop/auth-with-office-dialog-api,
 * https://supabase.com/docs/guides/auth/sessions/pkce-flow).
 */
const STORAGE_KEY = 'ozg-sync.anmeldefenster';
const status = document.getElementById('status')!;

async function signIn(): Promise<DialogResult | null> {
  const config = await createApi(window.location.origin, async () => null).config();
  if (!config.microsoft || !config.supabaseUrl || !config.supabaseAnonKey) {
    return { ok: false, message: 'Der Server bietet keine Anmeldung mit Microsoft an.' };
  }
  const supabase = createClient(config.supabaseUrl, config.supabaseAnonKey, {
    // sessionStorage survives the round trip through Microsoft within this window and ends with it.
    auth: { flowType: 'pkce', storage: window.sessionStorage, storageKey: STORAGE_KEY, autoRefreshToken: false, detectSessionInUrl: false },
  });
  const params = new URLSearchParams(window.location.search);
  const refused = params.get('error_description') ?? params.get('error');
  if (refused) return { ok: false, message: `Die Anmeldung mit Microsoft ist fehlgeschlagen: ${refused}` };

  const code = params.get('code');
  if (!code) {
    const { data, error } = await supabase.auth.signInWithOAuth({
      provider: 'azure',
      // Supabase's Azure guide asks for the email scope: without it Entra ID may send no address, and members are found by it.
      options: { redirectTo: `${window.location.origin}${window.location.pathname}`, scopes: 'email', skipBrowserRedirect: true },
    });
    if (error) return { ok: false, message: `Die Anmeldung mit Microsoft ließ sich nicht beginnen: ${error.message}` };
    status.textContent = 'Weiter zu Microsoft …';
    window.location.assign(data.url);
    return null;
  }
  status.textContent = 'Anmeldung wird abgeschlossen …';
  const { data, error } = await supabase.auth.exchangeCodeForSession(code);
  // The pane keeps the session; this window's copy would only outlive its use.
  for (const key of Object.keys(window.sessionStorage)) if (key.startsWith(STORAGE_KEY)) window.sessionStorage.removeItem(key);
  if (error || !data.session) {
    return { ok: false, message: `Die Anmeldung mit Microsoft ließ sich nicht abschließen: ${error?.message ?? 'keine Sitzung erhalten'}` };
  }
  return { ok: true, access_token: data.session.access_token, refresh_token: data.session.refresh_token };
}

signIn()
  .catch((error: unknown): DialogResult => ({ ok: false, message: `Die Anmeldung mit Microsoft ist fehlgeschlagen: ${error instanceof Error ? error.message : String(error)}` }))
  .then(async (result) => {
    if (!result) return;
    status.textContent = result.ok ? 'Angemeldet. Dieses Fenster schließt sich.' : result.message;
    await reportToPane(result);
  });
