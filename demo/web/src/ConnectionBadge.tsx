/**
 * The connection badge: the state in words, the access token's remaining lifetime (it jumps back
 * after each silent refresh) and how many times this session had to reconnect.
 */
import { useEffect, useState } from 'react';
import type { ConnectionState } from 'permsocket';
import { formatLifetime } from './lifetime';
import { useClientEvent, useConnectionState, useExpiresAt, useUser } from './permsocket';

const WORDS: Record<ConnectionState, string> = {
  connecting: 'Connecting',
  authenticating: 'Connecting',
  ready: 'Connected',
  reconnecting: 'Reconnecting',
  unauthenticated: 'Signed out',
  closed: 'Signed out',
  forbidden: 'Forbidden',
};

const TICK_MS = 200;

/** The current time, updated every tick while `active`. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/** States that end a session: the next `ready` is a new sign-in, not a reconnect. */
const ENDED: ReadonlySet<ConnectionState> = new Set(['closed', 'unauthenticated', 'forbidden']);

/**
 * Counts `ready` events per session: the first one is the sign-in, every later one a reconnect.
 * Signing out (or being signed out) ends the session, and so does another user's `ready`.
 */
function useReconnects(): number {
  const [count, setCount] = useState({ user: '', readies: 0 });
  useClientEvent('ready', ({ user }) =>
    setCount((last) => (last.user === user.name ? { user: user.name, readies: last.readies + 1 } : { user: user.name, readies: 1 })),
  );
  useClientEvent('state', (state) => {
    if (ENDED.has(state)) setCount({ user: '', readies: 0 });
  });
  return Math.max(0, count.readies - 1);
}

/** The badge in the header: state, token lifetime, reconnect count. */
export function ConnectionBadge() {
  const state = useConnectionState();
  const expiresAt = useExpiresAt();
  const reconnects = useReconnects();
  const signedIn = useUser() !== null;
  const now = useNow(expiresAt !== null);
  return (
    <div className={`badge badge-${state}`}>
      <span className="badge-dot" aria-hidden="true" />
      {/* Only the state is live: a countdown that changes five times a second must not be announced. */}
      <span role="status" aria-label={`Connection: ${WORDS[state]}`} data-testid="connection-state">
        {WORDS[state]}
      </span>
      {expiresAt !== null && (
        <span className="badge-detail" title="Time left on the access token; it is refreshed on the open socket before it runs out">
          token <span data-testid="token-lifetime">{formatLifetime(expiresAt - now)}</span>
        </span>
      )}
      {signedIn && (
        <span className="badge-detail" title="Connections re-established since signing in">
          reconnects <span data-testid="reconnects">{reconnects}</span>
        </span>
      )}
    </div>
  );
}
