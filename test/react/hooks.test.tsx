import { act, cleanup, render, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  PermsocketProvider,
  useCan,
  useClient,
  useClientEvent,
  useConnectionState,
  useEvent,
  useExpiresAt,
  usePermission,
  usePermissions,
} from 'permsocket/react';
import { createFakeClient, type FakeClient } from './fake-client';

// Without vitest globals, testing-library cannot register its own cleanup.
afterEach(cleanup);

function wrapperFor(client: FakeClient) {
  return ({ children }: { children: ReactNode }) => <PermsocketProvider client={client}>{children}</PermsocketProvider>;
}

describe('useCan', () => {
  it('re-renders when a new permission set allows or refuses the action', () => {
    const client = createFakeClient([]);
    const { result } = renderHook(() => useCan('notes.write', { board: 'a', text: 'hi' }), { wrapper: wrapperFor(client) });
    expect(result.current).toBe(false);
    act(() => client.setGrants(2, ['notes.add_note@board:a']));
    expect(result.current).toBe(true);
    act(() => client.setGrants(3, ['notes.add_note@board:b']));
    expect(result.current).toBe(false);
  });

  it('checks the resource derived from the payload', () => {
    const client = createFakeClient(['notes.add_note@board:a']);
    const wrapper = wrapperFor(client);
    expect(renderHook(() => useCan('notes.write', { board: 'a', text: '' }), { wrapper }).result.current).toBe(true);
    expect(renderHook(() => useCan('notes.write', { board: 'b', text: '' }), { wrapper }).result.current).toBe(false);
  });

  it('does not re-render for a new permission set that gives the same answer', () => {
    const client = createFakeClient(['notes.add_note']);
    let renders = 0;
    renderHook(
      () => {
        renders++;
        return useCan('notes.write', { board: 'a', text: '' });
      },
      { wrapper: wrapperFor(client) },
    );
    const before = renders;
    act(() => client.setGrants(2, ['notes.add_note', 'notes.view_note']));
    expect(renders).toBe(before);
  });
});

describe('usePermission', () => {
  it('follows grants for a permission on one resource', () => {
    const client = createFakeClient(['notes.view_note@board:a']);
    const { result } = renderHook(() => usePermission('notes.view_note', 'board:b'), { wrapper: wrapperFor(client) });
    expect(result.current).toBe(false);
    act(() => client.setGrants(2, ['notes.view_note']));
    expect(result.current).toBe(true);
  });
});

describe('usePermissions', () => {
  it('returns the same snapshot until the client replaces it', () => {
    const client = createFakeClient(['notes.view_note']);
    const { result, rerender } = renderHook(() => usePermissions(), { wrapper: wrapperFor(client) });
    const first = result.current;
    rerender();
    expect(result.current).toBe(first);
    act(() => client.setGrants(5, ['notes.view_note']));
    expect(result.current).not.toBe(first);
    expect(result.current.version).toBe(5);
  });
});

describe('useConnectionState', () => {
  it('re-renders on every state change', () => {
    const client = createFakeClient();
    const { result } = renderHook(() => useConnectionState(), { wrapper: wrapperFor(client) });
    expect(result.current).toBe('ready');
    act(() => client.setState('reconnecting'));
    expect(result.current).toBe('reconnecting');
    act(() => client.setState('unauthenticated'));
    expect(result.current).toBe('unauthenticated');
  });
});

describe('useExpiresAt', () => {
  it('moves when the token is refreshed', () => {
    const client = createFakeClient();
    const { result } = renderHook(() => useExpiresAt(), { wrapper: wrapperFor(client) });
    expect(result.current).toBeNull();
    act(() => client.setExpiresAt(1_000));
    expect(result.current).toBe(1_000);
  });
});

describe('useEvent', () => {
  it('calls the handler of the latest render without resubscribing', () => {
    const client = createFakeClient();
    const first = vi.fn();
    const second = vi.fn();
    const { rerender } = renderHook(({ handler }) => useEvent('notes.added', handler), {
      wrapper: wrapperFor(client),
      initialProps: { handler: first },
    });
    rerender({ handler: second });
    act(() => client.emitEvent('notes.added', { id: '1', text: 'hi' }));
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledWith({ id: '1', text: 'hi' });
    expect(client.eventListenerCount('notes.added')).toBe(1);
  });

  it('removes its listener on unmount', () => {
    const client = createFakeClient();
    const handler = vi.fn();
    const { unmount } = renderHook(() => useEvent('notes.added', handler), { wrapper: wrapperFor(client) });
    expect(client.eventListenerCount('notes.added')).toBe(1);
    unmount();
    expect(client.eventListenerCount('notes.added')).toBe(0);
    client.emitEvent('notes.added', { id: '2', text: 'late' });
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('useClientEvent', () => {
  it('forwards the client event to the handler while mounted', () => {
    const client = createFakeClient();
    const handler = vi.fn();
    const { unmount } = renderHook(() => useClientEvent('permission-denied', handler), { wrapper: wrapperFor(client) });
    const denial = { action: 'notes.clear', permission: 'notes.delete_note', resource: undefined, source: 'local' as const };
    client.emitClientEvent('permission-denied', denial);
    expect(handler).toHaveBeenCalledWith(denial);
    unmount();
    client.emitClientEvent('permission-denied', denial);
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('useClient', () => {
  it('returns the provider’s client', () => {
    const client = createFakeClient();
    const { result } = renderHook(() => useClient(), { wrapper: wrapperFor(client) });
    expect(result.current).toBe(client);
  });

  it('says how to fix a missing provider', () => {
    function Orphan() {
      useClient();
      return null;
    }
    // React logs the thrown error as well; keep the test output to the assertion.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => render(<Orphan />)).toThrow(/PermsocketProvider/);
    quiet.mockRestore();
  });
});
