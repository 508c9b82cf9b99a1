import { describe, expect, it } from 'vitest';
import { tick, useFake, rawSocket } from './harness';

const { fake, connect } = useFake({ grants: ['chat.view_message'], handlers: { 'chat.history': () => ({ messages: [] }) } });

describe('smoke', () => {
  it('connects', async () => {
    const client = connect();
    await tick(10);
    expect(client.state).toBe('ready');
    await expect(client.request('chat.history', { room: 'general' })).resolves.toEqual({ messages: [] });
    fake.setGrants(['chat.view_message', 'chat.send_message']);
    await tick(0);
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(true);
  });
  it('raw 4406', async () => {
    const raw = rawSocket([]);
    await tick(10);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'unsupported_protocol', message: expect.any(String) } }]);
    expect(raw.closed?.code).toBe(4406);
  });
  it('raw req before auth', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.send({ type: 'ping' });
    await tick(10);
    expect(raw.received).toEqual([{ type: 'error', error: { code: 'unauthenticated', message: expect.any(String) } }]);
    expect(raw.closed?.code).toBe(4401);
  });
});
