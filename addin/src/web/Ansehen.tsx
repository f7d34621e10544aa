import {
  Button,
  DataGrid,
  DataGridBody,
  DataGridCell,
  DataGridHeader,
  DataGridHeaderCell,
  DataGridRow,
  Dropdown,
  Field,
  Input,
  Option,
  Spinner,
  Text,
  Title3,
  createTableColumn,
  type DataGridProps,
} from '@fluentui/react-components';
import { ArrowLeftRegular, CheckmarkRegular } from '@fluentui/react-icons';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { cellText, valueAt, type Column, type SheetRow } from '../../../core/index.ts';
import type { Api, MeResponse } from '../api/client.ts';
import type { AnyAnmeldung } from '../api/start.ts';
import { cursorCovers } from '../live/events.ts';
import { anzahl, fehlertext } from '../ui/format.ts';
import { useLive } from '../ui/hooks.ts';
import { LiveHinweis } from '../ui/LiveHinweis.tsx';
import { MeldungBar } from '../ui/MeldungBar.tsx';
import { SheetPicker, type SheetChoice } from '../ui/SheetPicker.tsx';
import { einarbeiten, gefiltert, sortiert, vergleich, type Richtung } from './ansicht.ts';

/**
 * Rows per page. A Kreis sheet has thousands of rows; paging keeps the page's DOM (and axe, and the
 * arrow keys of the grid) to one page of them, while sorting and filtering always take in all rows.
 */
export const SEITE = 100;

interface Props {
  api: Api;
  server: string;
  anmeldung: AnyAnmeldung;
  me: MeResponse;
  /** How often to check for changes while the live stream is not open. */
  pollMs?: number;
}

/** Any readable sheet as a table in the page, read-only: the own ones first, any other by search, as in Meine Tabellen. */
export function Ansehen({ api, server, anmeldung, me, pollMs = 60_000 }: Props) {
  const [tabelle, setTabelle] = useState<SheetChoice | null>(null);
  if (tabelle) {
    return (
      <TabelleAnsehen
        key={`${tabelle.kind}/${tabelle.scope}`}
        api={api}
        server={server}
        anmeldung={anmeldung}
        tabelle={tabelle}
        pollMs={pollMs}
        onZurueck={() => setTabelle(null)}
      />
    );
  }
  return (
    <div className="stack auswahl">
      <Title3 as="h2">Ansehen</Title3>
      <Text>Jede Tabelle, die Sie lesen dürfen, hier auf der Seite: sortieren, filtern, und Änderungen anderer erscheinen von selbst.</Text>
      <SheetPicker api={api} me={me} busy={false} onChoose={setTabelle} aktion="Ansehen" />
    </div>
  );
}

interface Stand {
  columns: Column[];
  rows: SheetRow[];
  cursor: string;
}

interface SortState {
  sortColumn: string | number | undefined;
  sortDirection: Richtung;
}

const ALLE = '';

/** Text takes room, a number little: twice the share of the width for text, lists and addresses, a date in between. */
const breite = (column: Column | undefined) => (!column ? 1 : ['text', 'url', 'enum[]'].includes(column.type) ? 2 : column.type === 'date' ? 1.5 : 1);
const SPALTE_PX = 70;
const uhrzeit = (date: Date) => date.toLocaleTimeString('de-DE', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function TabelleAnsehen({ api, server, anmeldung, tabelle, pollMs, onZurueck }: Omit<Props, 'me'> & { tabelle: SheetChoice; pollMs: number; onZurueck(): void }) {
  const { kind, scope } = tabelle;
  const [stand, setStand] = useState<Stand | null>(null);
  const [fehler, setFehler] = useState<string | null>(null);
  const [neu, setNeu] = useState<{ anzahl: number; zuletzt: Date } | null>(null);
  const [geaendert, setGeaendert] = useState<ReadonlySet<string>>(new Set());
  const [filter, setFilter] = useState('');
  const [spalte, setSpalte] = useState(ALLE);
  const [sortState, setSortState] = useState<SortState>({ sortColumn: undefined, sortDirection: 'ascending' });
  const [seite, setSeite] = useState(0);

  /*
   * One pull at a time, each from the cursor the one before left: the first brings the whole sheet, every later
   * one only what changed since (a notice, a reconnect, the clock). A view has no unsent edits, so whatever comes
   * goes straight into the table.
   */
  const aktuell = useRef<Stand | null>(null);
  const kette = useRef<Promise<void>>(Promise.resolve());
  const nachsehen = useCallback(() => {
    kette.current = kette.current.then(async () => {
      const vorher = aktuell.current;
      try {
        const pull = await api.pull(kind, scope, vorher?.cursor);
        if (!vorher) {
          aktuell.current = { columns: pull.columns, rows: pull.rows, cursor: pull.cursor };
          setStand(aktuell.current);
          return;
        }
        const merged = einarbeiten(vorher.rows, pull);
        aktuell.current = { columns: vorher.columns, rows: merged.rows, cursor: pull.cursor };
        setStand(aktuell.current);
        if (!merged.anzahl) return;
        setNeu((alt) => ({ anzahl: (alt?.anzahl ?? 0) + merged.anzahl, zuletzt: new Date() }));
        setGeaendert((alt) => new Set([...alt, ...merged.geaendert]));
      } catch (error) {
        // A failed check for news is made again by the next notice or tick; only a sheet that never came is news.
        if (!vorher) setFehler(fehlertext(error));
      }
    });
  }, [api, kind, scope]);
  useEffect(nachsehen, [nachsehen]);

  const live = useLive({
    server,
    anmeldung,
    sheets: [{ kind, scope }],
    // A notice whose transaction the last pull saw has nothing new for this view.
    aenderung: ({ txid }) => {
      if (!(aktuell.current && cursorCovers(aktuell.current.cursor, txid))) nachsehen();
    },
    alleNachsehen: nachsehen,
    takt: nachsehen,
    pollMs,
  });

  const columns = stand?.columns;
  const gridColumns = useMemo(
    () =>
      (columns ?? []).map((column) =>
        createTableColumn<SheetRow>({
          columnId: column.key,
          compare: vergleich(column, sortState.sortDirection),
          renderHeaderCell: () => column.label,
          renderCell: (row) => cellText(column, valueAt(row.values, column.key)),
        }),
      ),
    [columns, sortState.sortDirection],
  );
  const zeilen = useMemo(() => {
    if (!stand) return [];
    const sortColumn = stand.columns.find((column) => column.key === sortState.sortColumn);
    return sortiert(gefiltert(stand.rows, stand.columns, filter, spalte || undefined), sortColumn, sortState.sortDirection);
  }, [stand, filter, spalte, sortState]);

  const seiten = Math.max(1, Math.ceil(zeilen.length / SEITE));
  const gezeigt = Math.min(seite, seiten - 1);
  const sichtbar = zeilen.slice(gezeigt * SEITE, (gezeigt + 1) * SEITE);
  const onSortChange: DataGridProps['onSortChange'] = (_, next) => {
    setSortState({ sortColumn: next.sortColumn, sortDirection: next.sortDirection });
    setSeite(0);
  };
  const anteil = (columnId: string | number) => ({ flex: `${breite(columns?.find((column) => column.key === columnId))} 1 0px` });
  const spaltenText = spalte === ALLE ? 'Alle Spalten' : (columns?.find((column) => column.key === spalte)?.label ?? spalte);

  return (
    <section className="stack ansicht" aria-labelledby="ansicht-titel">
      <div className="row">
        <Button appearance="subtle" icon={<ArrowLeftRegular />} onClick={onZurueck}>
          Andere Tabelle
        </Button>
      </div>
      <Title3 as="h2" id="ansicht-titel">
        {tabelle.title}
      </Title3>
      <Text size={200}>Nur zum Ansehen. Ändern können Sie eine Tabelle im Add-in oder über „Meine Tabellen“ (herunterladen, ausfüllen, hochladen).</Text>
      {fehler && <MeldungBar meldung={{ intent: 'error', text: fehler }} />}
      <LiveHinweis live={live} />
      {neu && (
        <div className="row">
          <Text role="status">
            {`${anzahl(neu.anzahl, 'neue Änderung', 'neue Änderungen')} übernommen, zuletzt um ${uhrzeit(neu.zuletzt)}. Geänderte Zeilen sind gelb hinterlegt.`}
          </Text>
          <Button
            size="small"
            icon={<CheckmarkRegular />}
            onClick={() => {
              setNeu(null);
              setGeaendert(new Set());
            }}
          >
            Gesehen
          </Button>
        </div>
      )}
      {!stand ? (
        !fehler && <Spinner size="small" label="Tabelle wird geladen …" />
      ) : (
        <>
          <div className="row filter">
            <Field label="Filtern">
              <Input
                value={filter}
                onChange={(_, data) => {
                  setFilter(data.value);
                  setSeite(0);
                }}
                placeholder="Text in einer Zelle"
              />
            </Field>
            <Field label="Spalte">
              <Dropdown
                value={spaltenText}
                selectedOptions={[spalte]}
                onOptionSelect={(_, data) => {
                  setSpalte(data.optionValue ?? ALLE);
                  setSeite(0);
                }}
              >
                <Option value={ALLE}>Alle Spalten</Option>
                {stand.columns.map((column) => (
                  <Option key={column.key} value={column.key}>
                    {column.label}
                  </Option>
                ))}
              </Dropdown>
            </Field>
          </div>
          <Text size={200} aria-live="polite">
            {zeilen.length === stand.rows.length
              ? anzahl(zeilen.length, 'Zeile', 'Zeilen')
              : `${zeilen.length} von ${anzahl(stand.rows.length, 'Zeile', 'Zeilen')}`}
            {seiten > 1 && ` · Seite ${gezeigt + 1} von ${seiten} (Zeilen ${gezeigt * SEITE + 1}–${gezeigt * SEITE + sichtbar.length})`}
            {' · Zum Sortieren eine Spaltenüberschrift wählen (Enter), mit den Pfeiltasten durch die Zellen.'}
          </Text>
          <div className="raster">
            <DataGrid
              items={sichtbar}
              columns={gridColumns}
              getRowId={(row: SheetRow) => row.id}
              sortable
              sortState={sortState}
              onSortChange={onSortChange}
              size="small"
              aria-labelledby="ansicht-titel"
              // Fluent's advice: a minimum width, so that the grid stays readable when zoomed or narrow.
              style={{ minWidth: `${stand.columns.reduce((sum, column) => sum + breite(column), 0) * SPALTE_PX}px` }}
            >
              <DataGridHeader>
                <DataGridRow>
                  {({ renderHeaderCell, columnId }) => <DataGridHeaderCell style={anteil(columnId)}>{renderHeaderCell()}</DataGridHeaderCell>}
                </DataGridRow>
              </DataGridHeader>
              <DataGridBody<SheetRow>>
                {({ item, rowId }) => (
                  <DataGridRow<SheetRow> key={rowId} className={geaendert.has(item.id) ? 'geaendert' : undefined}>
                    {({ renderCell, columnId }) => <DataGridCell style={anteil(columnId)}>{renderCell(item)}</DataGridCell>}
                  </DataGridRow>
                )}
              </DataGridBody>
            </DataGrid>
          </div>
          {seiten > 1 && (
            <nav className="row" aria-label="Seiten der Tabelle">
              <Button disabled={gezeigt === 0} onClick={() => setSeite(gezeigt - 1)}>
                Vorherige Seite
              </Button>
              <Button disabled={gezeigt >= seiten - 1} onClick={() => setSeite(gezeigt + 1)}>
                Nächste Seite
              </Button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}
