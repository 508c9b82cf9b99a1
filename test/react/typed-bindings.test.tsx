/** Every binding of createPermsocketReact does what its untyped twin does, through one provider. */
import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPermsocketReact } from 'permsocket/react';
import { createFakeClient, type FakeClient, type TestContract } from './fake-client';

afterEach(cleanup);

const typed = createPermsocketReact<TestContract>();
const wrapperFor = (client: FakeClient) => ({ children }: { children: ReactNode }) => (
  <typed.PermsocketProvider client={client}>{children}</typed.PermsocketProvider>
);

describe('the typed bindings', () => {
  it('useClient returns the provider’s client', () => {
    const client = createFakeClient();
    expect(renderHook(() => typed.useClient(), { wrapper: wrapperFor(client) }).result.current).toBe(client);
  });

  it('useCan checks the resource derived from the payload, and follows new grants', () => {
    const client = createFakeClient(['notes.add_note@board:a']);
    const wrapper = wrapperFor(client);
    const onA = renderHook(() => typed.useCan('notes.write', { board: 'a', text: '' }), { wrapper });
    const onB = renderHook(() => typed.useCan('notes.write', { board: 'b', text: '' }), { wrapper });
    expect([onA.result.current, onB.result.current]).toEqual([true, false]);
    act(() => client.setGrants(2, ['notes.add_note']));
    expect(onB.result.current).toBe(true);
  });

  it('usePermission and usePermissions follow the grants', () => {
    const client = createFakeClient(['notes.view_note@board:a']);
    const wrapper = wrapperFor(client);
    const permission = renderHook(() => typed.usePermission('notes.view_note', 'board:a'), { wrapper });
    const permissions = renderHook(() => typed.usePermissions(), { wrapper });
    expect(permission.result.current).toBe(true);
    expect(permissions.result.current.version).toBe(1);
    act(() => client.setGrants(4, []));
    expect(permission.result.current).toBe(false);
    expect(permissions.result.current.version).toBe(4);
  });

  it('useConnectionState and useExpiresAt follow the client', () => {
    const client = createFakeClient();
    const wrapper = wrapperFor(client);
    const state = renderHook(() => typed.useConnectionState(), { wrapper });
    const expiresAt = renderHook(() => typed.useExpiresAt(), { wrapper });
    act(() => client.setState('reconnecting'));
    act(() => client.setExpiresAt(42_000));
    expect(state.result.current).toBe('reconnecting');
    expect(expiresAt.result.current).toBe(42_000);
  });

  it('useEvent and useClientEvent call their handlers while mounted', () => {
    const client = createFakeClient();
    const onAdded = vi.fn();
    const onState = vi.fn();
    const { unmount } = renderHook(
      () => {
        typed.useEvent('notes.added', onAdded);
        typed.useClientEvent('state', onState);
      },
      { wrapper: wrapperFor(client) },
    );
    act(() => client.emitEvent('notes.added', { id: '1', text: 'hi' }));
    act(() => client.setState('closed'));
    expect(onAdded).toHaveBeenCalledWith({ id: '1', text: 'hi' });
    expect(onState).toHaveBeenCalledWith('closed');
    unmount();
    client.emitEvent('notes.added', { id: '2', text: 'late' });
    expect(onAdded).toHaveBeenCalledTimes(1);
  });

  it('Can renders children or the fallback by the payload’s resource', () => {
    const client = createFakeClient(['notes.add_note@board:a']);
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
