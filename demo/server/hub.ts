/**
 * Change notices from the admin API to the open connections: a user's grants, groups or status
 * changed, so the engine reloads and pushes their permissions on every node (`perms`, or 4403
 * once inactive). The engine's hub (memory or Redis) carries them between nodes.
 */

/** A user's permissions or status changed. */
export type HubMessage = { kind: 'user-changed'; userId: number };

/** Where the admin API sends its change notices. */
export interface Hub {
  publish(message: HubMessage): void;
}
