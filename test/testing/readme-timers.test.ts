import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, onTestFinished, vi } from 'vitest';
import { createClient, RequestError } from 'permsocket';
import { permsocketServer } from 'permsocket/testing';
import { chat } from './chat-contract';

const fake = permsocketServer(chat, { url: 'wss://app.test/ws', grants: ['chat.view_message', 'chat.send_message'] });
const server = setupServer(fake.handler);
beforeAll(() => server.listen());
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  fake.reset();
  vi.useRealTimers();
});
afterAll(() => server.close());

function connect() {
  const client = createClient({ url: 'wss://app.test/ws', contract: chat, getToken: () => fake.token({ ttl: 120 }) });
  onTestFinished(() => client.close());
  return client;
}

it('refreshes the token on the open socket before it expires', async () => {
  const client = connect();
  await vi.advanceTimersByTimeAsync(10 * 60_000); // five token lifetimes
  expect(client.state).toBe('ready');
  expect(fake.connections).toHaveLength(1); // never closed with 4401
  expect(fake.connections[0]!.frames.filter((frame) => frame.type === 'auth.refresh').length).toBeGreaterThanOrEqual(5);
});

it('reports the server’s refusal of a grant revoked behind its back', async () => {
  const client = connect();
  await vi.advanceTimersByTimeAsync(0);
  fake.setGrants(['chat.view_message'], { push: false });
  await expect(client.request('chat.send', { room: 'general', text: 'hi' })).rejects.toMatchObject({
    name: 'PermissionDeniedError',
    source: 'server',
    permission: 'chat.send_message',
  });
  expect(client.can('chat.send', { room: 'general', text: 'hi' })).toBe(false); // the perms push came first
});

it('answers the code of a RequestError from a handler, after the latency', async () => {
  fake.setLatency(300);
  fake.use({
    'chat.send': () => {
      throw new RequestError('rate_limited', 'slow down', 'chat.send', 5_000);
    },
  });
  const client = connect();
  const sent = client.request('chat.send', { room: 'general', text: 'hi' }).catch((error: unknown) => error);
  await vi.advanceTimersByTimeAsync(600); // auth.ok, then the answer, 300 ms each
  expect(await sent).toMatchObject({ code: 'rate_limited', message: 'slow down', retryAfterMs: 5_000 });
});
