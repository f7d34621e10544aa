import { Button, Card, CardHeader, Text } from '@fluentui/react-components';
import type { CellAddress, Column, ZellFehler, ZellKonflikt } from '../sync/index.ts';

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

const show = (value: unknown) =>
  value === null || value === undefined || value === '' ? '(leer)' : Array.isArray(value) ? value.join('; ') : String(value);

/** Konflikte and rejected cells, each a click away from its cell, with the two ways to settle a Konflikt. */
export function KonfliktListe({ columns, konflikte, fehler, busy, rowLabel, onSelect, onKeepMine, onTakeTheirs }: Props) {
  const label = (key: string) => columns.find((c) => c.key === key)?.label ?? key;
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
              <Text size={200}>Meins: {show(k.mine)}</Text>
              <Text size={200}>Server: {show(k.theirs)} (vorher: {show(k.base)})</Text>
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
