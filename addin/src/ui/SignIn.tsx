import { Button, Divider, Dropdown, Field, Input, MessageBar, MessageBarBody, Option, Spinner, Text } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { localAnmeldung } from '../api/session.ts';
import type { supabaseAnmeldung } from '../api/supabase-session.ts';

type Local = ReturnType<typeof localAnmeldung>;
type Supabase = ReturnType<typeof supabaseAnmeldung>;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Local mode: choose one of the members the server knows (demo and development without Supabase). */
function LocalSignIn({ anmeldung }: { anmeldung: Local }) {
  const [members, setMembers] = useState<{ email: string; rolle: string; bereich: string }[] | null>(null);
  const [email, setEmail] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    anmeldung.members().then(setMembers, (e: unknown) => setError(message(e)));
  }, [anmeldung]);
  return (
    <form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        if (!email) return;
        setBusy(true);
        anmeldung.signIn(email).catch((e: unknown) => {
          setError(message(e));
          setBusy(false);
        });
      }}
    >
      <Text>Lokaler Betrieb ohne Supabase: Melden Sie sich als eines der eingetragenen Mitglieder an.</Text>
      <Field label="Mitglied">
        <Dropdown
          placeholder={members ? 'Mitglied auswählen' : 'wird geladen …'}
          onOptionSelect={(_, data) => setEmail(data.optionValue)}
          aria-label="Mitglied"
        >
          {members?.map((m) => (
            <Option key={m.email} value={m.email} text={m.email}>
              {m.email} · {m.rolle} ({m.bereich})
            </Option>
          ))}
        </Dropdown>
      </Field>
      {error && (
        <MessageBar intent="error">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      <Button appearance="primary" type="submit" disabled={!email || busy}>
        {busy ? <Spinner size="tiny" /> : 'Anmelden'}
      </Button>
    </form>
  );
}

/** Supabase Auth: Microsoft (where the server offers it), email and password, or a one-time code by email. */
function SupabaseSignIn({ anmeldung, fehler }: { anmeldung: Supabase; fehler?: string | undefined }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [codeSent, setCodeSent] = useState(false);
  const [error, setError] = useState<string | undefined>(fehler);
  const [busy, setBusy] = useState(false);
  const run = (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    action()
      .catch((e: unknown) => setError(message(e)))
      .finally(() => setBusy(false));
  };
  return (
    <form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        run(() => (codeSent ? anmeldung.verifyCode(email, code) : anmeldung.signInWithPassword(email, password)));
      }}
    >
      {anmeldung.signInWithMicrosoft && (
        <>
          <Button appearance="primary" disabled={busy} onClick={() => run(anmeldung.signInWithMicrosoft!)}>
            Mit Microsoft anmelden
          </Button>
          <Divider>oder mit E-Mail-Adresse</Divider>
        </>
      )}
      <Field label="E-Mail-Adresse" required>
        <Input type="email" value={email} onChange={(_, data) => setEmail(data.value)} autoComplete="username" />
      </Field>
      {codeSent ? (
        <Field label="Code aus der E-Mail" required>
          <Input value={code} onChange={(_, data) => setCode(data.value)} autoComplete="one-time-code" />
        </Field>
      ) : (
        <Field label="Passwort">
          <Input type="password" value={password} onChange={(_, data) => setPassword(data.value)} autoComplete="current-password" />
        </Field>
      )}
      {error && (
        <MessageBar intent="error">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      <Button appearance="primary" type="submit" disabled={busy || !email || (codeSent ? !code : !password)}>
        {busy ? <Spinner size="tiny" /> : 'Anmelden'}
      </Button>
      {!codeSent && (
        <Button appearance="subtle" disabled={busy || !email} onClick={() => run(async () => {
          await anmeldung.sendCode(email);
          setCodeSent(true);
        })}>
          Stattdessen Code per E-Mail senden
        </Button>
      )}
    </form>
  );
}

/** `fehler`: why a sign-in that left the page came back without a session (the web app's Microsoft sign-in, an invitation). */
export function SignIn({ anmeldung, fehler }: { anmeldung: Local | Supabase; fehler?: string | undefined }) {
  return anmeldung.mode === 'local' ? <LocalSignIn anmeldung={anmeldung as Local} /> : <SupabaseSignIn anmeldung={anmeldung as Supabase} fehler={fehler} />;
}
