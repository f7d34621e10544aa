import {
  Button,
  Dropdown,
  Field,
  Input,
  Option,
  Spinner,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Title3,
} from '@fluentui/react-components';
import { AddRegular, DeleteRegular, MailRegular } from '@fluentui/react-icons';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Rolle } from '../../../core/vocabulary.ts';
import type { Api, Mitgliedschaft } from '../api/client.ts';
import { fehlertext, rolleName, type Meldung } from '../ui/format.ts';
import { useAktion } from '../ui/hooks.ts';
import { BereichFeld, passendeBereiche, useKatalog } from '../ui/Katalog.tsx';
import { MeldungBar } from '../ui/MeldungBar.tsx';

const ROLLEN: { rolle: Rolle; text: string }[] = [
  { rolle: 'kommune', text: 'Kommune (eine AGS)' },
  { rolle: 'koordination', text: 'Koordination (ein Themenfeld)' },
  { rolle: 'dienstleister', text: 'IT-Dienstleister (seine Kommunen)' },
  { rolle: 'admin', text: 'Admin (OZG-Koordinierungsstelle)' },
];

/** Memberships for admins: who may do what, found by any part of the email, the role or the area (a Kommune, a Themenfeld, an IT-Dienstleister). */
export function Mitglieder({ api }: { api: Api }) {
  const katalog = useKatalog(api);
  const [liste, setListe] = useState<Mitgliedschaft[] | null>(null);
  const [filter, setFilter] = useState('');
  const aktion = useAktion();
  const { meldung, setMeldung } = aktion;
  const busy = aktion.busy !== null;
  const [email, setEmail] = useState('');
  const [rolle, setRolle] = useState<Rolle>('kommune');
  const [bereich, setBereich] = useState('');
  // Only where the server holds the Supabase project's service-role key; it says so in /api/config.
  const [einladen, setEinladen] = useState(false);
  useEffect(() => {
    api.config().then((config) => setEinladen(Boolean(config.einladen)), () => setEinladen(false));
  }, [api]);

  const laden = useCallback(() => api.mitglieder().then(setListe, (error: unknown) => setMeldung({ intent: 'error', text: fehlertext(error) })), [api]);
  useEffect(() => void laden(), [laden]);

  const bereichText = useCallback(
    (m: Mitgliedschaft) =>
      m.ags
        ? `${katalog.kommunen.find((k) => k.ags === m.ags)?.name ?? 'AGS'} (${m.ags})`
        : m.themenfeldId
          ? `Themenfeld ${katalog.themenfelder.find((t) => t.id === m.themenfeldId)?.name ?? m.themenfeldId}`
          : m.dienstleisterId
            ? `IT-Dienstleister ${katalog.dienstleister.find((d) => d.id === m.dienstleisterId)?.name ?? m.dienstleisterId}`
            : 'alle',
    [katalog],
  );
  const gezeigt = useMemo(() => {
    // The pane's search for a Kommune, so that "koeln" finds Köln here too.
    const zeilen = (liste ?? []).map((m) => ({ value: m.id, text: `${m.email} ${rolleName(m.rolle)} ${bereichText(m)}`, hint: '' }));
    const passend = new Set(passendeBereiche(zeilen, filter).map((zeile) => zeile.value));
    return (liste ?? []).filter((m) => passend.has(m.id));
  }, [liste, filter, bereichText]);

  const run = (label: string, action: () => Promise<Meldung>) =>
    aktion.run(label, async () => {
      const ergebnis = await action();
      // The list first, so that the message never speaks of a row the table does not show yet.
      await laden();
      return ergebnis;
    });

  /** The new membership's area as the API takes it. */
  const bereichsangabe = () => {
    switch (rolle) {
      case 'kommune':
        return { ags: bereich };
      case 'koordination':
        return { themenfeldId: Number(bereich) };
      case 'dienstleister':
        // The field holds the provider's sheet scope (dl:1); the membership names the provider itself.
        return { dienstleisterId: katalog.dienstleister.find((d) => d.scope === bereich)?.id ?? null };
      case 'admin':
        return {};
    }
  };

  const anlegen = () =>
    run('Hinzufügen', async () => {
      const neu = await api.mitgliedAnlegen({
        email,
        rolle,
        ...bereichsangabe(),
      });
      setEmail('');
      setBereich('');
      return { intent: 'success', text: `${neu.email} ist jetzt Mitglied: ${ROLLEN.find((r) => r.rolle === neu.rolle)?.text ?? neu.rolle}, ${bereichText(neu)}.` };
    });

  const entfernen = (m: Mitgliedschaft) =>
    run('Entfernen', async () => {
      await api.mitgliedEntfernen(m.id);
      return { intent: 'success', text: `Mitgliedschaft von ${m.email} (${rolleName(m.rolle)}, ${bereichText(m)}) entfernt.` };
    });

  const einladung = (m: Mitgliedschaft) =>
    run('Einladen', async () => {
      const { email: eingeladen } = await api.mitgliedEinladen(m.email);
      return { intent: 'success', text: `Einladung an ${eingeladen} verschickt: Der Link in der E-Mail meldet die Person hier im Browser an.` };
    });
  // One invitation per person, however many memberships they have.
  const ersteZeile = new Set(gezeigt.filter((m, i) => gezeigt.findIndex((other) => other.email === m.email) === i).map((m) => m.id));

  const rolleText = ROLLEN.find((r) => r.rolle === rolle)!.text;
  return (
    <section className="stack" aria-labelledby="mitglieder-titel">
      <Title3 as="h2" id="mitglieder-titel">
        Mitglieder
      </Title3>
      {meldung && <MeldungBar meldung={meldung} />}
      <form
        className="stack auswahl"
        aria-label="Mitgliedschaft hinzufügen"
        onSubmit={(event) => {
          event.preventDefault();
          void anlegen();
        }}
      >
        <Field label="E-Mail-Adresse" required>
          <Input type="email" value={email} onChange={(_, data) => setEmail(data.value)} />
        </Field>
        <Field label="Rolle">
          <Dropdown
            value={rolleText}
            selectedOptions={[rolle]}
            onOptionSelect={(_, data) => {
              setRolle((data.optionValue as Rolle | undefined) ?? rolle);
              setBereich('');
            }}
          >
            {ROLLEN.map((r) => (
              <Option key={r.rolle} value={r.rolle}>
                {r.text}
              </Option>
            ))}
          </Dropdown>
        </Field>
        {rolle !== 'admin' && (
          <BereichFeld
            key={rolle}
            kind={rolle === 'koordination' ? 'leistung-status' : 'kommune-status'}
            form={rolle === 'dienstleister' ? 'dienstleister' : undefined}
            katalog={katalog}
            scope={bereich}
            onScope={setBereich}
          />
        )}
        <div className="row">
          <Button appearance="primary" type="submit" icon={<AddRegular />} disabled={busy || !email || (rolle !== 'admin' && !bereich)}>
            Hinzufügen
          </Button>
        </div>
      </form>
      {einladen && (
        <Text>
          Wer noch kein Konto hat, bekommt mit „Einladen“ eine E-Mail von Supabase Auth; ihr Link meldet die Person hier im Browser an.
        </Text>
      )}
      <Field label="Filtern" className="auswahl">
        <Input value={filter} onChange={(_, data) => setFilter(data.value)} placeholder="E-Mail, Rolle, Kommune, Themenfeld oder IT-Dienstleister" />
      </Field>
      {!liste ? (
        <Spinner size="small" label="Mitglieder werden geladen …" />
      ) : (
        <Table aria-label="Mitgliedschaften" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>E-Mail-Adresse</TableHeaderCell>
              <TableHeaderCell>Rolle</TableHeaderCell>
              <TableHeaderCell>Bereich</TableHeaderCell>
              <TableHeaderCell>Aktion</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {gezeigt.map((m) => (
              <TableRow key={m.id}>
                <TableCell>{m.email}</TableCell>
                <TableCell>{rolleName(m.rolle)}</TableCell>
                <TableCell>{bereichText(m)}</TableCell>
                <TableCell>
                  {einladen && ersteZeile.has(m.id) && (
                    <Button appearance="subtle" icon={<MailRegular />} disabled={busy} aria-label={`${m.email} einladen`} onClick={() => void einladung(m)}>
                      Einladen
                    </Button>
                  )}
                  <Button
                    appearance="subtle"
                    icon={<DeleteRegular />}
                    disabled={busy}
                    aria-label={`Mitgliedschaft von ${m.email} (${rolleName(m.rolle)}, ${bereichText(m)}) entfernen`}
                    onClick={() => void entfernen(m)}
                  >
                    Entfernen
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
