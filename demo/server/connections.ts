/** The open, authenticated connections of this node, by user, for pushes and events. */
import type { PermissionState } from './users';

/** What the rest of the server may do with one authenticated connection. */
export interface LiveConnection {
  readonly userId: number;
  /** Applies a fresh permission state: pushes `perms` when the grants changed, closes 4403 when inactive. */
  applyPermissions(state: PermissionState | undefined): void;
  /** Sends a contract event, after bringing the client's permission snapshot up to date. */
  sendEvent(state: PermissionState, name: string, data: unknown): void;
}

/** The registry of authenticated connections. */
export interface ConnectionRegistry {
  add(connection: LiveConnection): void;
  remove(connection: LiveConnection): void;
  forUser(userId: number): ReadonlySet<LiveConnection>;
  /** Each user with at least one connection, with their connections. */
  byUser(): ReadonlyMap<number, ReadonlySet<LiveConnection>>;
}

const NONE: ReadonlySet<LiveConnection> = new Set();

/** Creates an empty registry. */
export function createConnectionRegistry(): ConnectionRegistry {
  const users = new Map<number, Set<LiveConnection>>();
  return {
    add(connection) {
      const set = users.get(connection.userId) ?? new Set();
      set.add(connection);
      users.set(connection.userId, set);
    },
    remove(connection) {
      const set = users.get(connection.userId);
      if (!set) return;
      set.delete(connection);
      if (set.size === 0) users.delete(connection.userId);
    },
    forUser: (userId) => users.get(userId) ?? NONE,
    byUser: () => users,
  };
}
