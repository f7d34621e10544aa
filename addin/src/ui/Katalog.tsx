import { Combobox, Field, Option } from '@fluentui/react-components';
import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../api/client.ts';
import { gefaltet } from './format.ts';

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

export interface Bereich {
  value: string;
  text: string;
  hint: string;
}

/**
 * The scopes matching what the user typed, all of them (the 396 Kommunen too) when nothing is
 * typed: by any part of the name or the AGS, case, umlauts and spaces around ignored.
 */
export function passendeBereiche(bereiche: readonly Bereich[], eingabe: string): Bereich[] {
  const needle = gefaltet(eingabe.trim());
  return needle ? bereiche.filter((b) => gefaltet(b.text).includes(needle)) : [...bereiche];
}

/** A sheet's scope: one of the 396 Kommunen, searchable by name or AGS, or a Themenfeld. */
export function BereichFeld({ kind, katalog, scope, onScope, clearable = false }: BereichProps) {
  /** What the user is typing; null while the field shows the chosen scope. */
  const [query, setQuery] = useState<string | null>(null);
  const scopes = useMemo(
    () =>
      kind === 'kommune-status'
        ? katalog.kommunen.map((k) => ({ value: k.ags, text: `${k.name} (${k.ags})`, hint: k.kreis }))
        : katalog.themenfelder.map((t) => ({ value: String(t.id), text: t.name, hint: `Themenfeld ${t.id}` })),
    [kind, katalog],
  );
  const matching = passendeBereiche(scopes, query ?? '');
  const selected = scopes.find((s) => s.value === scope);
  return (
    <Field label={kind === 'kommune-status' ? 'Kommune' : 'Themenfeld'}>
      <Combobox
        placeholder={kind === 'kommune-status' ? 'Name oder AGS eingeben' : 'Themenfeld wählen'}
        // Fluent shows the clear button only for a selection it is told about.
        clearable={clearable || kind === 'kommune-status'}
        selectedOptions={scope ? [scope] : []}
        value={query ?? selected?.text ?? ''}
        // Typing replaces the chosen name instead of being appended to it.
        onFocus={(event) => (event.target as HTMLInputElement).select()}
        onChange={(event) => {
          const typed = event.target.value;
          // A key pressed behind the chosen name starts a new search instead of extending the name.
          setQuery(query === null && selected && typed.startsWith(selected.text) ? typed.slice(selected.text.length) : typed);
        }}
        onBlur={() => setQuery(null)}
        onOptionSelect={(_, data) => {
          onScope(data.optionValue ?? '');
          // Fluent also clears the selection when the typed text stops matching it: the search goes on.
          if (data.optionValue !== undefined) setQuery(null);
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
