/** The React bindings, typed by the chat contract. */
import { createPermsocketReact } from 'permsocket/react';
import type { ChatContract } from '../../contract';

/** The bindings every component imports, so `useCan` and `<Can>` check payloads against the chat contract. */
export const {
  PermsocketProvider,
  useClient,
  useCan,
  usePermissions,
  useConnectionState,
  useUser,
  useExpiresAt,
  useEvent,
  useClientEvent,
  Can,
} = createPermsocketReact<ChatContract>();
