import { MessageBar, MessageBarActions, MessageBarBody } from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { Meldung } from './format.ts';

/** A message to the user; long German sentences wrap instead of widening the narrow pane. */
export function MeldungBar({ meldung, children }: { meldung: Meldung; children?: ReactNode }) {
  return (
    <MessageBar intent={meldung.intent} layout="multiline">
      <MessageBarBody>{meldung.text}</MessageBarBody>
      {children && <MessageBarActions>{children}</MessageBarActions>}
    </MessageBar>
  );
}
