/** Several scoped grants of one permission: each resource counts, not only the last one listed. */
import { describe, expect, it } from 'vitest';
import { can, createPermissionSet } from 'permsocket';
import { authOk, grantsOf, tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('two scoped grants of one permission', () => {
  it('both count in a permission snapshot', () => {
    const set = createPermissionSet(1, ['chat.send_message@room:a', 'chat.send_message@room:b', 'chat.send_message@room:c']);
    expect(set.can('chat.send_message', 'room:a')).toBe(true);
    expect(set.can('chat.send_message', 'room:b')).toBe(true);
    expect(set.can('chat.send_message', 'room:c')).toBe(true);
    expect(set.can('chat.send_message', 'room:d')).toBe(false);
    expect(set.can('chat.send_message')).toBe(false);
  });

  it('both count in a plain list of grants', () => {
    const grants = ['chat.send_message@room:a', 'chat.send_message@room:b'];
    for (const list of [grants, new Set(grants)]) {
      expect(can(list, 'chat.send_message', 'room:a')).toBe(true);
      expect(can(list, 'chat.send_message', 'room:b')).toBe(true);
      expect(can(list, 'chat.send_message', 'room:c')).toBe(false);
    }
  });

  it('both let the client send, in either room', async () => {
    server.script({
      onAuth: (token) => authOk(token, grantsOf(1, ['chat.view_message', 'chat.send_message@room:general', 'chat.send_message@room:random'])),
    });
    const { client } = start();
    await tick(10);
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(true);
    expect(client.can('chat.send', { room: 'random', text: 'x' })).toBe(true);
    expect(client.can('chat.send', { room: 'lobby', text: 'x' })).toBe(false);
    await expect(client.request('chat.send', { room: 'general', text: 'x' })).resolves.toBeDefined();
    await expect(client.request('chat.send', { room: 'random', text: 'x' })).resolves.toBeDefined();
  });
});
