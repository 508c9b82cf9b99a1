/**
 * Developer options of the demo page, kept for this tab: "show disallowed controls" renders what
 * <Can> would hide, so a click meets the client's own refusal (and an unknown room the server's).
 */
import { useSyncExternalStore } from 'react';

let showDisallowed = false;
const listeners = new Set<() => void>();

/** Turns "show disallowed controls" on or off. */
export function setShowDisallowed(value: boolean): void {
  showDisallowed = value;
  listeners.forEach((listener) => listener());
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};

/** Whether disallowed controls are shown; re-renders when it changes. */
export function useShowDisallowed(): boolean {
  return useSyncExternalStore(subscribe, () => showDisallowed, () => false);
}

/**
 * A room the reference servers do not have: shown with the disallowed controls, it is a request
 * the client allows (an unscoped grant covers every room) and only the server can refuse.
 */
export const UNKNOWN_ROOM = 'archive';
