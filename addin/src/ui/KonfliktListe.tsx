import { Button, Card, CardHeader, Text } from '@fluentui/react-components';
import { shownValue, type CellAddress, type Column, type ZellFehler, type ZellKonflikt } from '../../../core/index.ts';

interface Props {
  columns: Column[];
  konflikte: ZellKonflikt[];
  fehler: ZellFehler[];
  busy: boolean;
  rowLabel(id: string): string;
  onSelect(address: CellAddress): void;
  onKeepMine(address?: CellAddress): void;
  onTakeTheirs(address?: CellAddress): void;
}


/** Konflikte and rejected cells, each a click away from its cell, with the two ways to settle a Konflikt. */
export function KonfliktListe({ columns, konflikte, fehler, busy, rowLabel, onSelect, onKeepMine, onTakeTheirs }: Props) {
  const column = (key: string) => columns.find((c) => c.key === key);
  const label = (key: string) => column(key)?.label ?? key;
  if (!konflikte.length && !fehler.length) return null;
  return (
    <div className="stack" aria-label="Konflikte und Fehler">
      {konflikte.length > 0 && (
        <>
          <Text weight="semibold">{konflikte.length === 1 ? '1 Konflikt' : `${konflikte.length} Konflikte`}</Text>
          <div className="row">
            <Button size="small" disabled={busy} onClick={() => onKeepMine()}>
              Alle: Meine behalten
            </Button>
            <Button size="small" disabled={busy} onClick={() => onTakeTheirs()}>
              Alle: Server übernehmen
            </Button>
          </div>
          {konflikte.map((k) => (
            <Card key={`${k.id}/${k.key}`} className="konflikt" size="small" onClick={() => onSelect(k)}>
              <CardHeader header={<Text weight="semibold">{rowLabel(k.id)} · {label(k.key)}</Text>} />
              <Text size={200}>Meins: {shownValue(column(k.key), k.mine)}</Text>
              <Text size={200}>
                Server: {shownValue(column(k.key), k.theirs)} (vorher: {shownValue(column(k.key), k.base)})
              </Text>
              <div className="row">
                <Button size="small" appearance="primary" disabled={busy} onClick={(e) => (e.stopPropagation(), onKeepMine(k))}>
                  Meine behalten
                </Button>
                <Button size="small" disabled={busy} onClick={(e) => (e.stopPropagation(), onTakeTheirs(k))}>
                  Server übernehmen
                </Button>
              </div>
            </Card>
          ))}
        </>
      )}
      {fehler.length > 0 && (
        <>
          <Text weight="semibold">{fehler.length === 1 ? '1 abgelehnte Zelle' : `${fehler.length} abgelehnte Zellen`}</Text>
          {fehler.map((f) => (
            <Card key={`${f.id}/${f.key}`} className="fehler" size="small" onClick={() => onSelect(f)}>
              <CardHeader header={<Text weight="semibold">{rowLabel(f.id)} · {label(f.key)}</Text>} />
              <Text size={200}>{f.message}</Text>
            </Card>
          ))}
        </>
      )}
    </div>
  );
}
