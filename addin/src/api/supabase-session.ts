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
};

function authError(error: { code?: string; message: string }): ApiError {
  return new ApiError(401, error.code ?? 'auth', AUTH_MESSAGES[error.code ?? ''] ?? `Anmeldung fehlgeschlagen: ${error.message}`);
}

export function supabaseAnmeldung(
  url: string,
  anonKey: string,
  { microsoft = null }: { microsoft?: SignInDialog | null } = {},
): Anmeldung & {
  signInWithPassword(email: string, password: string): Promise<void>;
  sendCode(email: string): Promise<void>;
  verifyCode(email: string, code: string): Promise<void>;
  /** Present where the server offers Microsoft sign-in and Office can open the sign-in dialog. */
  signInWithMicrosoft?: () => Promise<void>;
} {
  const supabase: SupabaseClient = createClient(url, anonKey, {
    auth: { persistSession: true, autoRefreshToken: true, storageKey: 'ozg-sync.supabase' },
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
    async signOut() {
      await supabase.auth.signOut();
    },
    onChange(listener) {
      const { data } = supabase.auth.onAuthStateChange(() => listener());
      return () => data.subscription.unsubscribe();
    },
  };
}
