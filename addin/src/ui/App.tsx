import {
  Badge,
  Button,
  CounterBadge,
  FluentProvider,
  ProgressBar,
  Spinner,
  Switch,
  Tab,
  TabList,
  Text,
  Title3,
  webLightTheme,
} from '@fluentui/react-components';
import { ArrowDownloadRegular, ArrowSyncRegular, ArrowUploadRegular, SignOutRegular, TableSwitchRegular } from '@fluentui/react-icons';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { createApi } from '../api/client.ts';
import type { AnyAnmeldung } from '../api/start.ts';
import type { SheetRef } from '../live/events.ts';
import { SyncController } from '../app/controller.ts';
import type { SyncStatus } from '../app/controller.ts';
import type { WorkbookHost } from '../app/host.ts';
import { anzahl, fehlertext, zeit, type Meldung } from './format.ts';
import { Fortschritt, inExcel } from './Fortschritt.tsx';
import { KonfliktListe } from './KonfliktListe.tsx';
import { MeldungBar } from './MeldungBar.tsx';
import { Pruefen } from './Pruefen.tsx';
import { useAktion, useLive, useMe } from './hooks.ts';
import { LiveHinweis } from './LiveHinweis.tsx';
import { darfAendern } from './rechte.ts';
import { BlattListe, ergebnisText, summaryParts } from './BlattListe.tsx';
import { SheetPicker, type SheetChoice } from './SheetPicker.tsx';
import { SignIn } from './SignIn.tsx';

export interface AppProps {
  server: string;
  host: WorkbookHost;
  anmeldung: AnyAnmeldung;
  /** How often to ask the server for changes to the bound sheet while the live stream is not open. */
  pollMs?: number;
}

type Ansicht = 'tabelle' | 'pruefen' | 'fortschritt';

const blattSchluessel = ({ kind, scope }: SheetRef) => `${kind}:${scope}`;

/*
 * "Automatisch aktualisieren" is a choice of the person, not of the workbook, so it lives in the
 * pane's web storage, which Office documents for settings across add-in instances but which a
 * browser or its settings may block (https://learn.microsoft.com/office/dev/add-ins/develop/persisting-add-in-state-and-settings,
 * "Browser storage"): then the switch simply starts on again next time.
 */
const AUTOMATISCH = 'ozg-sync.automatisch-aktualisieren';
function gemerkt(): string | null {
  try {
    return localStorage.getItem(AUTOMATISCH);
  } catch {
    return null;
  }
}
function merken(wert: string) {
  try {
    localStorage.setItem(AUTOMATISCH, wert);
  } catch {
    // Blocked storage: the choice holds until the pane closes.
  }
}

/** The change log is reviewed by the coordination office and the Themenfeld coordinators, not by municipalities. */

export function App({ server, host, anmeldung, pollMs = 60_000 }: AppProps) {
  const api = useMemo(() => createApi(server, () => anmeldung.token()), [server, anmeldung]);
  const controller = useMemo(() => new SyncController(api, host, server), [api, host, server]);
  const { me, fehler: meFehler } = useMe(api, anmeldung);
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [picking, setPicking] = useState(false);
  /** A sheet the user chose while the bound one still holds unsent edits: switching needs a second yes. */
  const aktion = useAktion();
  const { busy, meldung, setMeldung } = aktion;
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  /** The cheap check's last count per bound sheet, by kind:scope; the active sheet's is `neu`. */
  const [neuJeBlatt, setNeuJeBlatt] = useState<Record<string, number>>({});
  const setNeuFuer = (sheet: SheetRef, anzahlNeu: number) => setNeuJeBlatt((alt) => ({ ...alt, [blattSchluessel(sheet)]: anzahlNeu }));
  const neu = status?.binding ? (neuJeBlatt[blattSchluessel(status.binding)] ?? 0) : 0;
  const [ansicht, setAnsicht] = useState<Ansicht>('tabelle');
  const [automatisch, setAutomatischState] = useState(() => gemerkt() !== 'aus');
  const setAutomatisch = (an: boolean) => {
    merken(an ? 'an' : 'aus');
    setAutomatischState(an);
  };

  useEffect(() => {
    if (!me) return;
    controller.open().then(setStatus, (error: unknown) =>
      setMeldung({ intent: 'error', text: `Die Verbindung dieser Arbeitsmappe ließ sich nicht lesen: ${fehlertext(error)}` }),
    );
  }, [me, controller]);

  // Edits happen in Excel, not in the pane: recount them whenever the user comes back to it.
  useEffect(() => {
    if (!me || !status?.binding) return;
    const recount = () =>
      void controller.status().then((next) => {
        setStatus(next);
        // The damage is the news now; an older message about sending would only distract from it.
        if (next.beschaedigt) setMeldung(null);
      }, () => {});
    window.addEventListener('focus', recount);
    return () => window.removeEventListener('focus', recount);
  }, [me, status?.binding, controller]);

  const run = (label: string, action: () => Promise<Meldung | null>) =>
    aktion.run(label, () => action().finally(() => setProgress(null)));

  const pull = (choice: SheetChoice) =>
    run('Abrufen', async () => {
      const next = await controller.pull(choice.kind, choice.scope, choice.title);
      setStatus(next);
      setPicking(false);
      setNeuFuer(choice, 0);
      return { intent: 'success', text: `${choice.title} abgerufen.` };
    });

  const push = () =>
    run('Senden', async () => {
      const summary = await controller.push((done, total) => setProgress({ done, total }));
      const next = await controller.status();
      setStatus(next);
      if (!summary.gesendet && !summary.ungueltig) {
        return next.hinweise.length
          ? { intent: 'warning', text: `Keine Änderungen zu senden; ${anzahl(next.hinweise.length, 'Hinweis', 'Hinweise')} zu Zeilen, die nicht übernommen werden, stehen unten.` }
          : { intent: 'info', text: 'Keine Änderungen zu senden.' };
      }
      return { intent: summary.konflikte || summary.abgelehnt || summary.ungueltig ? 'warning' : 'success', text: `${summaryParts(summary).join(', ')}.` };
    });

  const pushAll = () =>
    run('Alle senden', async () => {
      const { status: next, blaetter } = await controller.pushAll((done, total) => setProgress({ done, total }));
      setStatus(next);
      const { text, ok } = ergebnisText(blaetter);
      return { intent: ok ? 'success' : 'warning', text };
    });

  const refreshAll = () =>
    run('Alle aktualisieren', async () => {
      const { status: next, blaetter } = await controller.refreshAll((done, total) => setProgress({ done, total }));
      setStatus(next);
      setNeuJeBlatt({});
      const { text, ok } = ergebnisText(blaetter);
      const konflikte = next.blaetter.reduce((n, blatt) => n + blatt.konflikte, 0);
      return { intent: ok && !konflikte ? 'success' : 'warning', text: konflikte ? `${text} ${anzahl(konflikte, 'offener Konflikt', 'offene Konflikte')}.` : text };
    });

  const waehle = (table: string) =>
    run('Blatt wechseln', async () => {
      const next = await controller.waehle(table);
      setStatus(next);
      // Now the active one, the sheet gets the active sheet's check, "Automatisch aktualisieren" included.
      if (next.binding) nachsehen([next.binding]);
      return null;
    });

  /** With a count, the pane runs it by itself for that many changes of others. */
  const refresh = (automatischFuer?: number) =>
    run('Aktualisieren', async () => {
      const next = await controller.refresh();
      setStatus(next);
      if (next.binding) setNeuFuer(next.binding, 0);
      const text = automatischFuer
        ? `Automatisch aktualisiert: ${anzahl(automatischFuer, 'neue Änderung', 'neue Änderungen')} übernommen.`
        : 'Aktualisiert.';
      return {
        intent: next.konflikte.length ? 'warning' : 'success',
        text: next.konflikte.length ? `Aktualisiert, ${anzahl(next.konflikte.length, 'Konflikt', 'Konflikte')}.` : text,
      };
    });

  /*
   * The cheap check (how many rows others changed), for each sheet the workbook's one live stream
   * has news of and, without a stream, by the clock (controller.zuPruefen). With "Automatisch
   * aktualisieren" on and no unsent edit the update would turn into a Konflikt, the pane brings the
   * active sheet's rows in itself; the other sheets show their count in the list. While another
   * action runs (a push, whose own notice arrives before its answer), the checks wait for it to
   * end instead of racing it.
   */
  const latest = useRef({ automatisch, busy, refresh });
  latest.current = { automatisch, busy, refresh };
  const wartet = useRef(new Map<string, SheetRef>());
  const nachsehen = useCallback(
    (sheets: SheetRef[]) => {
      if (latest.current.busy !== null) {
        for (const sheet of sheets) wartet.current.set(blattSchluessel(sheet), sheet);
        return;
      }
      for (const sheet of sheets) {
        void controller.serverNews(sheet).then(({ anzahl, ohneKonflikt }) => {
          setNeuJeBlatt((alt) => ({ ...alt, [blattSchluessel(sheet)]: anzahl }));
          const aktiv = controller.aktivesBlatt;
          const { automatisch: an, busy: beschaeftigt, refresh: aktualisieren } = latest.current;
          const istAktiv = aktiv !== null && blattSchluessel(aktiv) === blattSchluessel(sheet);
          if (istAktiv && anzahl && ohneKonflikt && an && beschaeftigt === null) void aktualisieren(anzahl);
        }, () => {});
      }
    },
    [controller],
  );
  useEffect(() => {
    if (busy === null && wartet.current.size) {
      const sheets = [...wartet.current.values()];
      wartet.current.clear();
      nachsehen(sheets);
    }
  }, [busy, nachsehen]);

  const live = useLive({
    server,
    anmeldung,
    sheets: me ? (status?.blaetter ?? []).map(({ kind, scope }) => ({ kind, scope })) : [],
    // A pane hears of its own pushes and pulls too: a notice its cursor covers, or of no bound sheet, is not checked.
    aenderung: (notice) => {
      const sheet = controller.betroffen(notice);
      if (sheet) nachsehen([sheet]);
    },
    alleNachsehen: () => nachsehen(controller.gebunden),
    takt: () => nachsehen(controller.zuPruefen()),
    pollMs,
  });

  const repair = () =>
    run('Tabelle neu aufbauen', async () => {
      const { status: next, gerettet, verloren } = await controller.repair();
      setStatus(next);
      if (next.binding) setNeuFuer(next.binding, 0);
      if (verloren) {
        return {
          intent: 'warning',
          text: 'Die Tabelle wurde neu aufgebaut. Ohne die Spalte „id“ ließen sich ungesendete Änderungen keiner Zeile mehr zuordnen; bitte tragen Sie sie erneut ein.',
        };
      }
      return {
        intent: next.konflikte.length ? 'warning' : 'success',
        text: `Die Tabelle wurde neu aufgebaut; ${anzahl(gerettet, 'ungesendete Änderung blieb', 'ungesendete Änderungen blieben')} erhalten.`,
      };
    });

  if (me === undefined) return <Spinner label="OZG-Sync wird geladen …" />;
  const nurLesen = Boolean(me && status?.binding && !darfAendern(me, status.binding.kind, status.binding.scope));
  const shown: Ansicht = ansicht === 'pruefen' && !me?.darfPruefen ? 'tabelle' : ansicht;

  return (
    <div className="pane">
      <header className="row spread">
        <Title3>OZG-Sync</Title3>
        {me && (
          <Button appearance="subtle" icon={<SignOutRegular />} onClick={() => void anmeldung.signOut()} title={`Abmelden (${me.email})`}>
            Abmelden
          </Button>
        )}
      </header>
      {me && (
        <TabList selectedValue={shown} onTabSelect={(_, data) => setAnsicht(data.value as Ansicht)}>
          <Tab value="tabelle">
            Tabelle{' '}
            {neu > 0 && <CounterBadge count={neu} size="small" color="informative" aria-label={anzahl(neu, 'neue Änderung', 'neue Änderungen')} />}
          </Tab>
          {me.darfPruefen && <Tab value="pruefen">Prüfen</Tab>}
          <Tab value="fortschritt">Fortschritt</Tab>
        </TabList>
      )}
      {!me && meFehler && <MeldungBar meldung={{ intent: 'error', text: meFehler }} />}
      {meldung && (!me || shown === 'tabelle') && <MeldungBar meldung={meldung} />}
      {!me ? (
        <SignIn anmeldung={anmeldung} />
      ) : shown === 'pruefen' ? (
        <Pruefen api={api} email={me.email} onReverted={() => nachsehen(controller.gebunden)} />
      ) : shown === 'fortschritt' ? (
        <Fortschritt api={api} ausgabe={inExcel(host)} />
      ) : !status?.binding || picking ? (
        <>
          <Text>Angemeldet als {me.email}</Text>
          <SheetPicker api={api} me={me} busy={busy !== null} onChoose={pull} />
          {picking && <Button appearance="subtle" onClick={() => setPicking(false)}>Zurück</Button>}
        </>
      ) : (
        <div className="stack">
          <div className="stack-tight">
            <div className="row">
              <Text weight="semibold">{status.binding.title}</Text>
              {nurLesen && (
                <Badge appearance="tint" color="informative">
                  Nur lesen
                </Badge>
              )}
            </div>
            {nurLesen && <Text size={200}>Diese Tabelle können Sie ansehen und aktualisieren, aber nicht ändern. Schreibrechte vergibt die OZG-Koordinierungsstelle.</Text>}
            <Text size={200}>Zuletzt abgeglichen: {zeit(status.letzterAbgleich)}</Text>
            <Text size={200}>
              {status.beschaedigt
                ? 'Ungesendete Änderungen lassen sich erst nach dem Neuaufbau zählen'
                : status.wartend === 1
                  ? '1 lokale Änderung wartet'
                  : `${status.wartend} lokale Änderungen warten`}
              {neu > 0 && ` · ${anzahl(neu, 'neue Änderung', 'neue Änderungen')} auf dem Server`}
            </Text>
            <LiveHinweis live={live} />
            <Switch
              label="Automatisch aktualisieren"
              checked={automatisch}
              onChange={(_, data) => setAutomatisch(data.checked)}
              title="Änderungen anderer sofort übernehmen, solange keine ungesendete Änderung dabei zum Konflikt würde"
            />
          </div>
          <div className="row">
            <Button
              appearance="primary"
              icon={<ArrowUploadRegular />}
              disabled={busy !== null || nurLesen || status.beschaedigt !== null}
              title={nurLesen ? 'Nur lesen: Änderungen an dieser Tabelle können Sie nicht senden.' : undefined}
              onClick={push}
            >
              Senden
            </Button>
            <Button icon={<ArrowSyncRegular />} disabled={busy !== null || status.beschaedigt !== null} onClick={() => void refresh()}>
              Aktualisieren
            </Button>
            <Button
              icon={<ArrowDownloadRegular />}
              disabled={busy !== null}
              title="Alle Zeilen neu abrufen; ungesendete Änderungen und eigene Spalten bleiben erhalten"
              onClick={() => void pull({ kind: status.binding!.kind, scope: status.binding!.scope, title: status.binding!.title })}
            >
              Abrufen
            </Button>
          </div>
          {status.beschaedigt && (
            <MeldungBar meldung={{ intent: 'error', text: status.beschaedigt }}>
              <Button disabled={busy !== null} onClick={repair} title="Die Tabelle wird neu geschrieben; ungesendete Änderungen in Zeilen mit intakter ID bleiben erhalten">
                Tabelle neu aufbauen
              </Button>
            </MeldungBar>
          )}
          {status.markierung && <MeldungBar meldung={{ intent: 'warning', text: status.markierung }} />}
          {status.reifegradHinweis && <MeldungBar meldung={{ intent: 'info', text: status.reifegradHinweis }} />}
          {status.hinweise.length > 0 && (
            <div className="stack-tight" role="list" aria-label="Hinweise zur Tabelle">
              <Text weight="semibold">Nicht übernommen</Text>
              {status.hinweise.map((hinweis, index) => (
                <Text key={index} size={200} role="listitem">
                  {hinweis}
                </Text>
              ))}
            </div>
          )}
          {busy && (progress ? (
            <ProgressBar value={progress.total ? progress.done / progress.total : 0} aria-label={`${busy}: ${progress.done} von ${progress.total}`} />
          ) : (
            <Spinner size="small" label={`${busy} …`} />
          ))}
          <KonfliktListe
            columns={controller.columns}
            konflikte={status.konflikte}
            fehler={status.fehler}
            busy={busy !== null}
            rowLabel={(id) => controller.rowLabel(id)}
            onSelect={(address) => void controller.select(address)}
            onKeepMine={(address) => void run('Meine behalten', async () => (setStatus(await controller.keepMine(address)), null))}
            onTakeTheirs={(address) => void run('Server übernehmen', async () => (setStatus(await controller.takeTheirs(address)), null))}
          />
          {status.blaetter.length > 1 && (
            <BlattListe
              blaetter={status.blaetter}
              busy={busy !== null}
              darfSenden={(blatt) => darfAendern(me, blatt.kind, blatt.scope)}
              neu={(blatt) => neuJeBlatt[blattSchluessel(blatt)] ?? 0}
              onWaehle={(table) => void waehle(table)}
              onAlleSenden={() => void pushAll()}
              onAlleAktualisieren={() => void refreshAll()}
            />
          )}
          <Button appearance="subtle" icon={<TableSwitchRegular />} onClick={() => setPicking(true)} title="Eine weitere Tabelle als eigenes Blatt in diese Arbeitsmappe holen">
            Weitere Tabelle abrufen
          </Button>
        </div>
      )}
    </div>
  );
}

export function Root(props: AppProps) {
  return (
    <FluentProvider theme={webLightTheme}>
      <App {...props} />
    </FluentProvider>
  );
}
