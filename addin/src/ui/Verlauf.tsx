import { Text } from '@fluentui/react-components';
import { NO_STICHTAG, TREND_TITLE, hatStichtag, verlauf, type Verlaufspunkt } from '../review/trend.ts';
import type { TrendResponse } from '../review/types.ts';
import { prozent } from './format.ts';

/** The drawing's own units; the SVG scales to the pane's width. */
export const FLAECHE = { breite: 320, hoehe: 170, links: 40, rechts: 12, oben: 20, unten: 34 } as const;
/** Axis tops to round up to: small shares, as before the first surveys, stay readable instead of a flat line at the bottom. */
const ACHSEN = [0.05, 0.1, 0.2, 0.25, 0.5, 1];
/** Below this spacing the dates of the middle Stichtage would overlap; first and last stay. */
const MIN_LABEL_ABSTAND = 60;

export interface Geometrie {
  /** The share at the top of the value axis. */
  achseMax: number;
  punkte: { x: number; y: number | null }[];
}

export function geometrie(punkte: readonly Verlaufspunkt[]): Geometrie {
  const { breite, hoehe, links, rechts, oben, unten } = FLAECHE;
  const [plotBreite, plotHoehe] = [breite - links - rechts, hoehe - oben - unten];
  const groesster = Math.max(0, ...punkte.map((p) => p.anteil ?? 0));
  const achseMax = ACHSEN.find((top) => top >= groesster) ?? 1;
  return {
    achseMax,
    punkte: punkte.map((punkt, index) => ({
      x: links + (punkte.length === 1 ? plotBreite / 2 : (index * plotBreite) / (punkte.length - 1)),
      y: punkt.anteil === null ? null : oben + plotHoehe * (1 - Math.min(punkt.anteil, achseMax) / achseMax),
    })),
  };
}

/** Runs of points with a share: a Zeitpunkt without counted rows breaks the line instead of dropping it to 0 %. */
function linien(punkte: Geometrie['punkte']): string[] {
  const runs: string[][] = [[]];
  for (const { x, y } of punkte) {
    if (y === null) runs.push([]);
    else runs.at(-1)!.push(`${x},${y}`);
  }
  return runs.filter((run) => run.length > 1).map((run) => run.join(' '));
}

const zeitpunktText = (punkt: Verlaufspunkt) => (punkt.heute ? `heute (${punkt.datum})` : punkt.bezeichnung);
const anteilText = (punkt: Verlaufspunkt) => (punkt.anteil === null ? 'keine Einträge' : prozent(punkt.anteil));

/**
 * The share OZG-konform at every Stichtag and today as a line, drawn by hand in SVG like the bars
 * above it; the table below gives the same figures to screen readers and to anyone who wants the counts.
 */
export function VerlaufDiagramm({ trend }: { trend: TrendResponse }) {
  if (!hatStichtag(trend)) return <Text>{NO_STICHTAG}</Text>;
  const punkte = verlauf(trend);
  const { achseMax, punkte: orte } = geometrie(punkte);
  const { breite, hoehe, links, rechts, oben, unten } = FLAECHE;
  const abstand = (breite - links - rechts) / Math.max(punkte.length - 1, 1);
  const ticks = [0, achseMax / 2, achseMax];
  const yOf = (share: number) => oben + (hoehe - oben - unten) * (1 - share / achseMax);
  return (
    <figure className="diagramm verlauf">
      <figcaption>
        <Text weight="semibold">{TREND_TITLE}</Text>
      </figcaption>
      <svg
        viewBox={`0 0 ${breite} ${hoehe}`}
        role="img"
        aria-label={`Liniendiagramm ${TREND_TITLE}: ${punkte.map((p) => `${zeitpunktText(p)} ${anteilText(p)}`).join(', ')}`}
      >
        {ticks.map((tick) => (
          <g key={tick} className="verlauf-achse">
            <line x1={links} x2={breite - rechts} y1={yOf(tick)} y2={yOf(tick)} />
            <text x={links - 6} y={yOf(tick) + 3.5} textAnchor="end">
              {prozent(tick)}
            </text>
          </g>
        ))}
        {linien(orte).map((points) => (
          <polyline key={points} className="verlauf-linie" points={points} />
        ))}
        {punkte.map((punkt, index) => {
          const { x, y } = orte[index]!;
          const ersterOderLetzter = index === 0 || index === punkte.length - 1;
          // the outer labels run inwards, so that neither is cut off at the drawing's edge
          const anker = index === 0 ? 'start' : index === punkte.length - 1 ? 'end' : 'middle';
          return (
            <g key={`${punkt.bezeichnung}-${index}`} className="verlauf-punkt">
              {y !== null && (
                <>
                  <circle cx={x} cy={y} r={3.5}>
                    <title>{`${zeitpunktText(punkt)}: ${anteilText(punkt)}`}</title>
                  </circle>
                  <text x={x} y={y - 8} textAnchor={anker}>
                    {prozent(punkt.anteil!)}
                  </text>
                </>
              )}
              {(ersterOderLetzter || abstand >= MIN_LABEL_ABSTAND) && (
                <text x={x} y={hoehe - unten + 16} textAnchor={anker}>
                  {punkt.heute ? 'heute' : punkt.datum}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <table className="verlauf-tabelle">
        <caption>Zahlen zum Verlauf</caption>
        <thead>
          <tr>
            <th scope="col">Zeitpunkt</th>
            <th scope="col">online</th>
            <th scope="col">OZG-konform</th>
            <th scope="col">Anteil</th>
          </tr>
        </thead>
        <tbody>
          {punkte.map((punkt, index) => (
            <tr key={`${punkt.bezeichnung}-${index}`}>
              <th scope="row">{zeitpunktText(punkt)}</th>
              <td>{punkt.online}</td>
              <td>
                {punkt.ozgKonform} von {punkt.zeilen}
              </td>
              <td>{anteilText(punkt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
