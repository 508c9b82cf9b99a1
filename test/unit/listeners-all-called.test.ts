/** Every listener of an event is called, in the order added, not only the last one registered. */
import { describe, expect, it } from 'vitest';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();
const message = { id: 'm1', room: 'general', text: 'hi', user: 'alice', at: 1 };

describe('several listeners of one event', () => {
  it('are all called by on()', async () => {
    const calls: string[] = [];
    const { client } = start({ autoConnect: false });
    client.on('state', (s) => calls.push(`first:${s}`));
    client.on('state', (s) => calls.push(`second:${s}`));
    client.on('ready', () => calls.push('ready:first'));
    client.on('ready', () => calls.push('ready:second'));
    client.connect();
    await tick(10);
    expect(calls).toEqual([
      'first:connecting',
      'second:connecting',
      'first:authenticating',
      'second:authenticating',
      'first:ready',
      'second:ready',
      'ready:first',
      'ready:second',
    ]);
  });

  it('are all called by onEvent(), with a listener from the options too', async () => {
    const calls: string[] = [];
    const { client } = start({ onEvent: { 'chat.message': () => calls.push('options') } });
    client.onEvent('chat.message', ({ message: m }) => calls.push(`first:${m.id}`));
    client.onEvent('chat.message', ({ message: m }) => calls.push(`second:${m.id}`));
    await tick(10);
    server.last.send({ type: 'event', name: 'chat.message', data: { message } });
    await tick(10);
    expect(calls).toEqual(['options', 'first:m1', 'second:m1']);
  });

  it('are all called by subscribe()', async () => {
    let first = 0;
    let second = 0;
    const { client } = start({ autoConnect: false });
    client.subscribe(() => first++);
    client.subscribe(() => second++);
    client.connect();
    await tick(10);
    expect(first).toBeGreaterThan(0);
    expect(second).toBe(first);
  });

  it('keeps calling the others after one of them is removed', async () => {
    const calls: string[] = [];
    const { client } = start();
    const offFirst = client.onEvent('chat.message', () => calls.push('first'));
    client.onEvent('chat.message', () => calls.push('second'));
    client.onEvent('chat.message', () => calls.push('third'));
    await tick(10);
    offFirst();
    server.last.send({ type: 'event', name: 'chat.message', data: { message } });
    await tick(10);
    expect(calls).toEqual(['second', 'third']);
  });
});
