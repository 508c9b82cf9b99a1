/** The React bindings, typed by the chat contract. */
import { createPermsocketReact } from 'permsocket/react';
import type { ChatContract } from '../../contract';

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
