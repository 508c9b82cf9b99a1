import { render, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { Client } from 'permsocket';
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
  useUser,
} from 'permsocket/react';
import { settle, useNotesServer, type NotesContract } from './kit';

const { fake, connect } = useNotesServer();

function wrapperFor(client: Client<NotesContract>) {
  return ({ children }: { children: ReactNode }) => <PermsocketProvider client={client}>{children}</PermsocketProvider>;
}

describe('useCan', () => {
  it('re-renders when a pushed permission set allows or refuses the action', async () => {
    const client = await connect([]);
    const { result } = renderHook(() => useCan('notes.write', { board: 'a', text: 'hi' }), { wrapper: wrapperFor(client) });
    expect(result.current).toBe(false);
    fake.setGrants(['notes.add_note@board:a']);
    await settle();
    expect(result.current).toBe(true);
    fake.setGrants(['notes.add_note@board:b']);
    await settle();
    expect(result.current).toBe(false);
  });

  it('checks the resource derived from the payload', async () => {
    const client = await connect(['notes.add_note@board:a']);
    const wrapper = wrapperFor(client);
    expect(renderHook(() => useCan('notes.write', { board: 'a', text: '' }), { wrapper }).result.current).toBe(true);
    expect(renderHook(() => useCan('notes.write', { board: 'b', text: '' }), { wrapper }).result.current).toBe(false);
  });

  it('does not re-render for a new permission set that gives the same answer', async () => {
    const client = await connect(['notes.add_note']);
    let renders = 0;
    renderHook(
      () => {
        renders++;
        return useCan('notes.write', { board: 'a', text: '' });
      },
      { wrapper: wrapperFor(client) },
    );
    const before = renders;
    fake.setGrants(['notes.add_note', 'notes.view_note']);
    await settle();
    expect(client.permissions.version).toBe(fake.permissions.version);
    expect(renders).toBe(before);
  });
});

describe('usePermission', () => {
  it('follows grants for a permission on one resource', async () => {
    const client = await connect(['notes.view_note@board:a']);
    const { result } = renderHook(() => usePermission('notes.view_note', 'board:b'), { wrapper: wrapperFor(client) });
    expect(result.current).toBe(false);
    fake.setGrants(['notes.view_note']);
    await settle();
    expect(result.current).toBe(true);
  });
});

describe('usePermissions', () => {
  it('returns the same snapshot until the server sends a new one', async () => {
    const client = await connect(['notes.view_note']);
    const { result, rerender } = renderHook(() => usePermissions(), { wrapper: wrapperFor(client) });
    const first = result.current;
    rerender();
    expect(result.current).toBe(first);
    fake.setGrants(['notes.view_note']);
    await settle();
    expect(result.current).not.toBe(first);
    expect(result.current.version).toBe(first.version + 1);
  });
});

describe('useConnectionState and useUser', () => {
  it('follow the connection: ready, reconnecting after a drop, forbidden after a deactivation', async () => {
    const client = await connect();
    const { result } = renderHook(() => ({ state: useConnectionState(), user: useUser() }), { wrapper: wrapperFor(client) });
    expect(result.current).toEqual({ state: 'ready', user: { id: '7', name: 'nora' } });
    fake.drop();
    await settle();
    expect(result.current.state).toBe('reconnecting');
    await settle(2_000);
    expect(result.current.state).toBe('ready');
    fake.forbid();
    await settle();
    expect(result.current).toEqual({ state: 'forbidden', user: null });
  });
});

describe('useExpiresAt', () => {
  it('moves forward when the token is refreshed on the open socket', async () => {
    vi.setSystemTime(Date.UTC(2026, 0, 1));
    const client = await connect();
    const { result } = renderHook(() => useExpiresAt(), { wrapper: wrapperFor(client) });
    const first = result.current;
    expect(first).toBe(Date.UTC(2026, 0, 1) + 300_000);
    await settle(241_000);
    expect(result.current).toBe(Date.UTC(2026, 0, 1) + 240_000 + 300_000);
  });
});

describe('useEvent', () => {
  it('calls the handler of the latest render without resubscribing', async () => {
    const client = await connect();
    const subscribe = vi.spyOn(client, 'onEvent');
    const first = vi.fn();
    const second = vi.fn();
    const { rerender } = renderHook(({ handler }) => useEvent('notes.added', handler), {
      wrapper: wrapperFor(client),
      initialProps: { handler: first },
    });
    rerender({ handler: second });
    fake.emit('notes.added', { id: '1', text: 'hi' });
    await settle();
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledWith({ id: '1', text: 'hi' });
    expect(subscribe).toHaveBeenCalledTimes(1);
  });

  it('stops listening on unmount', async () => {
    const client = await connect();
    const handler = vi.fn();
    const { unmount } = renderHook(() => useEvent('notes.added', handler), { wrapper: wrapperFor(client) });
    unmount();
    fake.emit('notes.added', { id: '2', text: 'late' });
    await settle();
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('useClientEvent', () => {
  it('forwards the client’s permission-denied event while mounted', async () => {
    const client = await connect([]);
    const handler = vi.fn();
    const { unmount } = renderHook(() => useClientEvent('permission-denied', handler), { wrapper: wrapperFor(client) });
    await client.request('notes.clear', {}).catch(() => undefined);
    expect(handler).toHaveBeenCalledWith(expect.objectContaining({ action: 'notes.clear', permission: 'notes.delete_note', source: 'local' }));
    unmount();
    await client.request('notes.clear', {}).catch(() => undefined);
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('useClient', () => {
  it('returns the provider’s client', async () => {
    const client = await connect();
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
