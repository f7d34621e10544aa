import { Button, Dropdown, Field, Option, Spinner, Text } from '@fluentui/react-components';
import { DocumentTableArrowRightRegular } from '@fluentui/react-icons';
import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../api/client.ts';
import { SHARE_TITLE, bars, chartTable, progressReport, type Bar } from '../review/progress.ts';
import type { ProgressResponse, TrendResponse } from '../review/types.ts';
import type { WorkbookHost } from '../app/host.ts';
import { fehlertext, prozent, type Meldung } from './format.ts';
import { useAktion } from './hooks.ts';
import { useKatalog } from './Katalog.tsx';
import { MeldungBar } from './MeldungBar.tsx';
import { NochNichtGemeldet, SeitFeld } from './Meldungen.tsx';
import { ReifegradLegende, useReifegrade } from './Reifegrade.tsx';
import { VerlaufDiagramm } from './Verlauf.tsx';

const ALLE = 'alle';

/** One horizontal bar per row: plain CSS, a chart library would outweigh the whole pane. */
export function AnteilDiagramm({ titel, balken }: { titel: string; balken: Bar[] }) {
  if (!balken.length) return <Text>Für diese Auswahl gibt es keine Zeilen.</Text>;
  return (
    <figure className="diagramm">
      <figcaption>
        <Text weight="semibold">{titel}</Text>
      </figcaption>
      <ul aria-label={titel}>
        {balken.map((bar) => (
          <li key={bar.name} className="balken-zeile" aria-label={`${bar.name}: ${prozent(bar.share)}`}>
            <span className="balken-name">{bar.name}</span>
            <span className="balken-spur">
              <span className="balken" style={{ width: `${Math.min(1, Math.max(0, bar.share)) * 100}%` }} />
            </span>
            <span className="balken-wert">{prozent(bar.share)}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

/**
 * „Fortschritt“: how far the Kommunen are, as the share at Reifegrad 3 or more per Themenfeld (or
 * per OZG-Leistung of one Themenfeld), optionally for one Kreis, and its trend over the
 * Stichtage; and the same into the workbook.
 */
/**
 * Where the figures go besides the screen: into the workbook in the pane, as progress.xlsx in the
 * browser. `aktion` gets the report shown and the filter it was made with and gives the message.
 */
export interface FortschrittAusgabe {
  label: string;
  /** The error message, given the error's text. */
  fehler(text: string): string;
  aktion(report: ProgressResponse, trend: TrendResponse | null, filter: { themenfeld?: string; kreis?: string; seit?: string }): Promise<Meldung>;
}

/** „In Excel ausgeben“: the report with its charts on a worksheet of the open workbook. */
export function inExcel(host: WorkbookHost): FortschrittAusgabe {
  return {
    label: 'In Excel ausgeben',
    fehler: (text) => `Das Blatt konnte nicht geschrieben werden: ${text}`,
    async aktion(report, trend) {
      const inhalt = progressReport(report, trend);
      const blatt = await host.writeReport(inhalt);
      const was = inhalt.trend ? 'Tabellen und Diagramme, auch der Verlauf,' : 'Tabelle und Diagramm';
      return { intent: 'success', text: `${was} stehen auf dem Blatt „${blatt}“.` };
    },
  };
}

export function Fortschritt({ api, ausgabe }: { api: Api; ausgabe: FortschrittAusgabe }) {
  const katalog = useKatalog(api);
  const [themenfeld, setThemenfeld] = useState('');
  const [kreis, setKreis] = useState('');
  const [seit, setSeit] = useState('');
  // whether the caller may read the change log, kept while a new report loads so that the date field stays put
  const [meldungenSichtbar, setMeldungenSichtbar] = useState(false);
  const [bericht, setBericht] = useState<ProgressResponse | null>(null);
  const [trend, setTrend] = useState<TrendResponse | null>(null);
  const [trendFehler, setTrendFehler] = useState<string | null>(null);
  const modelle = useReifegrade(api);
  const { busy, meldung, setMeldung, run } = useAktion();

  const kreise = useMemo(
    () => [...new Map(katalog.kommunen.map((k) => [k.kreisschluessel, k.kreis])).entries()].sort(([, a], [, b]) => a.localeCompare(b, 'de')),
    [katalog],
  );

  const filter = useMemo(() => ({ ...(themenfeld ? { themenfeld } : {}), ...(kreis ? { kreis } : {}) }), [themenfeld, kreis]);
  const berichtFilter = useMemo(() => ({ ...filter, ...(seit ? { seit } : {}) }), [filter, seit]);

  useEffect(() => {
    let current = true;
    setBericht(null);
    setMeldung(null);
    api.progress(berichtFilter).then(
      (report) => {
        if (!current) return;
        setBericht(report);
        setMeldungenSichtbar(report.meldungen !== null);
      },
      (error: unknown) => current && setMeldung({ intent: 'error', text: fehlertext(error) }),
    );
    return () => {
      current = false;
    };
  }, [api, berichtFilter, setMeldung]);

  useEffect(() => {
    let current = true;
    setTrend(null);
    setTrendFehler(null);
    // The trend is a view of its own: its failure leaves today's figures and the report usable.
    api.trend(filter).then(
      (verlauf) => current && setTrend(verlauf),
      (error: unknown) => current && setTrendFehler(fehlertext(error)),
    );
    return () => {
      current = false;
    };
  }, [api, filter]);

  const ausgeben = (report: ProgressResponse, trend: TrendResponse | null) =>
    run(ausgabe.label, () => ausgabe.aktion(report, trend, berichtFilter), ausgabe.fehler);

  const table = bericht && chartTable(bericht);
  const themenfeldName = katalog.themenfelder.find((t) => String(t.id) === themenfeld)?.name;
  return (
    <div className="stack">
      <Field label="Themenfeld">
        <Dropdown
          value={themenfeldName ?? 'Alle Themenfelder'}
          selectedOptions={[themenfeld || ALLE]}
          onOptionSelect={(_, data) => setThemenfeld(data.optionValue === ALLE ? '' : (data.optionValue ?? ''))}
        >
          <Option value={ALLE}>Alle Themenfelder</Option>
          {katalog.themenfelder.map((t) => (
            <Option key={t.id} value={String(t.id)}>
              {t.name}
            </Option>
          ))}
        </Dropdown>
      </Field>
      <Field label="Kreis">
        <Dropdown
          value={kreise.find(([key]) => key === kreis)?.[1] ?? 'Ganz NRW'}
          selectedOptions={[kreis || ALLE]}
          onOptionSelect={(_, data) => setKreis(data.optionValue === ALLE ? '' : (data.optionValue ?? ''))}
        >
          <Option value={ALLE}>Ganz NRW</Option>
          {kreise.map(([key, name]) => (
            <Option key={key} value={key} text={name}>
              {name} ({key})
            </Option>
          ))}
        </Dropdown>
      </Field>
      {meldungenSichtbar && <SeitFeld seit={seit} onChange={setSeit} />}
      {meldung && <MeldungBar meldung={meldung} />}
      {!bericht || !table ? (
        !meldung && <Spinner size="small" label="Fortschritt wird berechnet …" />
      ) : (
        <>
          <div className="stack-tight">
            <Text weight="semibold">{table.titel}</Text>
            <Text size={200}>{bericht.untertitel}</Text>
          </div>
          {seit && <NochNichtGemeldet bericht={bericht} seit={seit} />}
          <AnteilDiagramm titel={SHARE_TITLE} balken={bars(table)} />
          <ReifegradLegende modelle={modelle} />
          {trend ? (
            <VerlaufDiagramm trend={trend} />
          ) : trendFehler ? (
            <Text>Der Verlauf ließ sich nicht laden: {trendFehler}</Text>
          ) : (
            <Spinner size="tiny" label="Verlauf wird geladen …" />
          )}
          {/* the report waits for the trend, so that it never leaves the Verlauf out by chance */}
          <Button
            appearance="primary"
            icon={<DocumentTableArrowRightRegular />}
            disabled={busy !== null || (!trend && !trendFehler)}
            onClick={() => void ausgeben(bericht, trend)}
          >
            {ausgabe.label}
          </Button>
        </>
      )}
    </div>
  );
}
