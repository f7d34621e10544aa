import { Button, FluentProvider, Spinner, Tab, TabList, Text, Title2, webLightTheme } from '@fluentui/react-components';
import { SignOutRegular } from '@fluentui/react-icons';
import { useMemo, useState } from 'react';
import { createApi } from '../api/client.ts';
import { createDateien, speichern, type Dateien } from '../api/dateien.ts';
import type { AnyAnmeldung } from '../api/start.ts';
import { useMe } from '../ui/hooks.ts';
import { MeldungBar } from '../ui/MeldungBar.tsx';
import { Pruefen } from '../ui/Pruefen.tsx';
import { Fortschritt, type FortschrittAusgabe } from '../ui/Fortschritt.tsx';
import { SignIn } from '../ui/SignIn.tsx';
import { Ansehen } from './Ansehen.tsx';
import { MeineTabellen } from './MeineTabellen.tsx';
import { Mitglieder } from './Mitglieder.tsx';

export interface WebAppProps {
  server: string;
  anmeldung: AnyAnmeldung;
  /** Why a sign-in that left the page (Microsoft, an invitation's link) did not come back signed in. */
  anmeldeFehler?: string | undefined;
}

type Seite = 'tabellen' | 'ansehen' | 'pruefen' | 'fortschritt' | 'mitglieder';

/** In the browser the figures go to a download: the same progress workbook the server writes. */
function alsDatei(dateien: Dateien): FortschrittAusgabe {
  return {
    label: 'Als Excel-Datei herunterladen',
    fehler: (text) => `Die Datei ließ sich nicht herunterladen: ${text}`,
    async aktion(_report, _trend, filter) {
      const datei = await dateien.fortschritt(filter);
      speichern(datei);
      return { intent: 'success', text: `„${datei.name}“ heruntergeladen: Tabellen, Verlauf mit Diagramm, druckfertig.` };
    },
  };
}

/**
 * OZG-Sync in a browser tab, for people without the add-in: the pane's sign-in and Prüfen, and instead of a
 * workbook in Excel the sheet as a file to download, fill and upload again.
 */
export function WebApp({ server, anmeldung, anmeldeFehler }: WebAppProps) {
  const api = useMemo(() => createApi(server, () => anmeldung.token()), [server, anmeldung]);
  const dateien = useMemo(() => createDateien(server, () => anmeldung.token()), [server, anmeldung]);
  const { me, fehler } = useMe(api, anmeldung);
  const [seite, setSeite] = useState<Seite>('tabellen');

  if (me === undefined) return <Spinner label="OZG-Sync wird geladen …" />;
  const admin = Boolean(me?.mitgliedschaften.some((m) => m.rolle === 'admin'));
  const shown: Seite = (seite === 'pruefen' && !me?.darfPruefen) || (seite === 'mitglieder' && !admin) ? 'tabellen' : seite;
  return (
    <div className="web">
      <header className="row spread">
        <Title2 as="h1">OZG-Sync</Title2>
        {me && (
          <div className="row">
            <Text>Angemeldet als {me.email}</Text>
            <Button appearance="subtle" icon={<SignOutRegular />} onClick={() => void anmeldung.signOut()}>
              Abmelden
            </Button>
          </div>
        )}
      </header>
      {me && (
        <nav aria-label="Bereiche">
          <TabList selectedValue={shown} onTabSelect={(_, data) => setSeite(data.value as Seite)}>
            <Tab value="tabellen">Meine Tabellen</Tab>
            <Tab value="ansehen">Ansehen</Tab>
            {me.darfPruefen && <Tab value="pruefen">Prüfen</Tab>}
            <Tab value="fortschritt">Fortschritt</Tab>
            {admin && <Tab value="mitglieder">Mitglieder</Tab>}
          </TabList>
        </nav>
      )}
      <main className="stack">
        {fehler && <MeldungBar meldung={{ intent: 'error', text: fehler }} />}
        {!me ? (
          <div className="auswahl stack">
            <Text>
              Hier füllen Sie Ihre OZG-Tabellen ohne Excel-Add-in aus: Tabelle herunterladen, in Excel oder LibreOffice
              ausfüllen, wieder hochladen.
            </Text>
            <SignIn anmeldung={anmeldung} fehler={anmeldeFehler} />
          </div>
        ) : shown === 'mitglieder' ? (
          <Mitglieder api={api} />
        ) : shown === 'ansehen' ? (
          <Ansehen api={api} server={server} anmeldung={anmeldung} me={me} />
        ) : shown === 'fortschritt' ? (
          <Fortschritt api={api} ausgabe={alsDatei(dateien)} />
        ) : shown === 'pruefen' ? (
          // Nothing in a browser tab holds a sheet that a revert would have to refresh.
          <Pruefen api={api} email={me.email} onReverted={() => {}} />
        ) : (
          <MeineTabellen api={api} dateien={dateien} me={me} />
        )}
      </main>
    </div>
  );
}

export function WebRoot(props: WebAppProps) {
  return (
    <FluentProvider theme={webLightTheme}>
      <WebApp {...props} />
    </FluentProvider>
  );
}
