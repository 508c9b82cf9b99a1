/**
 * Hooks over the client of the nearest provider. These are typed for any contract (action names
 * are strings); {@link createPermsocketReact} gives the same hooks typed by one contract.
 * @packageDocumentation
 */
import { useEffect, useInsertionEffect, useRef } from 'react';
import type { ClientEvents, ConnectionState } from '../options';
import type { PermissionSet } from '../permissions';
import type { UserInfo } from '../protocol';
import { useClient } from './context';
import type { createPermsocketReact } from './typed';
import { useClientValue } from './store';

/**
 * Whether the current permissions allow `action` (with `payload`, for an action checked on a
 * resource), by the contract's rule. Re-renders when the answer changes.
 * @example
 * const canSend = useCan('chat.send', { room, text });
 */
export function useCan(action: string, payload?: unknown): boolean {
  const client = useClient();
  // A boolean snapshot: components re-render only when the answer flips, not on every new set.
  return useClientValue(client, (c) => c.can(action, payload));
}

/** Whether the current grants hold `permission` (on `resource`, when given). Re-renders when that changes. */
export function usePermission(permission: string, resource?: string): boolean {
  const client = useClient();
  return useClientValue(client, (c) => c.permissions.can(permission, resource));
}

/** The current permission snapshot (version and grants); a new object whenever the server sends one. */
export function usePermissions(): PermissionSet {
  const client = useClient();
  return useClientValue(client, (c) => c.permissions);
}

/** The connection state; re-renders on every transition. */
export function useConnectionState(): ConnectionState {
  const client = useClient();
  return useClientValue(client, (c) => c.state);
}

/** The signed-in user from the last `auth.ok`, or null. */
export function useUser(): UserInfo | null {
  const client = useClient();
  return useClientValue(client, (c) => c.user);
}

/** Local time (ms) at which the access token expires, or null; moves forward after each refresh. */
export function useExpiresAt(): number | null {
  const client = useClient();
  return useClientValue(client, (c) => c.expiresAt);
}

/** Keeps the newest handler in a ref, so a listener subscribed once always calls the latest one. */
function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  // Insertion effects run before any other effect and never on the server.
  useInsertionEffect(() => {
    ref.current = value;
  });
  return ref;
}

/**
 * Listens to a contract event while the component is mounted. The handler may change on every
 * render without resubscribing; the listener is removed on unmount. Here the data is `any` (this
 * hook cannot know the event's type); the `useEvent` of {@link createPermsocketReact} types it.
 * @example
 * useEvent('chat.message', ({ message }) => setMessages((list) => [...list, message]));
 */
export function useEvent(name: string, handler: (data: any) => void): void {
  const client = useClient();
  const latest = useLatest(handler);
  useEffect(() => client.onEvent(name, (data) => latest.current(data)), [client, name, latest]);
}

/**
 * Listens to one of the client's own events (`permission-denied`, `error`, `ready`...) while the
 * component is mounted, with the same latest-handler semantics as {@link useEvent}.
 */
export function useClientEvent<K extends keyof ClientEvents>(event: K, handler: ClientEvents[K]): void {
  const client = useClient();
  const latest = useLatest(handler);
  useEffect(() => {
    const forward = ((...args: unknown[]) => (latest.current as (...a: unknown[]) => void)(...args)) as ClientEvents[K];
    return client.on(event, forward);
  }, [client, event, latest]);
}
