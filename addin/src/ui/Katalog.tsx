import { Combobox, Field, Option } from '@fluentui/react-components';
import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../api/client.ts';

type Loaded<K extends keyof Api> = Awaited<ReturnType<Api[K]>>;

export interface Katalog {
  kinds: Loaded<'sheets'>;
  kommunen: Loaded<'kommunen'>;
  themenfelder: Loaded<'themenfelder'>;
}

const EMPTY: Katalog = { kinds: [], kommunen: [], themenfelder: [] };
const loaded = new WeakMap<Api, Promise<Katalog>>();

/** Sheet kinds, Kommunen and Themenfelder, loaded once per signed-in API for all tabs. */
export function useKatalog(api: Api): Katalog {
  const [katalog, setKatalog] = useState(EMPTY);
  useEffect(() => {
    let current = true;
    let loading = loaded.get(api);
    if (!loading) {
      loading = Promise.all([api.sheets(), api.kommunen(), api.themenfelder()]).then(([kinds, kommunen, themenfelder]) => ({ kinds, kommunen, themenfelder }));
      // A failed load is tried again by the next tab that asks.
      loading.catch(() => loaded.delete(api));
      loaded.set(api, loading);
    }
    loading.then((value) => current && setKatalog(value), () => {});
    return () => {
      current = false;
    };
  }, [api]);
  return katalog;
}

interface BereichProps {
  kind: string;
  katalog: Katalog;
  scope: string;
  onScope(scope: string): void;
  /** Offers to clear the choice, for a filter. */
  clearable?: boolean;
}

/** A sheet's scope: one of the 396 Kommunen, searchable by name or AGS, or a Themenfeld. */
export function BereichFeld({ kind, katalog, scope, onScope, clearable = false }: BereichProps) {
  const [query, setQuery] = useState('');
  const scopes = useMemo(
    () =>
      kind === 'kommune-status'
        ? katalog.kommunen.map((k) => ({ value: k.ags, text: `${k.name} (${k.ags})`, hint: k.kreis }))
        : katalog.themenfelder.map((t) => ({ value: String(t.id), text: t.name, hint: `Themenfeld ${t.id}` })),
    [kind, katalog],
  );
  const matching = scopes.filter((s) => s.text.toLowerCase().includes(query.toLowerCase())).slice(0, 50);
  const selected = scopes.find((s) => s.value === scope);
  return (
    <Field label={kind === 'kommune-status' ? 'Kommune' : 'Themenfeld'}>
      <Combobox
        placeholder={kind === 'kommune-status' ? 'Name oder AGS eingeben' : 'Themenfeld wählen'}
        clearable={clearable}
        value={query || selected?.text || ''}
        onInput={(event) => setQuery((event.target as HTMLInputElement).value)}
        onOptionSelect={(_, data) => {
          onScope(data.optionValue ?? '');
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
  );
}

/** The title of a scope, as the pane names a sheet. */
export function bereichTitel(katalog: Katalog, kind: string, scope: string): string {
  const kommune = kind === 'kommune-status' ? katalog.kommunen.find((k) => k.ags === scope) : undefined;
  const themenfeld = kind === 'kommune-status' ? undefined : katalog.themenfelder.find((t) => String(t.id) === scope);
  return kommune ? `${kommune.name} (${kommune.ags})` : (themenfeld?.name ?? scope);
}
