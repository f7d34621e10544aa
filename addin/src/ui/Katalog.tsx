import { Combobox, Dropdown, Field, Option } from '@fluentui/react-components';
import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../api/client.ts';
import type { ScopeForm } from '../../../core/contract.ts';
import { gefaltet } from './format.ts';

type Loaded<K extends keyof Api> = Awaited<ReturnType<Api[K]>>;

export interface Katalog {
  kinds: Loaded<'sheets'>;
  kommunen: Loaded<'kommunen'>;
  themenfelder: Loaded<'themenfelder'>;
  leistungen: Loaded<'leistungen'>;
  dienstleister: Loaded<'dienstleister'>;
}

const EMPTY: Katalog = { kinds: [], kommunen: [], themenfelder: [], leistungen: [], dienstleister: [] };
const loaded = new WeakMap<Api, Promise<Katalog>>();

/** Sheet kinds and what their scopes name (Kommunen, Themenfelder, Leistungen, IT-Dienstleister), loaded once per signed-in API for all tabs. */
export function useKatalog(api: Api): Katalog {
  const [katalog, setKatalog] = useState(EMPTY);
  useEffect(() => {
    let current = true;
    let loading = loaded.get(api);
    if (!loading) {
      loading = Promise.all([api.sheets(), api.kommunen(), api.themenfelder(), api.leistungen(), api.dienstleister()]).then(
        ([kinds, kommunen, themenfelder, leistungen, dienstleister]) => ({ kinds, kommunen, themenfelder, leistungen, dienstleister }),
      );
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
  /** Offers every scope form the server names for the kind (a Kreis, an IT-Dienstleister, …), not only its first. */
  alleFormen?: boolean;
  /** Offers this one form instead of the kind's usual one, e.g. an IT-Dienstleister for a membership. */
  form?: ScopeForm;
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

const FELD: Record<ScopeForm, { label: string; placeholder: string }> = {
  kommune: { label: 'Kommune', placeholder: 'Name oder AGS eingeben' },
  kreis: { label: 'Kreis', placeholder: 'Name oder Kreisschlüssel eingeben' },
  dienstleister: { label: 'IT-Dienstleister', placeholder: 'Name oder Ort eingeben' },
  themenfeld: { label: 'Themenfeld', placeholder: 'Themenfeld wählen' },
  leistung: { label: 'OZG-Leistung', placeholder: 'Name oder OZG-ID eingeben' },
};

/** The scopes of one form, as the catalogue names them. */
export function bereicheDerForm(katalog: Katalog, form: ScopeForm): Bereich[] {
  switch (form) {
    case 'kommune':
      return katalog.kommunen.map((k) => ({ value: k.ags, text: `${k.name} (${k.ags})`, hint: k.kreis }));
    case 'kreis': {
      // A kreisfreie Stadt is its own Kreis: its Kommune sheet is the same rows.
      const kreise = new Map<string, Bereich>();
      for (const k of katalog.kommunen) {
        if (k.typ === 'kreisfreie Stadt' || kreise.has(k.kreisschluessel)) continue;
        kreise.set(k.kreisschluessel, { value: k.kreisschluessel, text: `${k.kreis} (${k.kreisschluessel})`, hint: 'Kreis' });
      }
      return [...kreise.values()].sort((a, b) => a.text.localeCompare(b.text, 'de'));
    }
    case 'dienstleister':
      return katalog.dienstleister.map((d) => ({ value: d.scope, text: `${d.name} (${d.ort})`, hint: `${d.kommunen.length} Kommunen` }));
    case 'themenfeld':
      return katalog.themenfelder.map((t) => ({ value: String(t.id), text: t.name, hint: `Themenfeld ${t.id}` }));
    case 'leistung':
      return katalog.leistungen
        .filter((l) => l.kommunalerVollzug && l.ozgId !== null)
        .map((l) => ({ value: String(l.ozgId), text: `${l.name} (${l.ozgId})`, hint: l.themenfeld }));
  }
}

/** The scope forms a kind accepts, as the server names them, its usual one first. */
export function formenDerArt(katalog: Katalog, kind: string) {
  return katalog.kinds.find((k) => k.kind === kind)?.forms ?? [];
}

/**
 * A sheet's scope in one of the forms the server names for the kind: a Kommune (searchable among all
 * 396 by name or AGS), a Kreis, an IT-Dienstleister, a Themenfeld or an OZG-Leistung.
 */
export function BereichFeld({ kind, katalog, scope, onScope, clearable = false, alleFormen = false, form: fest }: BereichProps) {
  /** What the user is typing; null while the field shows the chosen scope. */
  const [query, setQuery] = useState<string | null>(null);
  const formen = fest ? [] : formenDerArt(katalog, kind).slice(0, alleFormen ? undefined : 1);
  const [gewaehlt, setGewaehlt] = useState<ScopeForm | null>(null);
  const form: ScopeForm =
    fest ??
    gewaehlt ??
    (scope ? formDesBereichs(katalog, kind, scope)?.form : undefined) ??
    formen[0]?.form ??
    (kind === 'kommune-status' ? 'kommune' : 'themenfeld');
  const scopes = useMemo(() => bereicheDerForm(katalog, form), [form, katalog]);
  const matching = passendeBereiche(scopes, query ?? '');
  const selected = scopes.find((s) => s.value === scope);
  const feld = FELD[form];
  return (
    <>
      {formen.length > 1 && (
        <Field label="Bereich">
          <Dropdown
            value={formen.find((f) => f.form === form)?.label ?? ''}
            selectedOptions={[form]}
            onOptionSelect={(_, data) => {
              setGewaehlt((data.optionValue as ScopeForm | undefined) ?? form);
              setQuery(null);
              onScope('');
            }}
          >
            {formen.map((f) => (
              <Option key={f.form} value={f.form}>
                {f.label}
              </Option>
            ))}
          </Dropdown>
        </Field>
      )}
      <Field label={feld.label}>
        <Combobox
          placeholder={feld.placeholder}
          // Fluent shows the clear button only for a selection it is told about.
          clearable={clearable || form !== 'themenfeld'}
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
    </>
  );
}

/** The form of a scope: the one whose pattern it matches. */
export function formDesBereichs(katalog: Katalog, kind: string, scope: string) {
  return formenDerArt(katalog, kind).find((f) => new RegExp(f.pattern).test(scope));
}

/** The title of a scope, as the pane names a sheet. */
export function bereichTitel(katalog: Katalog, kind: string, scope: string): string {
  const form = formDesBereichs(katalog, kind, scope)?.form ?? (kind === 'kommune-status' ? 'kommune' : 'themenfeld');
  return bereicheDerForm(katalog, form).find((b) => b.value === scope)?.text ?? scope;
}
