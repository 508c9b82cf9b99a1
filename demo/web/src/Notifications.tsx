/** Turns the client's refusals and errors into toasts. Renders nothing. */
import { describeDenial } from './denials';
import { useClientEvent } from './permsocket';
import { isNoSession } from './session';
import { useToasts } from './toast-store';

/** Subscribes the toasts to the client; mount it once. */
export function Notifications() {
  const toasts = useToasts();
  useClientEvent('permission-denied', (denial) => toasts.push('denied', describeDenial(denial)));
  useClientEvent('error', (error) => toasts.push('error', error.message));
  useClientEvent('auth-error', (error) => {
    // Opening the page with nobody signed in is not a failure: the sign-in form says enough.
    if (isNoSession(error)) return;
    toasts.push('error', error.code === 'forbidden' ? `Forbidden: ${error.message}` : `Signed out: ${error.message}`);
  });
  return null;
}
