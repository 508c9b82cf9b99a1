/**
 * The bindings typed by one contract: action names, payloads and event data are checked.
 * @packageDocumentation
 */
import type { ReactElement, ReactNode } from 'react';
import type { Client } from '../client';
import type { ActionName, Contract, EventDataOf, EventName, PayloadOf } from '../contract';
import type { ClientEvents, ConnectionState } from '../options';
import type { PermissionSet } from '../permissions';
import type { UserInfo } from '../protocol';
import { Can } from './can';
import { PermsocketProvider, useClient, type PermsocketProviderProps } from './context';
import {
  useCan,
  useClientEvent,
  useConnectionState,
  useEvent,
  useExpiresAt,
  usePermission,
  usePermissions,
  useUser,
} from './hooks';

/** Props of the typed `<Can>`: the payload's type follows the action. */
export interface TypedCanProps<C extends Contract, A extends ActionName<C>> {
  action: A;
  payload?: PayloadOf<C, A>;
  fallback?: ReactNode;
  children?: ReactNode;
}

/** What {@link createPermsocketReact} returns: every binding, typed by the contract `C`. */
export interface PermsocketReact<C extends Contract> {
  /** See {@link PermsocketProvider}. */
  PermsocketProvider: (props: PermsocketProviderProps<C>) => ReactElement;
  /** See {@link useClient}. */
  useClient: () => Client<C>;
  /** See {@link useCan}. */
  useCan: <A extends ActionName<C>>(action: A, payload?: PayloadOf<C, A>) => boolean;
  /** See {@link usePermission}. */
  usePermission: (permission: string, resource?: string) => boolean;
  /** See {@link usePermissions}. */
  usePermissions: () => PermissionSet;
  /** See {@link useConnectionState}. */
  useConnectionState: () => ConnectionState;
  /** See {@link useUser}. */
  useUser: () => UserInfo | null;
  /** See {@link useExpiresAt}. */
  useExpiresAt: () => number | null;
  /** See {@link useEvent}. */
  useEvent: <E extends EventName<C>>(name: E, handler: (data: EventDataOf<C, E>) => void) => void;
  /** See {@link useClientEvent}. */
  useClientEvent: <K extends keyof ClientEvents>(event: K, handler: ClientEvents[K]) => void;
  /** See {@link Can}. */
  Can: <A extends ActionName<C>>(props: TypedCanProps<C, A>) => ReactElement;
}

/**
 * Returns the React bindings typed by a contract. They share one context with the untyped
 * exports, so one provider serves both. Call it once per app, at module level.
 * @example
 * export const { PermsocketProvider, useCan, useEvent, Can } = createPermsocketReact<ChatContract>();
 * useCan('chat.send', { room: 'general', text });   // checked against the contract
 */
export function createPermsocketReact<C extends Contract>(): PermsocketReact<C> {
  return {
    PermsocketProvider,
    useClient: () => useClient<C>(),
    useCan: (action, payload) => useCan(action, payload),
    usePermission,
    usePermissions,
    useConnectionState,
    useUser,
    useExpiresAt,
    useEvent: (name, handler) => useEvent(name, handler),
    useClientEvent,
    Can: (props) => Can(props),
  };
}
