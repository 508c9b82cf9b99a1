import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Can, PermsocketProvider } from 'permsocket/react';
import { createFakeClient } from './fake-client';

// Without vitest globals, testing-library cannot register its own cleanup.
afterEach(cleanup);

describe('<Can>', () => {
  it('renders its children only while the action is allowed', () => {
    const client = createFakeClient(['notes.add_note']);
    render(
      <PermsocketProvider client={client}>
        <Can action="notes.write" payload={{ board: 'a', text: 'hi' }}>
          <button type="button">Write</button>
        </Can>
      </PermsocketProvider>,
    );
    expect(screen.getByRole('button', { name: 'Write' })).toBeTruthy();
    act(() => client.setGrants(2, []));
    expect(screen.queryByRole('button', { name: 'Write' })).toBeNull();
    act(() => client.setGrants(3, ['notes.add_note@board:a']));
    expect(screen.getByRole('button', { name: 'Write' })).toBeTruthy();
  });

  it('renders the fallback when the action is refused', () => {
    const client = createFakeClient(['notes.add_note@board:a']);
    render(
      <PermsocketProvider client={client}>
        <Can action="notes.write" payload={{ board: 'b', text: 'hi' }} fallback={<p>Read only</p>}>
          <button type="button">Write</button>
        </Can>
      </PermsocketProvider>,
    );
    expect(screen.getByText('Read only')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Write' })).toBeNull();
  });

  it('without a payload asks for the permission on every resource', () => {
    const client = createFakeClient(['notes.add_note@board:a']);
    render(
      <PermsocketProvider client={client}>
        <Can action="notes.write" fallback={<p>Not everywhere</p>}>
          <p>Everywhere</p>
        </Can>
      </PermsocketProvider>,
    );
    expect(screen.getByText('Not everywhere')).toBeTruthy();
  });
});
