import type { Api } from './client.ts';

const LOCAL_TOKEN = 'ozg-sync.lokales-token';

/** The claims of a JWT, read without verifying it: the server verifies, the pane only needs expiry and email. */
function claimsOf(token: string): { exp?: number; email?: string } {
  try {
    return JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number; email?: string };
  } catch {
    return {};
  }
}

/**
 * Who is signed in and their current access token. Local mode keeps the server's token in
 * localStorage until it expires; Supabase mode leaves session keeping and refreshing to supabase-js.
 */
export interface Anmeldung {
  mode: 'local' | 'supabase';
  token(): Promise<string | null>;
  email(): Promise<string | null>;
  signOut(): Promise<void>;
  onChange(listener: () => void): () => void;
}

export function localAnmeldung(api: () => Api, storage: Storage = localStorage): Anmeldung & {
  members: Api['localMembers'];
  signIn(email: string): Promise<void>;
} {
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  const current = () => {
    const token = storage.getItem(LOCAL_TOKEN);
    return token && (claimsOf(token).exp ?? 0) - Date.now() / 1000 > 30 ? token : null;
  };
  return {
    mode: 'local',
    token: async () => current(),
    async email() {
      const token = current();
      return token ? (claimsOf(token).email ?? null) : null;
    },
    members: () => api().localMembers(),
    async signIn(email) {
      const { access_token } = await api().localLogin(email);
      storage.setItem(LOCAL_TOKEN, access_token);
      notify();
    },
    async signOut() {
      storage.removeItem(LOCAL_TOKEN);
      notify();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
