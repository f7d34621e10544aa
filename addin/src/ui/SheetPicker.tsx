import { Badge, Button, Combobox, Dropdown, Field, Option, Text } from '@fluentui/react-components';
import { useEffect, useMemo, useState } from 'react';
import type { Api, MeResponse } from '../api/client.ts';

export interface SheetChoice {
  kind: string;
  scope: string;
  title: string;
}

interface Props {
  api: Api;
  me: MeResponse;
  busy: boolean;
  onChoose(choice: SheetChoice): void;
}

/** Choose a sheet: a kind, then its scope (a municipality, searchable among all 396, or a Themenfeld). */
export function SheetPicker({ api, me, busy, onChoose }: Props) {
  const [kinds, setKinds] = useState<{ kind: string; title: string }[]>([]);
  const [kommunen, setKommunen] = useState<{ ags: string; name: string; kreis: string }[]>([]);
  const [themenfelder, setThemenfelder] = useState<{ id: number; name: string }[]>([]);
  const first = me.schreibrechte[0];
  const [kind, setKind] = useState(first?.kind ?? 'kommune-status');
  const [scope, setScope] = useState(first?.scope ?? '');
  const [query, setQuery] = useState('');

  useEffect(() => {
    void api.sheets().then(setKinds);
    void api.kommunen().then(setKommunen);
    void api.themenfelder().then(setThemenfelder);
  }, [api]);

  const scopes = useMemo(
    () =>
      kind === 'kommune-status'
        ? kommunen.map((k) => ({ value: k.ags, text: `${k.name} (${k.ags})`, hint: k.kreis }))
        : themenfelder.map((t) => ({ value: String(t.id), text: t.name, hint: `Themenfeld ${t.id}` })),
    [kind, kommunen, themenfelder],
  );
  const matching = scopes.filter((s) => s.text.toLowerCase().includes(query.toLowerCase())).slice(0, 50);
  const selected = scopes.find((s) => s.value === scope);
  const isAdmin = me.mitgliedschaften.some((m) => m.rolle === 'admin');
  const writable = isAdmin || me.schreibrechte.some((r) => r.kind === kind && r.scope === scope);
  const kindTitle = kinds.find((k) => k.kind === kind)?.title ?? kind;

  return (
    <div className="stack">
      {me.schreibrechte.length > 0 && (
        <div className="stack-tight">
          <Text weight="semibold">Ihre Tabellen</Text>
          {me.schreibrechte.map((r) => (
            <Button key={`${r.kind}/${r.scope}`} appearance="secondary" disabled={busy} onClick={() => onChoose({ kind: r.kind, scope: r.scope, title: r.titel })}>
              {r.titel}
            </Button>
          ))}
        </div>
      )}
      <Field label="Tabellenart">
        <Dropdown
          value={kindTitle}
          selectedOptions={[kind]}
          onOptionSelect={(_, data) => {
            setKind(data.optionValue ?? kind);
            setScope('');
            setQuery('');
          }}
        >
          {kinds.map((k) => (
            <Option key={k.kind} value={k.kind}>
              {k.title}
            </Option>
          ))}
        </Dropdown>
      </Field>
      <Field label={kind === 'kommune-status' ? 'Kommune' : 'Themenfeld'}>
        <Combobox
          placeholder={kind === 'kommune-status' ? 'Name oder AGS eingeben' : 'Themenfeld wählen'}
          value={query || selected?.text || ''}
          onInput={(event) => setQuery((event.target as HTMLInputElement).value)}
          onOptionSelect={(_, data) => {
            setScope(data.optionValue ?? '');
            setQuery('');
          }}
        >
          {matching.map((s) => (
            <Option key={s.value} value={s.value} text={s.text}>
              {s.text} · {s.hint}
            </Option>
          ))}
        </Combobox>
      </Field>
      {scope && !writable && <Badge appearance="tint" color="informative">Nur lesen: Änderungen an dieser Tabelle können Sie nicht senden.</Badge>}
      <Button
        appearance="primary"
        disabled={!scope || busy}
        onClick={() => onChoose({ kind, scope, title: `${kindTitle}: ${selected?.text ?? scope}` })}
      >
        Abrufen
      </Button>
    </div>
  );
}
