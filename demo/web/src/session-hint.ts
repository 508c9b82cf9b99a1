/**
 * A hint, kept in localStorage, that this browser has a refresh cookie. The cookie is httpOnly, so
 * the page cannot see it; without the hint a page opened by nobody signed in would ask
 * POST /auth/refresh anyway and log its (correct) 401 on every load.
 */
const KEY = 'permsocket-demo.signed-in';

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled: every load asks the server, as before
  }
}

/** Whether a sign-in happened in this browser and no sign-out or refused refresh since (true when unknown). */
export function mayHaveSession(): boolean {
  const store = storage();
  return !store || store.getItem(KEY) === '1';
}

/** Records that the browser now holds a refresh cookie, or no longer does. */
export function rememberSession(present: boolean): void {
  try {
    if (present) storage()?.setItem(KEY, '1');
    else storage()?.removeItem(KEY);
  } catch {
    // a full or disabled storage only costs the hint
  }
}
