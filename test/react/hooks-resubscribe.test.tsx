/**
 * The hooks follow what they are given: a new client from the provider or a new event name moves
 * the listener (and the store subscription) to it, and leaves nothing behind on the old one.
 */
import { act, cleanup, render, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PermsocketProvider, useCan, useClientEvent, useConnectionState, useEvent } from 'permsocket/react';
import { createFakeClient, type FakeClient } from './fake-client';

// Without vitest globals, testing-library cannot register its own cleanup.
afterEach(cleanup);

/** Renders `children` under a provider of `client`; rerender it with another client to swap. */
function withClient(client: FakeClient, children: ReactNode) {
  return <PermsocketProvider client={client}>{children}</PermsocketProvider>;
}

function EventProbe({ name, handler }: { name: string; handler: (data: unknown) => void }) {
  useEvent(name, handler);
  return null;
}

function ClientEventProbe({ event, handler }: { event: 'ready' | 'error'; handler: (...args: unknown[]) => void }) {
  useClientEvent(event, handler);
  return null;
}

function StateProbe({ seen }: { seen: string[] }) {
  seen.push(useConnectionState());
  return null;
}

describe('useEvent', () => {
  it('listens to the new event name, and no longer to the old one, when the name changes', () => {
    const client = createFakeClient();
    const handler = vi.fn();
    const { rerender } = render(withClient(client, <EventProbe name="notes.added" handler={handler} />));
    rerender(withClient(client, <EventProbe name="notes.removed" handler={handler} />));
    expect(client.eventListenerCount('notes.added')).toBe(0);
    expect(client.eventListenerCount('notes.removed')).toBe(1);
    act(() => client.emitEvent('notes.added', { id: 'old' }));
    act(() => client.emitEvent('notes.removed', { id: 'new' }));
    expect(handler.mock.calls).toEqual([[{ id: 'new' }]]);
  });

  it('moves its listener to the new client when the provider gets another one', () => {
    const first = createFakeClient();
    const second = createFakeClient();
    const handler = vi.fn();
    const { rerender } = render(withClient(first, <EventProbe name="notes.added" handler={handler} />));
    rerender(withClient(second, <EventProbe name="notes.added" handler={handler} />));
    expect(first.eventListenerCount('notes.added')).toBe(0);
    expect(second.eventListenerCount('notes.added')).toBe(1);
    act(() => first.emitEvent('notes.added', { id: 'from-first' }));
    act(() => second.emitEvent('notes.added', { id: 'from-second' }));
    expect(handler.mock.calls).toEqual([[{ id: 'from-second' }]]);
  });
});

describe('useClientEvent', () => {
  it('listens to the new client event when the event changes', () => {
    const client = createFakeClient();
    const handler = vi.fn();
    const { rerender } = render(withClient(client, <ClientEventProbe event="ready" handler={handler} />));
    rerender(withClient(client, <ClientEventProbe event="error" handler={handler} />));
    const error = new Error('boom');
    act(() => client.emitClientEvent('ready', { user: { id: '1', name: 'a' }, permissions: client.permissions }));
    act(() => client.emitClientEvent('error', error as never));
    expect(handler.mock.calls).toEqual([[error]]);
  });

  it('moves its listener to the new client when the provider gets another one', () => {
    const first = createFakeClient();
    const second = createFakeClient();
    const handler = vi.fn();
    const { rerender } = render(withClient(first, <ClientEventProbe event="error" handler={handler} />));
    rerender(withClient(second, <ClientEventProbe event="error" handler={handler} />));
    act(() => first.emitClientEvent('error', new Error('first') as never));
    act(() => second.emitClientEvent('error', new Error('second') as never));
    expect(handler.mock.calls.map(([e]) => (e as Error).message)).toEqual(['second']);
  });
});

describe('the store hooks', () => {
  it('read and follow the new client when the provider gets another one', () => {
    const first = createFakeClient();
    const second = createFakeClient();
    act(() => second.setState('reconnecting'));
    const seen: string[] = [];
    const { rerender } = render(withClient(first, <StateProbe seen={seen} />));
    expect(seen.at(-1)).toBe('ready');
    rerender(withClient(second, <StateProbe seen={seen} />));
    expect(seen.at(-1)).toBe('reconnecting');
    act(() => second.setState('ready'));
    expect(seen.at(-1)).toBe('ready');
    const renders = seen.length;
    // The old client no longer drives this component.
    act(() => first.setState('closed'));
    expect(seen.length).toBe(renders);
  });

  it('re-evaluates useCan when the action or the payload changes', () => {
    const client = createFakeClient(['notes.add_note@board:a']);
    const wrapper = ({ children }: { children: ReactNode }) => withClient(client, children);
    const { result, rerender } = renderHook(({ board }) => useCan('notes.write', { board, text: '' }), {
      wrapper,
      initialProps: { board: 'a' },
    });
    expect(result.current).toBe(true);
    rerender({ board: 'b' });
    expect(result.current).toBe(false);
  });
});
