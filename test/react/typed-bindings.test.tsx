/** Every binding of createPermsocketReact does what its untyped twin does, through one provider. */
import { render, renderHook, screen } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { Client } from 'permsocket';
import { createPermsocketReact } from 'permsocket/react';
import { settle, useNotesServer, type NotesContract } from './kit';

const { fake, connect } = useNotesServer();
const typed = createPermsocketReact<NotesContract>();
const wrapperFor = (client: Client<NotesContract>) => ({ children }: { children: ReactNode }) => (
  <typed.PermsocketProvider client={client}>{children}</typed.PermsocketProvider>
);

describe('the typed bindings', () => {
  it('useClient returns the provider’s client', async () => {
    const client = await connect();
    expect(renderHook(() => typed.useClient(), { wrapper: wrapperFor(client) }).result.current).toBe(client);
  });

  it('useCan checks the resource derived from the payload, and follows new grants', async () => {
    const client = await connect(['notes.add_note@board:a']);
    const wrapper = wrapperFor(client);
    const onA = renderHook(() => typed.useCan('notes.write', { board: 'a', text: '' }), { wrapper });
    const onB = renderHook(() => typed.useCan('notes.write', { board: 'b', text: '' }), { wrapper });
    expect([onA.result.current, onB.result.current]).toEqual([true, false]);
    fake.setGrants(['notes.add_note']);
    await settle();
    expect(onB.result.current).toBe(true);
  });

  it('usePermission and usePermissions follow the grants', async () => {
    const client = await connect(['notes.view_note@board:a']);
    const wrapper = wrapperFor(client);
    const permission = renderHook(() => typed.usePermission('notes.view_note', 'board:a'), { wrapper });
    const permissions = renderHook(() => typed.usePermissions(), { wrapper });
    expect(permission.result.current).toBe(true);
    const version = permissions.result.current.version;
    fake.setGrants([]);
    await settle();
    expect(permission.result.current).toBe(false);
    expect(permissions.result.current.version).toBe(version + 1);
  });

  it('useConnectionState and useExpiresAt follow the client', async () => {
    vi.setSystemTime(Date.UTC(2026, 0, 1));
    const client = await connect();
    const wrapper = wrapperFor(client);
    const state = renderHook(() => typed.useConnectionState(), { wrapper });
    const expiresAt = renderHook(() => typed.useExpiresAt(), { wrapper });
    expect(expiresAt.result.current).toBe(Date.UTC(2026, 0, 1) + 300_000);
    fake.drop();
    await settle();
    expect(state.result.current).toBe('reconnecting');
    fake.reject(2);
    await settle(5_000);
    expect(state.result.current).toBe('unauthenticated');
    expect(expiresAt.result.current).toBeNull();
  });

  it('useEvent and useClientEvent call their handlers while mounted', async () => {
    const client = await connect();
    const onAdded = vi.fn();
    const onState = vi.fn();
    const { unmount } = renderHook(
      () => {
        typed.useEvent('notes.added', onAdded);
        typed.useClientEvent('state', onState);
      },
      { wrapper: wrapperFor(client) },
    );
    fake.emit('notes.added', { id: '1', text: 'hi' });
    await settle();
    fake.drop();
    await settle();
    expect(onAdded).toHaveBeenCalledWith({ id: '1', text: 'hi' });
    expect(onState).toHaveBeenCalledWith('reconnecting');
    unmount();
    await settle(5_000);
    fake.emit('notes.added', { id: '2', text: 'late' });
    await settle();
    expect(onAdded).toHaveBeenCalledTimes(1);
    expect(onState).toHaveBeenCalledTimes(1);
  });

  it('Can renders children or the fallback by the payload’s resource', async () => {
    const client = await connect(['notes.add_note@board:a']);
    render(
      <typed.PermsocketProvider client={client}>
        <typed.Can action="notes.write" payload={{ board: 'a', text: '' }} fallback={<span>no on a</span>}>
          <span>yes on a</span>
        </typed.Can>
        <typed.Can action="notes.write" payload={{ board: 'b', text: '' }} fallback={<span>no on b</span>}>
          <span>yes on b</span>
        </typed.Can>
      </typed.PermsocketProvider>,
    );
    expect(screen.getByText('yes on a')).toBeTruthy();
    expect(screen.getByText('no on b')).toBeTruthy();
    expect(screen.queryByText('yes on b')).toBeNull();
  });
});
