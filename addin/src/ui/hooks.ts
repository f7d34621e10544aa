import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api, MeResponse } from '../api/client.ts';
import type { AnyAnmeldung } from '../api/start.ts';
import { connectLive, type ChangeNotice, type LiveState, type SheetRef } from '../live/events.ts';
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
  /** The sheets to listen to, all on one stream (one per workbook); none while there are none. */
  sheets: SheetRef[];
  /** A change to one of the sheets: the caller decides whether its last pull already saw it, and checks that sheet if not. */
  aenderung(notice: ChangeNotice): void;
  /** Check every sheet once: after every (re)connect, and when the server may have missed notices. */
  alleNachsehen(): void;
  /** The check by the clock, every pollMs (and once at once) while the live stream is not open. */
  takt(): void;
  /** How often to check while the live stream is not open. */
  pollMs: number;
}

/**
 * Listening to the live stream of one or more sheets (addin/src/live/events.ts), the same in the pane and the web
 * app: with the stream open a change of others arrives within seconds; without it (a proxy, a 429) `takt` runs
 * every pollMs instead, and the returned state says why, for the notice.
 */
export function useLive({ server, anmeldung, sheets, aenderung, alleNachsehen, takt, pollMs }: LiveOptionen): LiveState | null {
  const [live, setLive] = useState<LiveState | null>(null);
  // The callbacks change with every render; the stream must not reconnect for that.
  const latest = useRef({ aenderung, alleNachsehen, takt, sheets });
  latest.current = { aenderung, alleNachsehen, takt, sheets };
  // A new array with the same sheets (every render) keeps the stream; another sheet bound opens a new one for all.
  const key = sheets.map(({ kind, scope }) => `${kind}:${scope}`).join(' ');

  useEffect(() => {
    if (!key) return;
    const connection = connectLive({
      baseUrl: () => server,
      token: async () => (await anmeldung.token()) ?? '',
      sheets: latest.current.sheets,
      onResync: () => latest.current.alleNachsehen(),
      onChange: (notice) => latest.current.aenderung(notice),
      onState: setLive,
    });
    return () => {
      connection.close();
      setLive(null);
    };
  }, [server, anmeldung, key]);

  const offen = live?.state === 'live';
  useEffect(() => {
    if (!key || offen) return;
    latest.current.takt();
    const timer = setInterval(() => latest.current.takt(), pollMs);
    return () => clearInterval(timer);
  }, [key, offen, pollMs]);

  return live;
}
