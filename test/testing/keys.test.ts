import { describe, expect, it } from 'vitest';
import type { Message } from '../../demo/contract';
import { rawSocket, tick, useFake } from './harness';

let runs = 0;
const { fake, connect } = useFake({
  keys: true,
  grants: ['chat.view_message', 'chat.send_message'],
  handlers: {
    // Slow enough to still be running when the connection drops.
    'chat.send': ({ room, text }, { user, key }) =>
      new Promise<{ message: Message }>((resolve) => {
        runs++;
        setTimeout(() => resolve({ message: { id: `m${runs}`, room, text: `${text} (${key ? 'keyed' : 'no key'})`, user: user.name, at: 0 } }), 1_000);
      }),
  },
});

describe('the fake with keys: true', () => {
  it('lists the keys feature in auth.ok', async () => {
    const raw = rawSocket();
    await tick(0);
    raw.socket.send(JSON.stringify({ type: 'auth', token: await fake.token() }));
    await tick(0);
    expect(raw.received[0]).toMatchObject({ type: 'auth.ok', features: ['keys'] });
    raw.socket.close();
  });

  it('answers a send re-sent after a drop with the first run, which ran once', async () => {
    runs = 0;
    const client = connect({ retry: { minDelay: 100, maxDelay: 100 } });
    await tick(0);
    const sent = client.request('chat.send', { room: 'general', text: 'hi' }, { timeout: 10_000 });
    await tick(10);
    fake.drop();
    await tick(2_000);
    await expect(sent).resolves.toEqual({ message: { id: 'm1', room: 'general', text: 'hi (keyed)', user: 'alice', at: 0 } });
    expect(runs).toBe(1);
    const [first, again] = fake.requests;
    expect(fake.requests).toHaveLength(2);
    expect(again!.id).not.toBe(first!.id);
  });
});
