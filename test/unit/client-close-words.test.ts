/**
 * What close() says: the server sees a normal close with the reason "client stopped", and a
 * request it ends rejects with a ConnectionLostError that says the client was closed and whether
 * the request had left.
 */
import { expect, it } from 'vitest';
import { ConnectionLostError } from '../../src/errors';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

it('closes the socket with 1000 and the reason "client stopped"', async () => {
  const { client } = start();
  await tick(10);
  client.close();
  await tick(10);
  expect(server.last.closedByClient).toEqual({ code: 1000, reason: 'client stopped' });
});

it('rejects a request in flight with "the client was closed", naming the action and that it was sent', async () => {
  server.script({ onRequest: () => null });
  const { client } = start();
  await tick(10);
  const answer = client.request('chat.history', { room: 'general' });
  await tick(10);
  client.close();
  const error = await answer.catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(ConnectionLostError);
  expect(error).toMatchObject({ message: 'the client was closed', action: 'chat.history', sent: true });
});
