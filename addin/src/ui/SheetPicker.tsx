import { Badge, Button, Dropdown, Field, Option, Text } from '@fluentui/react-components';
import { useState } from 'react';
import type { Api, MeResponse } from '../api/client.ts';
import { BereichFeld, bereichTitel, formDesBereichs, useKatalog } from './Katalog.tsx';
import { darfAendern } from './rechte.ts';

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
  /** What choosing does: the pane fetches the sheet into the workbook, the web app opens it. */
  aktion?: string;
}

/** Choose a sheet: a kind, then its scope in one of the forms the server names for it (a Kommune, a Kreis, an IT-Dienstleister, a Themenfeld, an OZG-Leistung). */
export function SheetPicker({ api, me, busy, onChoose, aktion = 'Abrufen' }: Props) {
  const katalog = useKatalog(api);
  const first = me.schreibrechte[0];
  const [kind, setKind] = useState(first?.kind ?? 'kommune-status');
  const [scope, setScope] = useState(first?.scope ?? '');

  const writable = darfAendern(me, kind, scope);
  const kindTitle = katalog.kinds.find((k) => k.kind === kind)?.title ?? kind;

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
          }}
        >
          {katalog.kinds.map((k) => (
            <Option key={k.kind} value={k.kind}>
              {k.title}
            </Option>
          ))}
        </Dropdown>
      </Field>
      <BereichFeld key={kind} kind={kind} katalog={katalog} scope={scope} onScope={setScope} alleFormen />
      {scope && !writable && <Badge appearance="tint" color="informative">Nur lesen: Änderungen an dieser Tabelle können Sie nicht senden.</Badge>}
      <Button
        appearance="primary"
        disabled={!scope || busy}
        onClick={() =>
          onChoose({ kind, scope, title: `${formDesBereichs(katalog, kind, scope)?.title ?? kindTitle}: ${bereichTitel(katalog, kind, scope)}` })
        }
      >
        {aktion}
      </Button>
    </div>
  );
}
