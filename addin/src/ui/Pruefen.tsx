import {
  Badge,
  Button,
  Card,
  CardHeader,
  Dropdown,
  Field,
  Input,
  Option,
  Spinner,
  Switch,
  Text,
} from '@fluentui/react-components';
import { ArrowSyncRegular, ArrowUndoRegular, CheckmarkRegular, ChevronDownRegular, ChevronUpRegular } from '@fluentui/react-icons';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Api } from '../api/client.ts';
import { appendPage, auswahl, markReviewed, pruefstand, type Pruefstand } from '../review/pushes.ts';
import type { Aenderung, ChangesQuery, ProtokollArt, RevertResponse, Sendevorgang } from '../review/types.ts';
import {
  PROTOKOLL_ARTEN,
  QUELLEN,
  anzahl,
  mitgliedschaftSatz,
  type Bereichsnamen,
  fehlertext,
  revertOutcomeText,
  revertSummary,
  shownLogValue,
  zeit,
  zuordnungSatz,
  type Meldung,
} from './format.ts';
import { BereichFeld, useKatalog } from './Katalog.tsx';
import { MeldungBar } from './MeldungBar.tsx';

interface Props {
  api: Api;
  /** Who reviews: the pane marks entries as theirs without asking the server again. */
  email: string;
  /** A revert changed sheets on the server; the bound sheet may want to know. */
  onReverted(): void;
}

interface Filter {
  ungeprueft: boolean;
  kind: ProtokollArt | '';
  scope: string;
  actor: string;
}

/** What the last action on a push came to, shown on its card. */
interface Ergebnis {
  meldung: Meldung;
  revert?: RevertResponse;
}

const ALLE = 'alle';
const PERSON_PAUSE_MS = 400;
const PRUEFSTAND: Record<Pruefstand, { text: string; color: 'success' | 'warning' | 'informative' }> = {
  geprueft: { text: 'geprüft', color: 'success' },
  teilweise: { text: 'teilweise geprüft', color: 'warning' },
  offen: { text: 'ungeprüft', color: 'informative' },
};

function Zelle({ entry, outcome, namen }: { entry: Aenderung; outcome: RevertResponse['entries'][number] | undefined; namen: Bereichsnamen }) {
  const zeile = entry.leistung ? [entry.leistung.ozgId, entry.leistung.name].filter((part) => part !== null).join(' ') : entry.scopeName;
  const satz = mitgliedschaftSatz(entry.alt, entry.neu, namen) ?? zuordnungSatz(entry.alt, entry.neu, namen);
  return (
    <li className="zelle">
      <Text size={200} weight="semibold">
        {zeile} · {entry.spalteLabel}
      </Text>
      <Text size={200}>
        {satz ?? `${shownLogValue(entry.alt)} → ${shownLogValue(entry.neu)}`}
      </Text>
      {outcome && (
        <Text size={200} className={`ergebnis-${outcome.outcome}`}>
          {revertOutcomeText(outcome)}
        </Text>
      )}
      {entry.geprueftAm && (
        <Text size={100}>
          geprüft{entry.geprueftVon ? ` von ${entry.geprueftVon}` : ''}, {zeit(entry.geprueftAm)}
        </Text>
      )}
    </li>
  );
}

/**
 * „Prüfen“: the change log as pushes, newest first, each with who, when and from where; expand to
 * its cells, mark it reviewed or revert it. For the coordination office and the Themenfeld coordinators.
 */
export function Pruefen({ api, email, onReverted }: Props) {
  const katalog = useKatalog(api);
  const namen = useMemo<Bereichsnamen>(
    () => ({
      kommune: (ags) => katalog.kommunen.find((k) => k.ags === ags)?.name,
      themenfeld: (id) => katalog.themenfelder.find((t) => t.id === id)?.name,
      dienstleister: (id) => katalog.dienstleister.find((d) => d.id === id)?.name,
    }),
    [katalog],
  );
  const [filter, setFilter] = useState<Filter>({ ungeprueft: true, kind: '', scope: '', actor: '' });
  const [person, setPerson] = useState('');
  const [pushes, setPushes] = useState<Sendevorgang[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [laedt, setLaedt] = useState(false);
  const [meldung, setMeldung] = useState<Meldung | null>(null);
  const [offen, setOffen] = useState<ReadonlySet<string>>(new Set());
  const [ergebnisse, setErgebnisse] = useState<ReadonlyMap<string, Ergebnis>>(new Map());
  const [busy, setBusy] = useState<string | null>(null);
  // Only the answer to the latest request counts when filters change faster than the server answers.
  const request = useRef(0);

  useEffect(() => {
    const timer = setTimeout(() => setFilter((f) => (f.actor === person.trim() ? f : { ...f, actor: person.trim() })), PERSON_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [person]);

  const query = useMemo<ChangesQuery>(
    () => ({
      ...(filter.ungeprueft ? { reviewed: 'false' } : {}),
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(filter.scope ? { scope: filter.scope } : {}),
      ...(filter.actor ? { actor: filter.actor } : {}),
    }),
    [filter],
  );

  const load = useCallback(
    async (after?: string) => {
      const id = ++request.current;
      setLaedt(true);
      setMeldung(null);
      try {
        const page = await api.changes(after ? { ...query, after } : query);
        if (id !== request.current) return;
        setPushes((loaded) => (after && loaded ? appendPage(loaded, page.pushes) : page.pushes));
        setNext(page.next);
        if (!after) {
          setOffen(new Set());
          setErgebnisse(new Map());
        }
      } catch (error) {
        if (id === request.current) setMeldung({ intent: 'error', text: fehlertext(error) });
      } finally {
        if (id === request.current) setLaedt(false);
      }
    },
    [api, query],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const act = async (push: Sendevorgang, action: () => Promise<Ergebnis>) => {
    setBusy(push.key);
    try {
      const ergebnis = await action();
      setErgebnisse((all) => new Map(all).set(push.key, ergebnis));
    } catch (error) {
      setErgebnisse((all) => new Map(all).set(push.key, { meldung: { intent: 'error', text: fehlertext(error) } }));
    } finally {
      setBusy(null);
    }
  };

  const review = (push: Sendevorgang) =>
    act(push, async () => {
      const { geprueft, bereitsGeprueft } = await api.review(auswahl(push));
      const now = new Date().toISOString();
      setPushes((loaded) => loaded && markReviewed(markReviewed(loaded, geprueft, email, now), bereitsGeprueft, null, now));
      const schon = bereitsGeprueft.length ? ` (${anzahl(bereitsGeprueft.length, 'Zelle war', 'Zellen waren')} es schon)` : '';
      return { meldung: { intent: 'success', text: `${anzahl(geprueft.length, 'Zelle', 'Zellen')} als geprüft markiert${schon}.` } };
    });

  const revert = (push: Sendevorgang) =>
    act(push, async () => {
      const response = await api.revert(auswahl(push));
      const back = response.entries.filter((e) => e.outcome === 'applied' || e.outcome === 'unchanged').map((e) => e.id);
      setPushes((loaded) => loaded && markReviewed(loaded, back, email, new Date().toISOString()));
      setOffen((keys) => new Set(keys).add(push.key));
      onReverted();
      const { conflict, rejected } = response.counts;
      return { meldung: { intent: conflict || rejected ? 'warning' : 'success', text: revertSummary(response) }, revert: response };
    });

  const toggle = (key: string) =>
    setOffen((keys) => {
      const toggled = new Set(keys);
      if (!toggled.delete(key)) toggled.add(key);
      return toggled;
    });

  return (
    <div className="stack">
      <div className="stack-tight">
        <Switch
          label="Nur ungeprüfte"
          checked={filter.ungeprueft}
          onChange={(_, data) => setFilter((f) => ({ ...f, ungeprueft: data.checked }))}
        />
        <Field label="Tabellenart">
          <Dropdown
            value={filter.kind ? PROTOKOLL_ARTEN[filter.kind] : 'Alle'}
            selectedOptions={[filter.kind || ALLE]}
            onOptionSelect={(_, data) =>
              setFilter((f) => ({ ...f, kind: data.optionValue === ALLE ? '' : ((data.optionValue ?? '') as ProtokollArt | ''), scope: '' }))
            }
          >
            <Option value={ALLE}>Alle</Option>
            {Object.entries(PROTOKOLL_ARTEN).map(([kind, titel]) => (
              <Option key={kind} value={kind}>
                {titel}
              </Option>
            ))}
          </Dropdown>
        </Field>
        {filter.kind && filter.kind !== 'mitglieder' && filter.kind !== 'zuordnungen' && (
          <BereichFeld
            key={filter.kind}
            kind={filter.kind}
            katalog={katalog}
            scope={filter.scope}
            onScope={(scope) => setFilter((f) => ({ ...f, scope }))}
            clearable
          />
        )}
        <Field label="Person">
          <Input type="email" placeholder="E-Mail-Adresse" value={person} onChange={(_, data) => setPerson(data.value)} />
        </Field>
      </div>
      <div className="row spread">
        <Text weight="semibold">{pushes ? anzahl(pushes.length, 'Sendevorgang', 'Sendevorgänge') : 'Änderungen'}</Text>
        <Button appearance="subtle" icon={<ArrowSyncRegular />} disabled={laedt} onClick={() => void load()}>
          Aktualisieren
        </Button>
      </div>
      {meldung && <MeldungBar meldung={meldung} />}
      {pushes?.length === 0 && <Text>{filter.ungeprueft ? 'Keine ungeprüften Änderungen.' : 'Keine Änderungen für diese Auswahl.'}</Text>}
      {pushes?.map((push) => {
        const state = pruefstand(push);
        const stand = PRUEFSTAND[state];
        const ergebnis = ergebnisse.get(push.key);
        const shown = offen.has(push.key);
        const working = busy === push.key;
        return (
          <Card key={push.key} className="sendevorgang" size="small" aria-label={`${push.scopeName ?? PROTOKOLL_ARTEN[push.kind]}, ${push.akteur}`}>
            <CardHeader
              header={
                <Text weight="semibold">
                  {push.scopeName ?? '–'} · {PROTOKOLL_ARTEN[push.kind]}
                </Text>
              }
              action={
                <Badge appearance="tint" color={stand.color}>
                  {stand.text}
                </Badge>
              }
            />
            <Text size={200}>
              {push.akteur} · {zeit(push.zeitpunkt)} · {QUELLEN[push.quelle]} · {anzahl(push.entries.length, 'Zelle', 'Zellen')}
            </Text>
            <div className="row">
              <Button
                size="small"
                appearance="subtle"
                icon={shown ? <ChevronUpRegular /> : <ChevronDownRegular />}
                aria-expanded={shown}
                onClick={() => toggle(push.key)}
              >
                {shown ? 'Zellen ausblenden' : 'Zellen anzeigen'}
              </Button>
              <Button
                size="small"
                icon={<CheckmarkRegular />}
                disabled={busy !== null || state === 'geprueft'}
                onClick={() => void review(push)}
              >
                Als geprüft markieren
              </Button>
              {push.darfZuruecksetzen && (
                <Button size="small" icon={<ArrowUndoRegular />} disabled={busy !== null || Boolean(ergebnis?.revert)} onClick={() => void revert(push)}>
                  Zurücksetzen
                </Button>
              )}
              {working && <Spinner size="tiny" />}
            </div>
            {ergebnis && <MeldungBar meldung={ergebnis.meldung} />}
            {shown && (
              <ul className="zellen" aria-label="Geänderte Zellen">
                {push.entries.map((entry) => (
                  <Zelle key={entry.id} entry={entry} namen={namen} outcome={ergebnis?.revert?.entries.find((o) => o.id === entry.id)} />
                ))}
              </ul>
            )}
          </Card>
        );
      })}
      {laedt && <Spinner size="small" label="Änderungen werden geladen …" />}
      {next && !laedt && (
        <Button appearance="secondary" onClick={() => void load(next)}>
          Weitere laden
        </Button>
      )}
    </div>
  );
}
