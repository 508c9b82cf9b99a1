/**
 * permsocket/react: React bindings over a permsocket client, built on useSyncExternalStore.
 * React is an optional peer dependency; the core client does not import this entry.
 * @packageDocumentation
 */
export { PermsocketProvider, useClient } from './context';
export type { PermsocketProviderProps } from './context';
export {
  useCan,
  usePermission,
  usePermissions,
  useConnectionState,
  useUser,
  useExpiresAt,
  useEvent,
  useClientEvent,
} from './hooks';
export { Can } from './can';
export type { CanProps } from './can';
export { createPermsocketReact } from './typed';
export type { PermsocketReact, TypedCanProps } from './typed';
