import { MessageBar, MessageBarBody } from '@fluentui/react-components';
import type { Meldung } from './format.ts';

/** A message to the user; long German sentences wrap instead of widening the narrow pane. */
export function MeldungBar({ meldung }: { meldung: Meldung }) {
  return (
    <MessageBar intent={meldung.intent} layout="multiline">
      <MessageBarBody>{meldung.text}</MessageBarBody>
    </MessageBar>
  );
}
