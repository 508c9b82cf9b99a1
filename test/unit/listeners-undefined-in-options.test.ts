/**
 * A listener in the options may be chosen at runtime (`{ 'chat.message': debug ? log : undefined }`):
 * one left undefined is skipped, never called as a function when its event arrives.
 */
import { describe, expect, it } from 'vitest';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('listeners left undefined in the options', () => {
  it('skips a contract event listener left undefined in onEvent and calls the others', async () => {
    const deleted: string[] = [];
    // Allowed in JavaScript and by TypeScript's default settings; this project's exactOptionalPropertyTypes refuses it.
    // @ts-expect-error undefined for an optional listener
    start({ onEvent: { 'chat.message': undefined, 'chat.deleted': ({ id }) => void deleted.push(id) } });
    await tick(10);
    server.last.send({ type: 'event', name: 'chat.message', data: { message: { id: 'm1', room: 'general', text: 'hi', user: 'a', at: 1 } } });
    server.last.send({ type: 'event', name: 'chat.deleted', data: { room: 'general', id: 'm1' } });
    // A listener called as a function would throw here, from the timer that rethrows listener errors.
    await expect(tick(10)).resolves.toBeUndefined();
    expect(deleted).toEqual(['m1']);
  });

  it('skips a client event listener left undefined in on', async () => {
    // @ts-expect-error undefined for an optional listener, as above
    const { client } = start({ on: { ready: undefined, close: undefined } });
    await tick(10);
    server.last.close(1012);
    await expect(tick(10)).resolves.toBeUndefined();
    expect(client.state).toBe('reconnecting');
  });
});
