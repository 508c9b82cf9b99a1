/**
 * A debug function is the app's code too: when it throws while the client handles a frame, the
 * failure is reported on `error` and the socket callback does not throw.
 */
import { expect, it } from 'vitest';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

it('reports a debug function that throws on a frame it handles as "could not handle a frame"', async () => {
  const errors: string[] = [];
  let thrown = false;
  const { client } = start({
    debug: (entry) => {
      if (!thrown && entry.kind === 'state' && entry.to === 'ready') {
        thrown = true;
        throw new Error('the debug panel is not mounted');
      }
    },
    on: { error: (error) => void errors.push(`${error.name}: ${error.message}`) },
  });
  await tick(10);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^PermsocketError: could not handle a frame/);
  server.last.send({ type: 'perms', version: 9, grants: [] });
  await tick(10);
  expect(client.permissions.version).toBe(9);
});
