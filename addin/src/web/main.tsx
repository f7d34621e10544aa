import { createRoot } from 'react-dom/client';
import { serverAnmeldung } from '../api/start.ts';
import { WebRoot } from './WebApp.tsx';
import '../ui/pane.css';
import './web.css';

const root = createRoot(document.getElementById('root')!);
const hinweis = (text: string) => root.render(<p className="hinweis">{text}</p>);

async function boot() {
  const server = window.location.origin;
  // Microsoft sign-in goes through Office's dialog, which a browser tab does not have.
  const anmeldung = await serverAnmeldung(server, () => null);
  if (typeof anmeldung === 'string') return hinweis(anmeldung);
  root.render(<WebRoot server={server} anmeldung={anmeldung} />);
}

boot().catch((error: unknown) => hinweis(`OZG-Sync konnte nicht starten: ${error instanceof Error ? error.message : String(error)}`));
