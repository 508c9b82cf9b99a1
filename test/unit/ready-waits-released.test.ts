/**
 * A `ready()` wait that timed out or was aborted is let go of at once: a client that stays
 * offline for hours while the app keeps asking `ready({ timeout })` holds no memory for the
 * waits that already gave up. Checked with the garbage collector (exposed through V8's flags).
 */
import { describe, expect, it } from 'vitest';
import { useFakeServer } from './harness';
import { tick } from './fake-server';
import { stillAlive } from './still-alive';

const { start } = useFakeServer();

/** A client that stays connecting: getToken never answers. */
const connecting = () => start({ getToken: () => new Promise<string>(() => {}) }).client;

describe('ready() waits that gave up', () => {
  it('are let go of after they were aborted', async () => {
    const client = connecting();
    await tick(10);
    // Made in a function of its own, and only the error's name kept: nothing of the wait may stay
    // reachable from the test (an error's unread stack still holds the frames it was thrown from).
    const { ref, error } = await (async () => {
      const controller = new AbortController();
      const waiting = client.ready({ signal: controller.signal });
      controller.abort();
      return { ref: new WeakRef(controller.signal), error: await waiting.catch((e: Error) => e.name) };
    })();
    expect(error).toBe('AbortError');
    expect(client.state).toBe('connecting');
    expect(await stillAlive(ref)).toBe(false);
  });

  it('are let go of after they timed out', async () => {
    const client = connecting();
    await tick(10);
    const { ref, error } = await (async () => {
      const waiting = client.ready({ timeout: 1_000 });
      const settled = waiting.catch((e: Error) => e.name);
      await tick(1_000);
      return { ref: new WeakRef(waiting), error: await settled };
    })();
    expect(error).toBe('TimeoutError');
    expect(client.state).toBe('connecting');
    expect(await stillAlive(ref)).toBe(false);
  });
});
