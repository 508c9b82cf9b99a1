/**
 * The React context that carries one permsocket client to every hook below a provider.
 * @packageDocumentation
 */
import { createContext, createElement, useContext, type ReactElement, type ReactNode } from 'react';
import type { Client } from '../client';
import type { Contract } from '../contract';

const ClientContext = createContext<Client<Contract> | null>(null);
// Stryker disable next-line StringLiteral: the name only labels the provider in React DevTools
ClientContext.displayName = 'PermsocketClient';

/** Props of {@link PermsocketProvider}. */
export interface PermsocketProviderProps<C extends Contract = Contract> {
  /** The client every hook below reads from; create it once, outside of render. */
  client: Client<C>;
  children?: ReactNode;
}

/**
 * Makes a client available to the hooks and to `<Can>` below it.
 * @example
 * <PermsocketProvider client={client}><App /></PermsocketProvider>
 */
export function PermsocketProvider<C extends Contract>({ client, children }: PermsocketProviderProps<C>): ReactElement {
  // Hooks only read the client through the Contract-wide interface, so widening it is safe.
  return createElement(ClientContext.Provider, { value: client as unknown as Client<Contract> }, children);
}

/**
 * Returns the client of the nearest {@link PermsocketProvider}; throws when there is none, since
 * every binding needs one. Pass the contract type (or use {@link createPermsocketReact}) for a
 * typed client.
 */
export function useClient<C extends Contract = Contract>(): Client<C> {
  const client = useContext(ClientContext);
  if (!client) throw new Error('permsocket/react: wrap this component in <PermsocketProvider client={client}>');
  // The context cannot carry the contract's type: the caller states it, as with useContext.
  return client as unknown as Client<C>;
}
