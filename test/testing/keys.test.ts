import { describe, expect, it, vi } from 'vitest';
import { RequestError } from 'permsocket';
import type { Message } from '../../demo/contract';
import { rawSocket, signedInSocket, tick, useFake } from './harness';

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

  describe('a repeated key on a signed-in socket', () => {
    let ran = 0;
    /** Signs in with a chat.history handler that counts its runs and then does `then`. */
    async function keyed(then: (room: string) => { messages: Message[] }) {
      ran = 0;
      fake.use({ 'chat.history': ({ room }) => (ran++, then(room)) });
      const raw = await signedInSocket(fake);
      const send = async (id: string, key?: string, room = 'general') => {
        raw.send({ type: 'req', id, action: 'chat.history', payload: { room }, ...(key !== undefined && { key }) });
        await tick(0);
        return raw.received.at(-1);
      };
      return { raw, send };
    }

    it('gets the first answer under its own id, without running the handler again', async () => {
      const { send } = await keyed((room) => ({ messages: [{ id: `m${ran}`, room, text: 'hi', user: 'alice', at: 0 }] }));
      const first = await send('a', 'k');
      expect(await send('b', 'k')).toEqual({ ...first, id: 'b' });
      expect(ran).toBe(1);
    });

    it('runs every request without a key', async () => {
      const { send } = await keyed(() => ({ messages: [] }));
      await send('a');
      await send('b');
      expect(ran).toBe(2);
    });

    it.each([
      ['a RequestError of its own code', new RequestError('not_found', 'no room', 'chat.history')],
      ['a RequestError with a code the protocol does not list', new RequestError('gone' as never, 'gone for good', 'chat.history')],
    ])('gets the first answer when the handler threw %s', async (_name, thrown) => {
      const { send } = await keyed(() => {
        throw thrown;
      });
      const first = await send('a', 'k');
      expect(first).toMatchObject({ ok: false, error: { code: thrown.code } });
      expect(await send('b', 'k')).toEqual({ ...first, id: 'b' });
      expect(ran).toBe(1);
    });

    it.each([
      ['internal', new RequestError('internal', 'try later', 'chat.history')],
      ['rate_limited', new RequestError('rate_limited', 'slow down', 'chat.history')],
      ['any code with retryAfterMs', new RequestError('not_found', 'not yet', 'chat.history', 1_000)],
      ['not a RequestError', new Error('boom')],
    ])('runs again when the handler threw a transient error: %s', async (_name, thrown) => {
      // A thrown non-RequestError is logged with console.error (the default onHandlerError).
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const { send } = await keyed(() => {
        throw thrown;
      });
      expect(await send('a', 'k')).toMatchObject({ ok: false });
      expect(await send('b', 'k')).toMatchObject({ id: 'b', ok: false });
      expect(ran).toBe(2);
      vi.mocked(console.error).mockRestore();
    });

    it('checks a request refused before its handler again at the repeat, on the grants of then', async () => {
      const { send } = await keyed(() => ({ messages: [] }));
      fake.setGrants(['chat.view_message@room:general']);
      await tick(0);
      expect(await send('a', 'k', 'secret')).toMatchObject({ ok: false, error: { code: 'permission_denied' } });
      fake.setGrants(['chat.view_message']);
      await tick(0);
      expect(await send('b', 'k', 'secret')).toEqual({ type: 'res', id: 'b', ok: true, data: { messages: [] } });
      expect(ran).toBe(1);
    });

    it('forgets its keys at reset(), so that a key of one test never answers the next', async () => {
      const before = await keyed(() => ({ messages: [] }));
      await before.send('a', 'k');
      fake.reset();
      const after = await keyed(() => ({ messages: [] }));
      await after.send('a', 'k');
      expect(ran).toBe(1);
    });

    it('remembers the last 1,000 keys: the 1,001st forgets the oldest', async () => {
      const { send } = await keyed(() => ({ messages: [] }));
      for (let n = 0; n <= 1_000; n++) void send(`r${n}`, `k${n}`);
      await tick(0);
      expect(ran).toBe(1_001);
      await send('again1', 'k1');
      expect(ran).toBe(1_001);
      await send('again0', 'k0');
      expect(ran).toBe(1_002);
    });
  });
});

