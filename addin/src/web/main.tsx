import { createRoot } from 'react-dom/client';
import { serverAnmeldung } from '../api/start.ts';
import { WebRoot } from './WebApp.tsx';
import '../ui/pane.css';
import './web.css';

const root = createRoot(document.getElementById('root')!);
const hinweis = (text: string) => root.render(<p className="hinweis">{text}</p>);

async function boot() {
  const server = window.location.origin;
  // A browser tab has no Office dialog: Microsoft's page opens in this window and comes back to it.
  const anmeldung = await serverAnmeldung(server, () => null, { web: true });
  if (typeof anmeldung === 'string') return hinweis(anmeldung);
  const anmeldeFehler = ('finishRedirect' in anmeldung && (await anmeldung.finishRedirect?.())) || undefined;
  root.render(<WebRoot server={server} anmeldung={anmeldung} anmeldeFehler={anmeldeFehler} />);
}

boot().catch((error: unknown) => hinweis(`OZG-Sync konnte nicht starten: ${error instanceof Error ? error.message : String(error)}`));
