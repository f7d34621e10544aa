import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { ApiError } from './client.ts';
import type { SignInDialog } from '../office/dialog.ts';
import type { Anmeldung } from './session.ts';

// Its own module so that supabase-js is only loaded where the server runs with Supabase Auth.
const AUTH_MESSAGES: Record<string, string> = {
  invalid_credentials: 'E-Mail-Adresse oder Passwort stimmen nicht.',
  otp_expired: 'Der Code ist abgelaufen oder falsch. Fordern Sie einen neuen an.',
  over_email_send_rate_limit: 'Es wurden gerade zu viele Codes angefordert. Bitte warten Sie einen Moment.',
  user_not_found: 'Für diese E-Mail-Adresse gibt es kein Konto. Bitte wenden Sie sich an die OZG-Koordinierungsstelle.',
  // The PKCE exchange on the way back from Microsoft (supabase/auth internal/api/token.go, auth-js errors.ts).
  flow_state_not_found: 'Die Anmeldung ist abgelaufen oder schon abgeschlossen. Bitte melden Sie sich noch einmal an.',
  flow_state_expired: 'Die Anmeldung ist abgelaufen oder schon abgeschlossen. Bitte melden Sie sich noch einmal an.',
  bad_code_verifier: 'Die Anmeldung wurde in einem anderen Browser oder Fenster begonnen. Bitte melden Sie sich hier noch einmal an.',
  pkce_code_verifier_not_found: 'Die Anmeldung wurde in einem anderen Browser oder Fenster begonnen. Bitte melden Sie sich hier noch einmal an.',
};

const authText = (error: { code?: string | undefined; message: string }) => AUTH_MESSAGES[error.code ?? ''] ?? error.message;

function authError(error: { code?: string; message: string }): ApiError {
  return new ApiError(401, error.code ?? 'auth', AUTH_MESSAGES[error.code ?? ''] ?? `Anmeldung fehlgeschlagen: ${error.message}`);
}

/** Set before the web app leaves for Microsoft, so that an error on the way back is named as Microsoft's. */
const MICROSOFT_PENDING = 'ozg-sync.microsoft-unterwegs';

/**
 * How a sign-in that left the page comes back to the web app (https://supabase.com/docs/guides/auth/sessions/pkce-flow):
 * Microsoft through Supabase Auth with `?code=` for the PKCE exchange; an invitation's link with the session in the
 * fragment, because invitations cannot use PKCE (supabase-js, inviteUserByEmail); a refusal with `error` and
 * `error_description` in query and fragment (supabase/auth internal/api/external.go, redirectErrors; verify.go).
 */
function rueckkehr(location: Location) {
  const query = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const param = (name: string) => query.get(name) ?? fragment.get(name);
  return {
    code: query.get('code'),
    tokens: fragment.get('access_token') && fragment.get('refresh_token') ? { access_token: fragment.get('access_token')!, refresh_token: fragment.get('refresh_token')! } : null,
    error: param('error_description') || param('error') ? { code: param('error_code') ?? param('error') ?? '', description: param('error_description') ?? param('error')! } : null,
  };
}

export function supabaseAnmeldung(
  url: string,
  anonKey: string,
  { microsoft = null, web }: { microsoft?: SignInDialog | null; web?: { microsoft: boolean } } = {},
): Anmeldung & {
  signInWithPassword(email: string, password: string): Promise<void>;
  sendCode(email: string): Promise<void>;
  verifyCode(email: string, code: string): Promise<void>;
  /** Present where the server offers Microsoft sign-in and Office's dialog or, in the web app, this window can show it. */
  signInWithMicrosoft?: () => Promise<void>;
  /** The web app: finishes a sign-in that comes back to this page; a German reason when it failed. */
  finishRedirect?: () => Promise<string | null>;
} {
  const supabase: SupabaseClient = createClient(url, anonKey, {
    auth: {
      persistSession: true,
      autoRefreshToken: true,
      storageKey: 'ozg-sync.supabase',
      // The web app reads the way back itself (finishRedirect), so that every failure is told in German; the PKCE
      // verifier then waits in this origin's localStorage while the window is at Microsoft.
      ...(web && { flowType: 'pkce' as const, detectSessionInUrl: false }),
    },
  });
  const session = async () => (await supabase.auth.getSession()).data.session;
  return {
    mode: 'supabase',
    token: async () => (await session())?.access_token ?? null,
    email: async () => (await session())?.user.email ?? null,
    async signInWithPassword(email, password) {
      const { error } = await supabase.auth.signInWithPassword({ email, password });
      if (error) throw authError(error);
    },
    async sendCode(email) {
      const { error } = await supabase.auth.signInWithOtp({ email, options: { shouldCreateUser: false } });
      if (error) throw authError(error);
    },
    async verifyCode(email, code) {
      const { error } = await supabase.auth.verifyOtp({ email, token: code, type: 'email' });
      if (error) throw authError(error);
    },
    ...(microsoft && {
      async signInWithMicrosoft() {
        // dialog.html lies next to taskpane.html: the same origin, which Office requires of a dialog's first page.
        const result = await microsoft.open(new URL('dialog.html', window.location.href).href);
        if (!result.ok) throw new ApiError(401, 'microsoft', result.message);
        const { error } = await supabase.auth.setSession({ access_token: result.access_token, refresh_token: result.refresh_token });
        if (error) throw authError(error);
      },
    }),
    ...(web?.microsoft && {
      async signInWithMicrosoft() {
        window.sessionStorage.setItem(MICROSOFT_PENDING, '1');
        // No Office dialog outside Excel: this window goes to Microsoft and comes back here with a code. The email scope
        // as Supabase's Azure guide asks, because members are found by their address.
        const { error } = await supabase.auth.signInWithOAuth({
          provider: 'azure',
          options: { redirectTo: `${window.location.origin}${window.location.pathname}`, scopes: 'email' },
        });
        if (error) {
          window.sessionStorage.removeItem(MICROSOFT_PENDING);
          throw new ApiError(401, 'microsoft', `Die Anmeldung mit Microsoft ließ sich nicht beginnen: ${error.message}`);
        }
      },
    }),
    ...(web && {
      async finishRedirect() {
        const back = rueckkehr(window.location);
        if (!back.code && !back.tokens && !back.error) return null;
        const viaMicrosoft = window.sessionStorage.getItem(MICROSOFT_PENDING) === '1';
        window.sessionStorage.removeItem(MICROSOFT_PENDING);
        // Neither a code nor a token stays in the address bar, the history or a bookmark.
        window.history.replaceState(window.history.state, '', window.location.pathname);
        if (back.error) {
          if (back.error.code === 'otp_expired') {
            return 'Der Link aus der E-Mail ist abgelaufen oder wurde schon benutzt. Bitten Sie um eine neue Einladung oder melden Sie sich mit einem Code per E-Mail an.';
          }
          if (viaMicrosoft && back.error.code === 'access_denied') {
            return `Die Anmeldung mit Microsoft wurde abgelehnt oder abgebrochen (${back.error.description}).`;
          }
          return `Die Anmeldung${viaMicrosoft ? ' mit Microsoft' : ''} ist fehlgeschlagen: ${back.error.description}`;
        }
        if (back.code) {
          const { error } = await supabase.auth.exchangeCodeForSession(back.code);
          return error ? `Die Anmeldung mit Microsoft ließ sich nicht abschließen: ${authText(error)}` : null;
        }
        const { error } = await supabase.auth.setSession(back.tokens!);
        return error ? `Der Link aus der E-Mail meldet Sie nicht an: ${authText(error)}` : null;
      },
    }),
    async signOut() {
      await supabase.auth.signOut();
    },
    onChange(listener) {
      const { data } = supabase.auth.onAuthStateChange(() => listener());
      return () => data.subscription.unsubscribe();
    },
  };
}
