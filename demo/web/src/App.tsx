/** The app shell: header with the badge, then the chat for a signed-in user or the sign-in form. */
import { useEffect, useState } from 'react';
import { ChatScreen } from './ChatScreen';
import { ConnectionBadge } from './ConnectionBadge';
import { DevPanel } from './DevPanel';
import { eventLogOf } from './event-log';
import { Notifications } from './Notifications';
import { useClient, useConnectionState, useUser } from './permsocket';
import type { Session } from './session';
import { SignIn } from './SignIn';
import { Toasts } from './Toasts';
import { useToasts } from './toast-store';

/** What the user is told when the server did not confirm a sign-out. */
const STILL_ACTIVE = 'Your session may still be active on the server: a reload could sign you in again.';

/** The whole app below the providers. */
export function App({ session }: { session: Session }) {
  const client = useClient();
  const user = useUser();
  const state = useConnectionState();
  const toasts = useToasts();
  // The developer panel's log starts with the app, so it has the first connection's events too.
  eventLogOf(client);
  // A sign-out on its way to the server (the form waits, so a new sign-in cannot cross it), and
  // why the last one failed, until a retry goes through or someone signs in again.
  const [signingOut, setSigningOut] = useState(false);
  const [logoutFailed, setLogoutFailed] = useState<string | null>(null);
  // Only the very first connection has no user yet; after that the user stays through reconnects.
  const firstConnect = user === null && (state === 'connecting' || state === 'authenticating' || state === 'reconnecting');

  // Signing in again replaced the old cookie: the failed sign-out is no longer the user's concern.
  useEffect(() => {
    if (user) setLogoutFailed(null);
  }, [user]);

  async function signOut() {
    // Signed out in this window at once; the server is told next, and the user hears if it failed.
    client.close();
    setSigningOut(true);
    try {
      await session.logout();
      if (logoutFailed) toasts.push('info', 'Signed out on the server too.');
      setLogoutFailed(null);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      toasts.push('error', `${reason} ${STILL_ACTIVE}`);
      setLogoutFailed(reason);
    } finally {
      setSigningOut(false);
    }
  }

  return (
    <div className="app">
      <header className="topbar">
        <h1>permsocket chat</h1>
        <ConnectionBadge />
        {user && (
          <div className="who">
            <span>
              Signed in as <strong data-testid="user-name">{user.name}</strong>
            </span>
            <button type="button" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <Toasts />
      <main>
        {user ? (
          <ChatScreen key={user.id} session={session} />
        ) : signingOut ? (
          <p className="card notice loading">Signing out…</p>
        ) : firstConnect ? (
          <p className="card notice loading">Connecting…</p>
        ) : (
          <>
            {logoutFailed && (
              <div className="card notice notice-error" data-testid="logout-failed">
                <p>
                  Signed out in this window only. {logoutFailed} {STILL_ACTIVE}
                </p>
                <button type="button" onClick={() => void signOut()}>
                  Retry sign-out
                </button>
              </div>
            )}
            <SignIn session={session} forbidden={state === 'forbidden'} />
            <DevPanel />
          </>
        )}
      </main>
      <Notifications />
    </div>
  );
}
