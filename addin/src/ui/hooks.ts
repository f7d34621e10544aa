import { useCallback, useState } from 'react';
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
