/**
 * ready() and close() wait for the hub and the key store, and publish / disconnectUser refuse bad
 * arguments with errors naming what is wrong, while a good event reaches the hub as the documented
 * HubMessage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryKeys, type KeyStore } from 'permsocket/server';
import { appsPerTest, startApp, type TestApp } from './harness';
import { testHub } from './test-hub';

// Each test's apps are stopped after it.
const app = appsPerTest();

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('ready() and close()', () => {
  it('ready() resolves only once both the hub and the key store are ready', async () => {
    const hubReady = deferred();
    const keysReady = deferred();
    const keys: KeyStore = { ...memoryKeys(), ready: () => keysReady.promise };
    const { ps } = await app({ hub: testHub(() => hubReady.promise).hub, keys });
    let ready = false;
    const waiting = ps.ready().then(() => (ready = true));
    hubReady.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toBe(false);
    keysReady.resolve();
    await waiting;
    expect(ready).toBe(true);
  });

  it('ready() resolves with keys: false, and with a key store that has no ready()', async () => {
    const { ready, close, ...store } = memoryKeys();
    void ready;
    void close;
    await expect((await app({ keys: false })).ps.ready()).resolves.toBeUndefined();
    await expect((await app({ keys: store as KeyStore })).ps.ready()).resolves.toBeUndefined();
  });

  it('close() closes the hub and the key store, and waits for both', async () => {
    const hub = testHub();
    const keysClosed = deferred();
    let keysClosing = 0;
    const keys: KeyStore = {
      ...memoryKeys(),
      close: () => {
        keysClosing++;
        return keysClosed.promise;
      },
    };
    const { ps } = await app({ hub: hub.hub, keys });
    let closed = false;
    const closing = ps.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect([hub.closes, keysClosing, closed]).toEqual([1, 1, false]);
    keysClosed.resolve();
    await closing;
    expect(closed).toBe(true);
  });
});

describe('publish and disconnectUser arguments', () => {
  it.each([
    ['no audience', undefined],
    ['an audience without a permission', {}],
    ['a permission that is not a string', { permission: 7 }],
  ])('publish rejects %s with a TypeError saying what the audience needs', async (_, audience) => {
    const { ps } = await app();
    await expect(ps.publish('system.notice', { text: 'x' }, audience as never)).rejects.toThrow(
      new TypeError('publish: the audience needs a permission (a string, or null for everyone signed in)'),
    );
  });

  it('hands the hub an event message with its name, data, permission and resource', async () => {
    const hub = testHub();
    const { ps } = await app({ hub: hub.hub });
    await ps.publish('note.added', { board: 'general', text: 'hi' }, { permission: 'notes.view_note', resource: 'board:general' });
    expect(hub.published).toEqual([{ kind: 'event', name: 'note.added', data: { board: 'general', text: 'hi' }, permission: 'notes.view_note', resource: 'board:general' }]);
  });

  it('disconnectUser rejects a code it does not allow, listing the ones it does', async () => {
    const { ps } = await app();
    await expect(ps.disconnectUser('1', 4000 as 4403, 'x')).rejects.toThrow(
      new RangeError('disconnectUser: code 4000 is not one of 1000, 1001, 1012, 1013, 4401, 4403'),
    );
  });
});
