/**
 * Reading the client as an external store: one subscribe function per client, so React does not
 * resubscribe on every render.
 * @packageDocumentation
 */
import { useCallback, useSyncExternalStore } from 'react';
import type { Client } from '../client';
import type { Contract } from '../contract';

/**
 * Reads a value derived from the client and re-renders when it changes. `read` must return a
 * primitive or an object the client replaces rather than mutates (state, permissions, user), or
 * React would loop on a fresh snapshot every render.
 */
export function useClientValue<C extends Contract, T>(client: Client<C>, read: (client: Client<C>) => T): T {
  const subscribe = useCallback((onChange: () => void) => client.subscribe(onChange), [client]);
  const snapshot = () => read(client);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
