/**
 * The Office Dialog API, the only way to show Microsoft's sign-in page from an add-in: Office on the web renders the
 * task pane in an iframe, and Entra ID refuses to be framed, so the sign-in opens in a dialog window of its own
 * (https://learn.microsoft.com/office/dev/add-ins/develop/auth-with-office-dialog-api). That window shares neither
 * variables nor session storage with the pane, so the dialog page finishes the sign-in itself and hands the session
 * back with messageParent.
 */

/** What the sign-in dialog sends back: the Supabase session on success, a German reason otherwise. */
export type DialogResult = { ok: true; access_token: string; refresh_token: string } | { ok: false; message: string };

export interface SignInDialog {
  /** Opens `url` (same origin as the pane, as Office requires of a dialog's first page) and waits for its message. */
  open(url: string): Promise<DialogResult>;
}

// https://learn.microsoft.com/office/dev/add-ins/develop/dialog-handle-errors-events
const OPEN_ERRORS: Record<number, string> = {
  12004: 'Die Anmeldeseite liegt nicht auf dem Server des Add-ins.',
  12005: 'Die Anmeldeseite muss über HTTPS geladen werden.',
  12007: 'Es ist bereits ein Anmeldefenster offen. Bitte schließen Sie es zuerst.',
  12009: 'Das Anmeldefenster wurde nicht zugelassen. Bitte erlauben Sie es, wenn Office danach fragt.',
  12011: 'Der Browser blockiert das Anmeldefenster. Bitte erlauben Sie Popups für Office und versuchen Sie es erneut.',
};
const CLOSED = 12006;

export function officeSignInDialog(): SignInDialog | null {
  if (typeof Office === 'undefined' || !Office.context?.ui?.displayDialogAsync) return null;
  return {
    open(url) {
      return new Promise((resolve) => {
        // displayInIframe stays off: Microsoft's sign-in page cannot be shown in an iframe. promptBeforeOpen stays on:
        // Office on the web then asks "Zulassen" itself, which gets past the browser's pop-up blocker
        // (https://learn.microsoft.com/office/dev/add-ins/develop/dialog-best-practices).
        Office.context.ui.displayDialogAsync(url, { height: 60, width: 30 }, (result) => {
          if (result.status === Office.AsyncResultStatus.Failed) {
            const reason = OPEN_ERRORS[result.error.code] ?? `Das Anmeldefenster ließ sich nicht öffnen (${result.error.code}: ${result.error.message}).`;
            resolve({ ok: false, message: reason });
            return;
          }
          const dialog = result.value;
          dialog.addEventHandler(Office.EventType.DialogMessageReceived, (arg) => {
            dialog.close();
            const message = 'message' in arg ? arg.message : '';
            try {
              resolve(JSON.parse(message) as DialogResult);
            } catch {
              resolve({ ok: false, message: 'Das Anmeldefenster hat eine unverständliche Antwort geschickt.' });
            }
          });
          dialog.addEventHandler(Office.EventType.DialogEventReceived, (arg) => {
            const code = 'error' in arg ? arg.error : 0;
            const message =
              code === CLOSED
                ? 'Die Anmeldung mit Microsoft wurde abgebrochen: Das Anmeldefenster wurde geschlossen.'
                : code === 12003
                  ? 'Die Anmeldeseite wurde über HTTP statt HTTPS aufgerufen.'
                  : `Das Anmeldefenster konnte die Anmeldeseite nicht laden (${code}).`;
            resolve({ ok: false, message });
          });
        });
      });
    },
  };
}

/** In the dialog page: the result goes to the pane that opened the dialog. */
export async function reportToPane(result: DialogResult): Promise<void> {
  await Office.onReady();
  Office.context.ui.messageParent(JSON.stringify(result));
}
