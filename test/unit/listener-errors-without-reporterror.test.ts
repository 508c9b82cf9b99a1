/**
 * Where the runtime has no `reportError` (Node 20), a listener's exception is rethrown from a
 * timer, as an uncaught error the app's tooling sees, and the client keeps working.
 */
import { describe, expect, it } from 'vitest';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('a throwing listener with no reportError', () => {
  it('has its error rethrown from a timer, and the client still gets ready', async () => {
    expect(typeof (globalThis as { reportError?: unknown }).reportError).toBe('undefined');
    const bug = new Error('bug in a state listener');
    const { client } = start({
      on: {
        state: (state) => {
          if (state === 'connecting') throw bug;
        },
      },
    });
    // The fake clock runs the timer that rethrows, and hands its exception to the test.
    await expect(tick(0)).rejects.toBe(bug);
    await tick(10);
    expect(client.state).toBe('ready');
  });

  it('rethrows an event listener\'s error and still calls the next listener', async () => {
    const { client } = start();
    const bug = new Error('bug in an event listener');
    const seen: string[] = [];
    client.onEvent('chat.message', () => {
      throw bug;
    });
    client.onEvent('chat.message', ({ message }) => void seen.push(message.id));
    await tick(10);
    server.last.send({ type: 'event', name: 'chat.message', data: { message: { id: 'm1', room: 'general', text: 'hi', user: 'a', at: 1 } } });
    await expect(tick(10)).rejects.toBe(bug);
    expect(seen).toEqual(['m1']);
    await expect(client.request('chat.history', { room: 'general' })).resolves.toBeDefined();
  });
});
