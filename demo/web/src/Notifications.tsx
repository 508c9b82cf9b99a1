/** Turns the client's refusals and errors into toasts. Renders nothing. */
import { describeDenial } from './denials';
import { useClientEvent } from './permsocket';
import { isNoSession, isSessionEnded } from './session';
import { useToasts } from './toast-store';

/** Subscribes the toasts to the client; mount it once. */
export function Notifications() {
  const toasts = useToasts();
  useClientEvent('permission-denied', (denial) => toasts.push('denied', describeDenial(denial)));
  useClientEvent('error', (error) => toasts.push('error', error.message));
  useClientEvent('auth-error', (error) => {
    // Opening the page with nobody signed in is not a failure: the sign-in form says enough.
    if (isNoSession(error)) return;
    // A session that ended while in use (another tab signed out, the cookie was revoked or expired)
    // sends the user back to the sign-in form: say why, in words they can act on.
    if (isSessionEnded(error)) {
      toasts.push('error', error.message);
      return;
    }
    // A deactivated account (4403) is explained once, by the sign-in form it lands on.
    if (error.code === 'forbidden') return;
    toasts.push('error', `Signed out: ${error.message}`);
  });
  return null;
}
