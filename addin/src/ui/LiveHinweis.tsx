import { Text } from '@fluentui/react-components';
import type { LiveState } from '../live/events.ts';

/** Why a sheet is checked by the clock instead of live, in the pane and in the web app alike. */
export function LiveHinweis({ live }: { live: LiveState | null }) {
  if (!live || live.state === 'live') return null;
  return (
    <Text size={200} role="status">
      Live-Aktualisierung nicht verfügbar, es wird minütlich nachgesehen. {live.reason}
    </Text>
  );
}
