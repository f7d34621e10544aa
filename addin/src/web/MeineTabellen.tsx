import {
  Badge,
  Button,
  ProgressBar,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Title3,
} from '@fluentui/react-components';
import { ArrowDownloadRegular, ArrowLeftRegular, ArrowUploadRegular } from '@fluentui/react-icons';
import { useRef, useState, type DragEvent } from 'react';
import type { Api, MeResponse } from '../api/client.ts';
import { speichern, type Dateien, type ImportErgebnis, type ImportTabelle } from '../api/dateien.ts';
import { anzahl, type Meldung } from '../ui/format.ts';
import { useAktion } from '../ui/hooks.ts';
import { MeldungBar } from '../ui/MeldungBar.tsx';
import { darfAendern } from '../ui/rechte.ts';
import { SheetPicker, type SheetChoice } from '../ui/SheetPicker.tsx';

interface Props {
  api: Api;
  dateien: Dateien;
  me: MeResponse;
}

/** The sheets a person may write first (the pane's picker lists them), and any readable one by search. */
export function MeineTabellen({ api, dateien, me }: Props) {
  const [tabelle, setTabelle] = useState<SheetChoice | null>(null);
  if (tabelle) return <TabelleDatei key={`${tabelle.kind}/${tabelle.scope}`} dateien={dateien} me={me} tabelle={tabelle} onZurueck={() => setTabelle(null)} />;
  return (
    <div className="stack">
      <div className="stack auswahl">
        <Title3 as="h2">Meine Tabellen</Title3>
        {me.schreibrechte.length === 0 && (
          <Text>Sie dürfen keine Tabelle ändern; ansehen und herunterladen können Sie jede. Schreibrechte vergibt die OZG-Koordinierungsstelle.</Text>
        )}
        <SheetPicker api={api} me={me} busy={false} onChoose={setTabelle} aktion="Öffnen" />
      </div>
      {me.schreibrechte.length > 0 && (
        <DateiHochladen
          dateien={dateien}
          hinweis="Eine Datei aus OZG-Sync mit einer oder mehreren Tabellen (etwa alle Kommunen eines IT-Dienstleisters) hierher ziehen oder auswählen (.xlsx, höchstens 10 MB). Jede Tabelle wird für sich übernommen; dieselbe Datei noch einmal zu senden übernimmt nichts doppelt."
        />
      )}
    </div>
  );
}

const ERGEBNISSE = ['übernommen', 'Konflikt', 'abgelehnt', 'ungültig'] as const;

function zaehlen(ergebnis: ImportErgebnis): Record<(typeof ERGEBNISSE)[number] | 'Hinweise', number> {
  const rows = (outcome: string) => ergebnis.results.filter((result) => result.outcome === outcome).length;
  return {
    übernommen: rows('applied'),
    Konflikt: rows('conflict'),
    abgelehnt: rows('rejected'),
    ungültig: ergebnis.ungueltig.length,
    Hinweise: ergebnis.hinweise.length,
  };
}

/** What the page says about a sent file: over all its tables, and which were not taken over at all. */
function meldungFuer(name: string, tabellen: ImportTabelle[]): Meldung {
  const abgewiesen = tabellen.filter((tabelle) => tabelle.fehler).length;
  const ergebnisse = tabellen.flatMap((tabelle) => (tabelle.ergebnis ? [tabelle.ergebnis] : []));
  const probleme = ergebnisse.reduce((sum, ergebnis) => {
    const n = zaehlen(ergebnis);
    return sum + n.Konflikt + n.abgelehnt + n.ungültig;
  }, 0);
  const nicht = abgewiesen ? ` ${anzahl(abgewiesen, 'Tabelle wurde', 'Tabellen wurden')} nicht übernommen, der Grund steht unten.` : '';
  if (!ergebnisse.some((ergebnis) => ergebnis.zeilen.length)) {
    const hinweise = ergebnisse.some((ergebnis) => ergebnis.hinweise.length);
    return { intent: abgewiesen || hinweise ? 'warning' : 'info', text: `„${name}“ enthält keine Änderungen.${nicht}` };
  }
  if (probleme) {
    return {
      intent: 'warning',
      text: `„${name}“ gesendet. Laden Sie das Ergebnis herunter: Konflikte und Fehler sind darin markiert und lassen sich dort korrigieren.${nicht}`,
    };
  }
  return { intent: abgewiesen ? 'warning' : 'success', text: `„${name}“ gesendet, alle Änderungen übernommen.${nicht}` };
}

function TabelleDatei({ dateien, me, tabelle, onZurueck }: { dateien: Dateien; me: MeResponse; tabelle: SheetChoice; onZurueck(): void }) {
  const aktion = useAktion();
  const { busy, meldung } = aktion;
  const schreiben = darfAendern(me, tabelle.kind, tabelle.scope);

  const herunterladen = () =>
    aktion.run('Herunterladen', async () => {
      speichern(await dateien.herunterladen(tabelle.kind, tabelle.scope));
      return null;
    });

  return (
    <section className="stack" aria-labelledby="tabelle-titel">
      <div className="row">
        <Button appearance="subtle" icon={<ArrowLeftRegular />} onClick={onZurueck}>
          Andere Tabelle
        </Button>
      </div>
      <div className="row">
        <Title3 as="h2" id="tabelle-titel">
          {tabelle.title}
        </Title3>
        {!schreiben && (
          <Badge appearance="tint" color="informative">
            Nur lesen
          </Badge>
        )}
      </div>
      <Text>
        {schreiben
          ? 'Laden Sie die Tabelle herunter, füllen Sie sie in Excel oder LibreOffice aus und laden Sie die gespeicherte Datei hier wieder hoch. Gesendet werden nur die Zellen, die Sie geändert haben.'
          : 'Diese Tabelle können Sie herunterladen und ansehen, aber nicht ändern. Schreibrechte vergibt die OZG-Koordinierungsstelle.'}
      </Text>
      <div className="row">
        <Button appearance={schreiben ? 'secondary' : 'primary'} icon={<ArrowDownloadRegular />} disabled={busy !== null} onClick={() => void herunterladen()}>
          Herunterladen
        </Button>
      </div>
      {busy && <Spinner size="small" label={`${busy} …`} />}
      {meldung && <MeldungBar meldung={meldung} />}
      {schreiben && (
        <DateiHochladen
          dateien={dateien}
          hinweis="Datei hierher ziehen oder auswählen (.xlsx, höchstens 10 MB). Dieselbe Datei noch einmal zu senden übernimmt nichts doppelt."
        />
      )}
    </section>
  );
}

/**
 * The upload of a filled file, as a drop zone and a button, and its result. The file says which tables it holds
 * (its sheets OZG-Sync, OZG-Sync 2, …), so it goes to POST /api/import whichever table the page shows.
 */
function DateiHochladen({ dateien, hinweis }: { dateien: Dateien; hinweis: string }) {
  const aktion = useAktion();
  const { busy, meldung } = aktion;
  const [fortschritt, setFortschritt] = useState<number | null>(null);
  const [gesendet, setGesendet] = useState<{ datei: File; tabellen: ImportTabelle[] } | null>(null);
  const [ziehen, setZiehen] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const run = (label: string, action: () => Promise<Meldung | null>) =>
    aktion.run(label, () => action().finally(() => setFortschritt(null)));

  const hochladen = (datei: File) =>
    run('Hochladen', async () => {
      setGesendet(null);
      const tabellen = await dateien.hochladen(datei, (sent, total) => setFortschritt(total ? sent / total : 0));
      setGesendet({ datei, tabellen });
      return meldungFuer(datei.name, tabellen);
    });

  const ergebnisHerunterladen = (datei: File) =>
    run('Ergebnis herunterladen', async () => {
      speichern(await dateien.ergebnisMappe(datei));
      return null;
    });

  const fallenLassen = (event: DragEvent) => {
    event.preventDefault();
    setZiehen(false);
    const datei = event.dataTransfer.files[0];
    if (datei && busy === null) void hochladen(datei);
  };

  return (
    <>
      <div
        className="ablage stack-tight"
        data-ziehen={ziehen ? 'ja' : 'nein'}
        onDragOver={(event) => {
          event.preventDefault();
          setZiehen(true);
        }}
        onDragLeave={() => setZiehen(false)}
        onDrop={fallenLassen}
      >
        <Text weight="semibold">Ausgefüllte Datei hochladen</Text>
        <Text size={200}>{hinweis}</Text>
        <div className="row">
          <Button appearance="primary" icon={<ArrowUploadRegular />} disabled={busy !== null} onClick={() => input.current?.click()}>
            Hochladen
          </Button>
        </div>
        <input
          ref={input}
          type="file"
          hidden
          aria-label="Ausgefüllte Datei"
          accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          onChange={(event) => {
            const datei = event.target.files?.[0];
            event.target.value = '';
            if (datei) void hochladen(datei);
          }}
        />
      </div>
      {busy &&
        (fortschritt !== null && busy === 'Hochladen' ? (
          <ProgressBar value={fortschritt} aria-label={`Hochladen: ${Math.round(fortschritt * 100)} %`} />
        ) : (
          <Spinner size="small" label={`${busy} …`} />
        ))}
      {meldung && <MeldungBar meldung={meldung} />}
      {gesendet && (
        <section className="stack" aria-labelledby="ergebnis-titel">
          <Title3 as="h3" id="ergebnis-titel">
            Ergebnis
          </Title3>
          <div className="row">
            <Button appearance="primary" icon={<ArrowDownloadRegular />} disabled={busy !== null} onClick={() => void ergebnisHerunterladen(gesendet.datei)}>
              Ergebnis herunterladen
            </Button>
            <Button
              disabled={busy !== null}
              onClick={() => void hochladen(gesendet.datei)}
              title="Dieselbe Datei noch einmal senden: Schon Übernommenes wird nicht doppelt gespeichert"
            >
              Noch einmal senden
            </Button>
          </div>
          {gesendet.tabellen.map((tabelle) => {
            const mehrere = gesendet.tabellen.length > 1;
            return (
              <section key={`${tabelle.kind}:${tabelle.scope}`} className="stack-tight" {...(mehrere ? { 'aria-label': `Blatt ${tabelle.blatt}` } : {})}>
                <Text as="h4" weight="semibold">
                  {mehrere ? `${tabelle.titel} (Blatt „${tabelle.blatt}“)` : tabelle.titel}
                </Text>
                {tabelle.ergebnis ? <TabellenErgebnis ergebnis={tabelle.ergebnis} /> : <Text>{`Nicht übernommen: ${tabelle.fehler?.message ?? ''}`}</Text>}
              </section>
            );
          })}
        </section>
      )}
    </>
  );
}

/** One table's result: rows and cells per outcome, each sent cell with its reason, and the hints. */
function TabellenErgebnis({ ergebnis }: { ergebnis: ImportErgebnis }) {
  const n = zaehlen(ergebnis);
  return (
    <div className="stack-tight">
      <ul className="row zaehler" aria-label="Zeilen und Zellen nach Ergebnis">
        {ERGEBNISSE.map((art) => (
          <li key={art}>
            <Badge appearance={n[art] ? 'filled' : 'outline'} color={art === 'übernommen' ? 'success' : art === 'Konflikt' ? 'warning' : 'danger'}>
              {`${n[art]} ${art}`}
            </Badge>
          </li>
        ))}
        <li>
          <Badge appearance={n.Hinweise ? 'filled' : 'outline'} color="informative">
            {anzahl(n.Hinweise, 'Hinweis', 'Hinweise')}
          </Badge>
        </li>
      </ul>
      <Text size={200}>Übernommen, Konflikt und abgelehnt zählen Zeilen, ungültig zählt Zellen.</Text>
      {ergebnis.zeilen.length > 0 && (
        <Table aria-label="Ergebnis je Zelle" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Zeile</TableHeaderCell>
              <TableHeaderCell>Leistung</TableHeaderCell>
              <TableHeaderCell>Spalte</TableHeaderCell>
              <TableHeaderCell>Wert</TableHeaderCell>
              <TableHeaderCell>Ergebnis</TableHeaderCell>
              <TableHeaderCell>Grund</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {ergebnis.zeilen.map((zeile, index) => (
              <TableRow key={index}>
                <TableCell>{zeile.zeile ?? '–'}</TableCell>
                <TableCell>{zeile.leistung}</TableCell>
                <TableCell>{zeile.spalte}</TableCell>
                <TableCell>{zeile.wert}</TableCell>
                <TableCell>{zeile.ergebnis}</TableCell>
                <TableCell>{zeile.meldung}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {ergebnis.hinweise.length > 0 && (
        <div className="stack-tight">
          <Text weight="semibold">Hinweise</Text>
          <ul className="stack-tight">
            {ergebnis.hinweise.map((hinweis, index) => (
              <li key={index}>
                <Text size={200}>{hinweis}</Text>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
