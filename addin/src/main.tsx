import { createRoot } from 'react-dom/client';
import { createApi } from './api/client.ts';
import { localAnmeldung } from './api/session.ts';
import { createExcelHost } from './excel/host.ts';
import { officeSignInDialog } from './office/dialog.ts';
import { excelApiSupported, UNSUPPORTED_EXCEL } from './office/requirements.ts';
import { Root } from './ui/App.tsx';
import type { WorkbookHost } from './app/host.ts';
import './ui/pane.css';

declare global {
  interface Window {
    /** A workbook stand-in for running the pane outside Excel (browser tests, screenshots). */
    ozgSyncHost?: WorkbookHost;
  }
}

const root = createRoot(document.getElementById('root')!);
const hinweis = (text: string) => root.render(<p className="hinweis">{text}</p>);

async function workbookHost(): Promise<WorkbookHost | 'zu alt' | null> {
  if (window.ozgSyncHost) return window.ozgSyncHost;
  if (typeof Office === 'undefined') return null;
  const info = await Office.onReady();
  if (info.host !== Office.HostType.Excel) return null;
  return excelApiSupported() ? createExcelHost() : 'zu alt';
}

async function boot() {
  // taskpane.html's classic script found a webview too old for this bundle and says so already.
  if (document.documentElement.dataset.veraltet) return;
  const server = window.location.origin;
  const host = await workbookHost();
  if (host === 'zu alt') return hinweis(UNSUPPORTED_EXCEL);
  if (!host) return hinweis('OZG-Sync läuft als Add-in in Excel. Bitte öffnen Sie es dort über „Start → OZG-Sync öffnen“.');
  const anonymous = createApi(server, async () => null);
  const config = await anonymous.config();
  if (config.mode === 'supabase' && !(config.supabaseUrl && config.supabaseAnonKey)) {
    return hinweis('Der Server ist für die Anmeldung über Supabase noch nicht eingerichtet (SUPABASE_URL und SUPABASE_ANON_KEY fehlen).');
  }
  const anmeldung =
    config.mode === 'local'
      ? localAnmeldung(() => anonymous)
      : (await import('./api/supabase-session.ts')).supabaseAnmeldung(config.supabaseUrl!, config.supabaseAnonKey!, {
          microsoft: config.microsoft ? officeSignInDialog() : null,
        });
  root.render(<Root server={server} host={host} anmeldung={anmeldung} />);
}

boot().catch((error: unknown) => hinweis(`OZG-Sync konnte nicht starten: ${error instanceof Error ? error.message : String(error)}`));
