import { Text, Tooltip } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { Api } from '../api/client.ts';
import type { Reifegradmodell } from '../review/types.ts';

const loaded = new WeakMap<Api, Promise<Reifegradmodell[]>>();

/** Both maturity models with their levels (GET /api/reifegrade), loaded once per signed-in API; none while loading or after a failure. */
export function useReifegrade(api: Api): Reifegradmodell[] {
  const [modelle, setModelle] = useState<Reifegradmodell[]>([]);
  useEffect(() => {
    let current = true;
    let loading = loaded.get(api);
    if (!loading) {
      loading = api.reifegrade();
      // Explanations are help, not data: a failed load leaves the legend out, and the next view asks again.
      loading.catch(() => loaded.delete(api));
      loaded.set(api, loading);
    }
    loading.then((value) => current && setModelle(value), () => {});
    return () => {
      current = false;
    };
  }, [api]);
  return modelle;
}

/** What a level means, as its tooltip says it: „Stufe 3 · Online-Leistung: Die Leistung lässt sich …“. */
export function stufenHinweis(modell: Reifegradmodell, stufe: number): string {
  const level = modell.stufen.find((s) => s.stufe === stufe);
  if (!level) return `Stufe ${stufe} gibt es im ${modell.bezeichnung} nicht.`;
  return `Stufe ${stufe}${level.name ? ` · ${level.name}` : ''}: ${level.erklaerung}`;
}

/**
 * The levels of each model as a row of numbers, those counted OZG-konform set apart, each
 * explained by a Fluent Tooltip on hover and keyboard focus. relationship "description" renders
 * the tooltip's text into the page for aria-describedby, so a screen reader reads it with the
 * number (react-tooltip's useTooltipBase: "Always render the tooltip even if hidden").
 */
export function ReifegradLegende({ modelle }: { modelle: readonly Reifegradmodell[] }) {
  if (!modelle.length) return null;
  return (
    <section className="stack-tight reifegrade" aria-label="Reifegrade">
      {modelle.map((modell) => (
        <div key={modell.modell} className="reifegrad-modell">
          <Text size={200}>
            {modell.bezeichnung}, OZG-konform ab Stufe {modell.ozgKonformAb}:
          </Text>
          <ul className="reifegrad-stufen" aria-label={`Stufen des ${modell.bezeichnung}`}>
            {modell.stufen.map((s) => (
              <li key={s.stufe}>
                <Tooltip content={stufenHinweis(modell, s.stufe)} relationship="description" withArrow>
                  <button
                    type="button"
                    className={s.stufe >= modell.ozgKonformAb ? 'reifegrad-stufe konform' : 'reifegrad-stufe'}
                    aria-label={`Reifegrad ${s.stufe}${s.name ? ` ${s.name}` : ''} (Modell ${modell.modell}${s.stufe >= modell.ozgKonformAb ? ', OZG-konform' : ''})`}
                  >
                    {s.stufe}
                  </button>
                </Tooltip>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
