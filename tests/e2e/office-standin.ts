/**
 * Office.js as the pane and the sign-in dialog meet it in Excel on the web, for Chromium where office.js cannot run:
 * requirement sets up to a configured ExcelApi version, and the Dialog API as a popup window that talks to its opener.
 * It keeps the rules Microsoft documents (https://learn.microsoft.com/office/dev/add-ins/develop/dialog-api-in-office-add-ins,
 * .../dialog-handle-errors-events): the first page must be on the pane's origin (12004), one dialog at a time (12007),
 * messageParent reaches the pane only from a page on that origin, and closing the window is event 12006.
 * Not modelled: the HTTPS rule (12005/12003), since the test server speaks HTTP.
 */
declare global {
  interface Window {
    /** Set by a test before this script: the newest ExcelApi set the host offers (default 1.20). */
    ozgOfficeConfig?: { excelApi?: string };
    /** Every isSetSupported question the pane asked, to see it asks for the manifest's minimum. */
    ozgOfficeAsked: [string, string][];
  }
}

type Handler = (arg: { message?: string; origin?: string; error?: number }) => void;

const newer = (a: string, b: string) => {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 !== b1 ? a1 > b1 : a2 > b2;
};

let dialogOpen = false;
window.ozgOfficeAsked = [];

const standIn = {
  HostType: { Excel: 'Excel' },
  AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
  EventType: { DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
  onReady: () => Promise.resolve({ host: 'Excel', platform: 'OfficeOnline' }),
  context: {
    requirements: {
      isSetSupported(name: string, version = '1.1') {
        window.ozgOfficeAsked.push([name, version]);
        return name === 'ExcelApi' && !newer(version, window.ozgOfficeConfig?.excelApi ?? '1.20');
      },
    },
    ui: {
      displayDialogAsync(url: string, options: unknown, callback?: (result: unknown) => void) {
        const done = (typeof options === 'function' ? options : callback) as (result: unknown) => void;
        const failed = (code: number, message: string) => done({ status: 'failed', error: { code, message } });
        if (new URL(url, window.location.href).origin !== window.location.origin) return failed(12004, 'The domain of the URL is not trusted.');
        if (dialogOpen) return failed(12007, 'A dialog box is already opened from this host window.');
        const dialogWindow = window.open(url, '_blank', 'popup,width=420,height=640');
        if (!dialogWindow) return failed(12011, 'The browser blocks popups.');
        dialogOpen = true;
        const handlers: Record<string, Handler> = {};
        const finish = () => {
          dialogOpen = false;
          clearInterval(watch);
          window.removeEventListener('message', onMessage);
        };
        const onMessage = (event: MessageEvent) => {
          if (event.source !== dialogWindow || typeof event.data?.ozgDialogMessage !== 'string') return;
          handlers.dialogMessageReceived?.({ message: event.data.ozgDialogMessage, origin: event.origin });
        };
        window.addEventListener('message', onMessage);
        const watch = setInterval(() => {
          if (!dialogWindow.closed) return;
          finish();
          handlers.dialogEventReceived?.({ error: 12006 });
        }, 100);
        done({
          status: 'succeeded',
          value: {
            addEventHandler: (type: string, handler: Handler) => (handlers[type] = handler),
            close() {
              finish();
              dialogWindow.close();
            },
          },
        });
      },
      messageParent(message: string) {
        if (!window.opener) throw new Error('messageParent is only available in a dialog box.');
        // Without targetOrigin Office sends to the domain the dialog is on; another one does not hear it.
        window.opener.postMessage({ ozgDialogMessage: String(message) }, window.location.origin);
      },
    },
  },
};

Object.assign(window, { Office: standIn });

export {};
