/** An action the contract does not declare is never allowed and never sent. */
import { describe, expect, it } from 'vitest';
import { action, createClient, defineContract, isPermsocketError } from 'permsocket';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();
// What a caller without types (plain JavaScript, a name built at run time) may pass.
const undeclared = 'chat.unknown' as 'chat.send';

describe('an action the contract does not declare', () => {
  it('is refused by can(), even for a superuser', async () => {
    const { client } = start();
    await tick(10);
    expect(client.permissions.grants).toEqual(['*']);
    expect(client.can(undeclared)).toBe(false);
    expect(client.can(undeclared, { room: 'general', text: 'x' })).toBe(false);
  });

  it('is rejected by request() with RequestError unknown_action, and nothing is sent', async () => {
    const { client } = start();
    await tick(10);
    const error = await client.request(undeclared, { room: 'general', text: 'x' }).catch((e: unknown) => e);
    expect(isPermsocketError(error, 'RequestError')).toBe(true);
    expect(error).toMatchObject({ name: 'RequestError', code: 'unknown_action', action: 'chat.unknown' });
    expect((error as Error).message).toContain('chat.unknown');
    await tick(10);
    expect(server.last.frames.filter((f) => f.type === 'req')).toEqual([]);
  });

  it('is rejected by request() even before the client connected', async () => {
    const { client } = start({ autoConnect: false });
    await expect(client.request(undeclared, { room: 'general', text: 'x' })).rejects.toMatchObject({ code: 'unknown_action' });
  });
});

it('allows a public action with a resource when asked without a payload, before any grant', () => {
  const contract = defineContract({ actions: { 'room.peek': action({ permission: null, resource: 'room:{room}' }) } });
  const client = createClient({ url: 'ws://permsocket.test/ws', contract, getToken: async () => 'unused', autoConnect: false });
  expect(client.can('room.peek')).toBe(true);
});
