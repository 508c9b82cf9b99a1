/** useUser: the signed-in user from the client, followed as it signs in, switches and signs out. */
import { act, cleanup, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { PermsocketProvider, createPermsocketReact, useUser } from 'permsocket/react';
import type { UserInfo } from 'permsocket';
import { createFakeClient, type FakeClient, type TestContract } from './fake-client';

afterEach(cleanup);

/** The fake client with a user the test sets (setUser notifies subscribers like the client does). */
function clientWithUser(initial: UserInfo | null) {
  const base = createFakeClient();
  let user = initial;
  const client = Object.create(base, { user: { get: () => user } }) as FakeClient;
  const setUser = (next: UserInfo | null) => {
    user = next;
    // Any change notification makes the store hooks read again.
    base.setExpiresAt(base.expiresAt);
  };
  return { client, setUser };
}

const wrapperFor = (client: FakeClient) => ({ children }: { children: ReactNode }) => (
  <PermsocketProvider client={client}>{children}</PermsocketProvider>
);

describe('useUser', () => {
  it('is null before anyone signed in, then the user', () => {
    const { client, setUser } = clientWithUser(null);
    const { result } = renderHook(() => useUser(), { wrapper: wrapperFor(client) });
    expect(result.current).toBeNull();
    act(() => setUser({ id: '1', name: 'alice' }));
    expect(result.current).toEqual({ id: '1', name: 'alice' });
  });

  it('follows a switch to another user and a sign-out', () => {
    const alice = { id: '1', name: 'alice' };
    const { client, setUser } = clientWithUser(alice);
    const { result } = renderHook(() => useUser(), { wrapper: wrapperFor(client) });
    expect(result.current).toBe(alice);
    act(() => setUser({ id: '2', name: 'bob' }));
    expect(result.current).toEqual({ id: '2', name: 'bob' });
    act(() => setUser(null));
    expect(result.current).toBeNull();
  });

  it('is the same in the typed bindings', () => {
    const typed = createPermsocketReact<TestContract>();
    const { client } = clientWithUser({ id: '7', name: 'grace' });
    const { result } = renderHook(() => typed.useUser(), { wrapper: wrapperFor(client) });
    expect(result.current).toEqual({ id: '7', name: 'grace' });
  });
});
