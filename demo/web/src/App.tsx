/** The app shell: header with the badge, then the chat for a signed-in user or the sign-in form. */
import { ChatScreen } from './ChatScreen';
import { ConnectionBadge } from './ConnectionBadge';
import { Notifications } from './Notifications';
import { useClient, useConnectionState, useUser } from './permsocket';
import type { Session } from './session';
import { SignIn } from './SignIn';
import { Toasts } from './Toasts';

/** The whole app below the providers. */
export function App({ session }: { session: Session }) {
  const client = useClient();
  const user = useUser();
  const state = useConnectionState();
  // Only the very first connection has no user yet; after that the user stays through reconnects.
  const firstConnect = user === null && (state === 'connecting' || state === 'authenticating' || state === 'reconnecting');

  async function signOut() {
    client.close();
    await session.logout();
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
      <main>
        {user ? (
          <ChatScreen key={user.id} session={session} />
        ) : firstConnect ? (
          <p className="card notice loading">Connecting…</p>
        ) : (
          <SignIn session={session} forbidden={state === 'forbidden'} />
        )}
      </main>
      <Notifications />
      <Toasts />
    </div>
  );
}
