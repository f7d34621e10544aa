import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api, MeResponse } from '../api/client.ts';
import type { AnyAnmeldung } from '../api/start.ts';
import { connectLive, type LiveState, type SheetRef } from '../live/events.ts';
import { fehlertext, type Meldung } from './format.ts';

/**
 * One action at a time with its outcome as a message: while it runs, `busy` names it (for the
 * spinner and to disable the other buttons); a thrown error becomes an error message in German.
 */
export function useAktion() {
  const [busy, setBusy] = useState<string | null>(null);
  const [meldung, setMeldung] = useState<Meldung | null>(null);
  const run = useCallback(async (label: string, action: () => Promise<Meldung | null>, fehler = (text: string) => text) => {
    setBusy(label);
    setMeldung(null);
    try {
      setMeldung(await action());
    } catch (error) {
      setMeldung({ intent: 'error', text: fehler(fehlertext(error)) });
    } finally {
      setBusy(null);
    }
  }, []);
  return { busy, meldung, setMeldung, run };
}

/**
 * Who is signed in, from /api/me, loaded again on every sign-in and sign-out: undefined while
 * loading, null when nobody is (or the server could not say, then `fehler` says why in German).
 */
export function useMe(api: Api, anmeldung: AnyAnmeldung): { me: MeResponse | null | undefined; fehler: string | null } {
  const [stand, setStand] = useState<{ me: MeResponse | null | undefined; fehler: string | null }>({ me: undefined, fehler: null });
  useEffect(() => {
    // Sign-in events come in bursts (a restored session, a refreshed token, a sign-out): only the answer to the
    // latest one counts, or a slow /api/me from before the sign-out would sign the user in again.
    let latest = 0;
    const laden = () => {
      const call = ++latest;
      void anmeldung
        .token()
        .then((token) => (token ? api.me() : null))
        .then(
          (me) => call === latest && setStand({ me, fehler: null }),
          (error: unknown) => call === latest && setStand({ me: null, fehler: fehlertext(error) }),
        );
    };
    laden();
    const abmelden = anmeldung.onChange(laden);
    return () => {
      latest = -1;
      abmelden();
    };
  }, [api, anmeldung]);
  return stand;
}

export interface LiveOptionen {
  server: string;
  anmeldung: AnyAnmeldung;
  /** The sheet to listen to; null while there is none. */
  sheet: SheetRef | null;
  /** Whether the last pull already saw transaction txid: then its notice is nothing new. */
  gesehen(txid: string): boolean;
  /** The cheap check for news: on every notice not yet seen, after every (re)connect, and by the clock without a stream. */
  nachsehen(): void;
  /** How often to check while the live stream is not open. */
  pollMs: number;
}

/**
 * Listening to one sheet's live stream (addin/src/live/events.ts), the same in the pane and the web app: with the
 * stream open a change of others arrives within seconds; without it (a proxy, a 429) the sheet is checked every
 * pollMs instead, and the returned state says why, for the notice.
 */
export function useLive({ server, anmeldung, sheet, gesehen, nachsehen, pollMs }: LiveOptionen): LiveState | null {
  const [live, setLive] = useState<LiveState | null>(null);
  // The callbacks change with every render; the stream must not reconnect for that.
  const latest = useRef({ gesehen, nachsehen });
  latest.current = { gesehen, nachsehen };
  const kind = sheet?.kind;
  const scope = sheet?.scope;

  useEffect(() => {
    if (!kind || !scope) return;
    const connection = connectLive({
      baseUrl: () => server,
      token: async () => (await anmeldung.token()) ?? '',
      sheets: [{ kind, scope }],
      onResync: () => latest.current.nachsehen(),
      onChange: (notice) => {
        if (!latest.current.gesehen(notice.txid)) latest.current.nachsehen();
      },
      onState: setLive,
    });
    return () => {
      connection.close();
      setLive(null);
    };
  }, [server, anmeldung, kind, scope]);

  const offen = live?.state === 'live';
  useEffect(() => {
    if (!kind || !scope || offen) return;
    latest.current.nachsehen();
    const timer = setInterval(() => latest.current.nachsehen(), pollMs);
    return () => clearInterval(timer);
  }, [kind, scope, offen, pollMs]);

  return live;
}
