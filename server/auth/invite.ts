import { AuthAdminApi } from '@supabase/supabase-js';
import { AppError, badRequest } from '../errors.ts';

/** Sends Supabase Auth's invitation email; only where the server holds the project's service-role key. */
export interface Inviter {
  /** `redirectTo` is where the link in the email leads: the web app at the server's public address. */
  invite(email: string, redirectTo: string): Promise<void>;
}

/**
 * GoTrue's answers to POST /invite (supabase/auth internal/api/invite.go, mail.go, auth.go), each as what an admin can
 * do about it. A confirmed account answers 422 email_exists; an invited but unconfirmed one gets the email again.
 * Supabase's built-in mailer sends only to the project team's addresses (email_address_not_authorized,
 * https://github.com/orgs/supabase/discussions/29370) and two emails an hour
 * (https://supabase.com/docs/guides/auth/rate-limits), so both are told as something to set up.
 */
function fehler(email: string, error: { status?: number | undefined; code?: string | undefined; message: string }): AppError {
  switch (error.code) {
    case 'email_exists':
    case 'user_already_exists':
      return new AppError('conflict', `${email} hat schon ein Konto und kann sich bereits anmelden (mit Microsoft, Passwort oder Code per E-Mail); eine Einladung ist nicht nötig.`);
    case 'validation_failed':
    case 'email_address_invalid':
      return badRequest(`Supabase Auth nimmt ${email} nicht als E-Mail-Adresse an (${error.message}).`);
    case 'email_address_not_authorized':
      return badRequest(
        `Supabase verschickt an ${email} keine E-Mails: Ohne eigenen SMTP-Server schickt ein Supabase-Projekt nur an Mitglieder seines Teams. Richten Sie in Supabase unter Authentication → Emails einen SMTP-Server ein.`,
      );
    case 'over_email_send_rate_limit':
    case 'over_request_rate_limit':
      return new AppError('too_many_requests', 'Supabase hat gerade zu viele E-Mails verschickt. Bitte versuchen Sie die Einladung in einigen Minuten noch einmal.');
    case 'signup_disabled':
    case 'email_provider_disabled':
      return new AppError('unavailable', 'Im Supabase-Projekt sind neue Konten per E-Mail abgeschaltet (Authentication → Sign In / Providers → Email); so kann niemand eingeladen werden.');
    case 'not_admin':
    case 'bad_jwt':
    case 'no_authorization':
      return new AppError('unavailable', 'Supabase Auth nimmt den SUPABASE_SERVICE_ROLE_KEY des Servers nicht an. Bitte den Betrieb bitten, den service_role-Schlüssel des Projekts einzutragen.');
  }
  return new AppError(
    'unavailable',
    error.status === undefined || error.status === 0 || error.status >= 500
      ? 'Supabase Auth ist gerade nicht erreichbar; die Einladung wurde nicht verschickt. Bitte später noch einmal versuchen.'
      : `Supabase Auth hat die Einladung abgelehnt (${error.status}${error.code ? `, ${error.code}` : ''}: ${error.message}).`,
  );
}

/**
 * supabase-js's admin API for Supabase Auth, with the key as apikey and Bearer, as GoTrue's admin endpoints require
 * (https://supabase.com/docs/reference/javascript/auth-admin-inviteuserbyemail). It is the `auth.admin` that
 * createClient builds, without the rest of the client: that would start a Realtime client, which on Node 20 needs a
 * WebSocket package this server does not use. The key is the identity, and it stays in this process.
 */
export function supabaseInviter(url: string, serviceRoleKey: string): Inviter {
  const admin = new AuthAdminApi({
    url: new URL('auth/v1', url.endsWith('/') ? url : `${url}/`).href,
    headers: { apikey: serviceRoleKey, Authorization: `Bearer ${serviceRoleKey}` },
  });
  return {
    async invite(email, redirectTo) {
      // A network failure comes back as an error with status 0 too (AuthRetryableFetchError), not as a throw.
      const { error } = await admin.inviteUserByEmail(email, { redirectTo });
      if (error) throw fehler(email, error);
    },
  };
}
