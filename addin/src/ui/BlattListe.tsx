import { Badge, Button, Text } from '@fluentui/react-components';
import { ArrowSyncRegular, ArrowUploadRegular } from '@fluentui/react-icons';
import type { BlattErgebnis, BlattStatus, PushSummary } from '../app/controller.ts';
import { anzahl } from './format.ts';

/** What a push came to, as one German sentence part per outcome. */
export function summaryParts(summary: PushSummary): string[] {
  const parts = summary.uebernommen ? [`${anzahl(summary.uebernommen, 'Zeile', 'Zeilen')} übernommen`] : [];
  if (summary.konflikte) parts.push(`${anzahl(summary.konflikte, 'Zeile', 'Zeilen')} mit Konflikt`);
  if (summary.abgelehnt) parts.push(`${anzahl(summary.abgelehnt, 'Zeile', 'Zeilen')} abgelehnt`);
  if (summary.ungueltig) parts.push(`${anzahl(summary.ungueltig, 'ungültige Zelle', 'ungültige Zellen')} nicht gesendet`);
  return parts;
}

/** „Alle senden“ or „Alle aktualisieren“, sheet by sheet, in German. */
export function ergebnisText(blaetter: BlattErgebnis[]): { text: string; ok: boolean } {
  const lines = blaetter.map(({ title, summary, fehler }) => {
    if (fehler) return `${title}: ${fehler}`;
    if (!summary) return `${title}: aktualisiert`;
    const parts = summaryParts(summary);
    return `${title}: ${parts.length ? parts.join(', ') : 'nichts zu senden'}`;
  });
  const ok = blaetter.every(({ summary, fehler }) => !fehler && !summary?.konflikte && !summary?.abgelehnt && !summary?.ungueltig);
  return { text: `${lines.join('. ')}.`, ok };
}

interface BlattListeProps {
  blaetter: BlattStatus[];
  busy: boolean;
  /** Whether the signed-in member may send this sheet. */
  darfSenden: (blatt: BlattStatus) => boolean;
  /** How many rows others changed on the server since the sheet's last sync, as the last check counted them. */
  neu: (blatt: BlattStatus) => number;
  onWaehle: (table: string) => void;
  onAlleSenden: () => void;
  onAlleAktualisieren: () => void;
}

/** The sheets bound in the workbook: which one the pane works on, what waits to be sent on each, and which have news on the server. */
export function BlattListe({ blaetter, busy, darfSenden, neu, onWaehle, onAlleSenden, onAlleAktualisieren }: BlattListeProps) {
  const wartend = blaetter.filter((blatt) => blatt.wartend > 0 && darfSenden(blatt)).length;
  return (
    <div className="stack-tight" role="list" aria-label="Verbundene Blätter">
      <Text weight="semibold">Blätter dieser Arbeitsmappe</Text>
      {blaetter.map((blatt) => (
        <div key={blatt.table} className="row" role="listitem">
          <Button
            appearance={blatt.aktiv ? 'primary' : 'subtle'}
            size="small"
            className="blatt-name"
            aria-current={blatt.aktiv ? 'true' : undefined}
            disabled={busy}
            title={`Blatt „${blatt.dataSheet}“ anzeigen und damit arbeiten`}
            onClick={() => onWaehle(blatt.table)}
          >
            {blatt.title}
          </Button>
          {blatt.beschaedigt ? (
            <Badge appearance="tint" color="danger">beschädigt</Badge>
          ) : (
            blatt.wartend > 0 && <Badge appearance="tint" color="warning">{anzahl(blatt.wartend, 'wartet', 'warten')}</Badge>
          )}
          {/* The active sheet says its count above the buttons, where "Aktualisieren" is. */}
          {!blatt.aktiv && neu(blatt) > 0 && <Badge appearance="tint" color="brand">{anzahl(neu(blatt), 'neue Änderung', 'neue Änderungen')}</Badge>}
          {blatt.konflikte > 0 && <Badge appearance="tint" color="important">{anzahl(blatt.konflikte, 'Konflikt', 'Konflikte')}</Badge>}
          {blatt.fehler + blatt.hinweise > 0 && <Badge appearance="tint" color="informative">{anzahl(blatt.fehler + blatt.hinweise, 'Hinweis', 'Hinweise')}</Badge>}
          {!darfSenden(blatt) && <Badge appearance="outline" color="informative">Nur lesen</Badge>}
        </div>
      ))}
      <div className="row">
        <Button icon={<ArrowUploadRegular />} disabled={busy || wartend === 0} onClick={onAlleSenden} title="Die ungesendeten Änderungen aller Blätter senden, die Sie ändern dürfen">
          Alle senden
        </Button>
        <Button icon={<ArrowSyncRegular />} disabled={busy} onClick={onAlleAktualisieren}>
          Alle aktualisieren
        </Button>
      </div>
    </div>
  );
}
