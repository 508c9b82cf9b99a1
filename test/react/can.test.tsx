import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Can, PermsocketProvider } from 'permsocket/react';
import { settle, useNotesServer } from './kit';

const { fake, connect } = useNotesServer();

describe('<Can>', () => {
  it('renders its children only while the server’s grants allow the action', async () => {
    const client = await connect(['notes.add_note']);
    render(
      <PermsocketProvider client={client}>
        <Can action="notes.write" payload={{ board: 'a', text: 'hi' }}>
          <button type="button">Write</button>
        </Can>
      </PermsocketProvider>,
    );
    expect(screen.getByRole('button', { name: 'Write' })).toBeTruthy();
    fake.setGrants([]);
    await settle();
    expect(screen.queryByRole('button', { name: 'Write' })).toBeNull();
    fake.setGrants(['notes.add_note@board:a']);
    await settle();
    expect(screen.getByRole('button', { name: 'Write' })).toBeTruthy();
  });

  it('renders the fallback when the action is refused', async () => {
    const client = await connect(['notes.add_note@board:a']);
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

  it('without a payload asks for the permission on every resource', async () => {
    const client = await connect(['notes.add_note@board:a']);
    render(
      <PermsocketProvider client={client}>
        <Can action="notes.write" fallback={<p>Not everywhere</p>}>
          <p>Everywhere</p>
        </Can>
      </PermsocketProvider>,
    );
    expect(screen.getByText('Not everywhere')).toBeTruthy();
  });

  it('renders the fallback until the client has signed in, then the children', async () => {
    fake.setLatency(500);
    const client = await connect(['notes.add_note'], { wait: false });
    render(
      <PermsocketProvider client={client}>
        <Can action="notes.clear" fallback={<p>Not yet</p>}>
          <p>Clear</p>
        </Can>
        <Can action="notes.write" payload={{ board: 'a', text: '' }} fallback={<p>Signing in</p>}>
          <p>Write</p>
        </Can>
      </PermsocketProvider>,
    );
    await settle(499);
    expect(screen.getByText('Signing in')).toBeTruthy();
    await settle(1);
    expect(screen.getByText('Write')).toBeTruthy();
    expect(screen.getByText('Not yet')).toBeTruthy();
  });
});
