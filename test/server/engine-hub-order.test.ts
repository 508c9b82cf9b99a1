/**
 * Hub messages are handled in the order they were published: with an asynchronous loadPermissions,
 * a message waits for the one before it, so a client hears events and a disconnect in that order.
 * With synchronous hooks nothing waits: a message is handled before the hub's delivery returns,
 * also once an asynchronous run before it has finished.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectServerClose } from '../conformance/helpers';
import { startApp, type TestApp } from './harness';
import { testHub } from './test-hub';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const started of apps.splice(0)) await started.stop();
});

/** An app whose loadPermissions answers at once, or, while `gated`, only when the test opens its gate. */
async function gatedApp(overrides: Parameters<typeof startApp>[0] = {}) {
  const gates: (() => void)[] = [];
  const control = { gated: false };
  const started = await startApp({
    loadPermissions: () => {
      const snapshot = { version: 1, grants: ['notes.view_note'] };
      if (!control.gated) return snapshot;
      return new Promise((resolve) => gates.push(() => resolve(snapshot)));
    },
    ...overrides,
  });
  apps.push(started);
  const openGates = async () => {
    for (const open of gates.splice(0)) open();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { ...started, gates, control, openGates };
}

const notice = (text: string) => ['system.notice', { text }, { permission: null }] as const;

describe('with an asynchronous loadPermissions', () => {
  it('delivers events, and then the disconnect published after them, in the order they were published', async () => {
    const { signIn, ps, gates, control, openGates, logs } = await gatedApp();
    const { client } = await signIn('1');
    control.gated = true;
    await ps.publish(...notice('one'));
    await ps.publish(...notice('two'));
    await ps.publish(...notice('three'));
    // Only the first event is loading permissions; the others wait their turn.
    expect(gates).toHaveLength(1);
    await openGates();
    expect(gates).toHaveLength(1);
    await openGates();
    await ps.disconnectUser('1', 4403, 'removed from the team');
    // The third event still loads, so the disconnect waits behind it.
    expect(logs.some((log) => log.event === 'ws.refused')).toBe(false);
    await openGates();
    expect((await expectServerClose(client, 4403))?.error.message).toBe('removed from the team');
    expect(client.received('event').map((frame) => frame.data.text)).toEqual(['one', 'two', 'three']);
  });
});

describe('with synchronous hooks', () => {
  it('handles a hub message before its delivery returns, also after asynchronous runs have finished', async () => {
    const hub = testHub();
    const { signIn, gates, control, openGates, logs } = await gatedApp({ hub: hub.hub });
    for (const id of ['1', '2', '3']) await signIn(id);
    const refused = (name: string) => logs.some((log) => log.event === 'ws.refused' && log.fields.user === name);
    const event = (text: string) => hub.deliver({ kind: 'event', name: 'system.notice', data: { text }, permission: null, resource: undefined });
    const disconnect = (userId: string) => hub.deliver({ kind: 'disconnect', userId, code: 4403, reason: 'gone' });

    event('now');
    disconnect('2');
    expect(refused('bob')).toBe(true);

    control.gated = true;
    event('after one wait');
    expect(gates.length).toBeGreaterThan(0);
    await openGates();
    control.gated = false;
    disconnect('3');
    expect(refused('dave')).toBe(true);

    control.gated = true;
    event('first of two');
    event('second of two');
    await openGates();
    await openGates();
    control.gated = false;
    disconnect('1');
    expect(refused('alice')).toBe(true);
    expect(logs.filter((log) => log.event === 'hub.error')).toEqual([]);
  });
});
