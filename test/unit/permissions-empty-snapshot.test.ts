/**
 * Before the server sent a snapshot the client holds the empty one: version -1 (older than any
 * snapshot a server sends, which starts at 0 or more), no grants, nothing allowed, frozen.
 */
import { describe, expect, it } from 'vitest';
import { createClient } from 'permsocket';
import { EMPTY_PERMISSIONS } from '../../src/permissions';
import { chatContract } from '../../demo/contract';

describe('the empty permission snapshot', () => {
  it('has version -1 and no grants, and allows nothing, not even for a superuser-looking check', () => {
    expect(EMPTY_PERMISSIONS.version).toBe(-1);
    expect(EMPTY_PERMISSIONS.grants).toEqual([]);
    expect(EMPTY_PERMISSIONS.can('chat.view_message')).toBe(false);
    expect(EMPTY_PERMISSIONS.can('*')).toBe(false);
    expect(Object.isFrozen(EMPTY_PERMISSIONS)).toBe(true);
  });

  it('is what a client holds before it signed in', () => {
    const client = createClient({ url: 'ws://permsocket.test/ws', contract: chatContract, getToken: () => 't', autoConnect: false });
    expect(client.permissions.version).toBe(-1);
    expect(client.permissions.grants).toEqual([]);
    expect(client.can('chat.history', { room: 'general' })).toBe(false);
    client.close();
  });
});
