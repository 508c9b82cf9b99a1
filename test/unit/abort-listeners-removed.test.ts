/**
 * A request removes its abort listener once it settles: one long-lived signal shared by many
 * requests (a page's AbortController) does not collect a listener per request.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('abort listeners', () => {
  it('are removed from a shared signal when the requests are answered', async () => {
    const { client } = start();
    await tick(10);
    const page = new AbortController();
    const answers = Array.from({ length: 20 }, () => client.request('chat.history', { room: 'general' }, { signal: page.signal }));
    expect(getEventListeners(page.signal, 'abort')).toHaveLength(20);
    await Promise.all(answers);
    expect(getEventListeners(page.signal, 'abort')).toHaveLength(0);
  });

  it('are removed when the requests time out', async () => {
    server.script({ onRequest: () => null });
    const { client } = start();
    await tick(10);
    const page = new AbortController();
    const outcomes = Array.from({ length: 5 }, () =>
      client.request('chat.history', { room: 'general' }, { signal: page.signal, timeout: 1_000 }).catch((e: unknown) => e),
    );
    await tick(1_001);
    await Promise.all(outcomes);
    expect(getEventListeners(page.signal, 'abort')).toHaveLength(0);
  });
});
