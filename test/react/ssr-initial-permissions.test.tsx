/**
 * A server-rendered page and its hydration: with `initialPermissions`, the server render, the
 * first client render and every render until the socket is ready show the same controls.
 */
import { act, render, screen } from '@testing-library/react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, type Client } from 'permsocket';
import { createPermsocketReact } from 'permsocket/react';
import { notesContract, settle, useNotesServer, type NotesContract } from './kit';

const { connect } = useNotesServer();
const { PermsocketProvider, Can } = createPermsocketReact<NotesContract>();

/** What the page's server knew when it rendered: the user's grants. */
const SNAPSHOT = { version: 4, grants: ['notes.add_note@board:a'] };

function Board({ client, seen }: { client: Client<NotesContract>; seen?: string[] }) {
  const Mark = ({ what, children }: { what: string; children: React.ReactNode }) => {
    seen?.push(what);
    return <>{children}</>;
  };
  return (
    <PermsocketProvider client={client}>
      <Can action="notes.write" payload={{ board: 'a', text: '' }} fallback={<Mark what="read-only"><p>Read only</p></Mark>}>
        <Mark what="composer"><button type="button">Write</button></Mark>
      </Can>
    </PermsocketProvider>
  );
}

/** The page as the server renders it: a client that never connects, with the snapshot. */
function serverHtml(initialPermissions: typeof SNAPSHOT | null): string {
  const client = createClient({ url: 'wss://notes.test/ws', contract: notesContract, getToken: () => '', autoConnect: false, initialPermissions });
  return renderToString(<Board client={client} />);
}

const containers: HTMLElement[] = [];
afterEach(() => {
  for (const container of containers.splice(0)) container.remove();
});

/** Hydrates `html` with `client`; resolves with the container, the recoverable errors and console errors. */
function hydrate(html: string, client: Client<NotesContract>) {
  const container = document.createElement('div');
  containers.push(container);
  container.innerHTML = html;
  document.body.append(container);
  const recoverable: unknown[] = [];
  const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
  const button = container.querySelector('button');
  let root!: ReturnType<typeof hydrateRoot>;
  act(() => {
    root = hydrateRoot(container, <Board client={client} />, { onRecoverableError: (error) => recoverable.push(error) });
  });
  const errors = [...consoleError.mock.calls];
  consoleError.mockRestore();
  return { container, recoverable, errors, button, unmount: () => act(() => root.unmount()) };
}

describe('initialPermissions and server-side rendering', () => {
  it('renders the allowed control on the server from the snapshot', () => {
    expect(serverHtml(SNAPSHOT)).toContain('<button type="button">Write</button>');
    expect(serverHtml(null)).toContain('Read only');
  });

  it('hydrates the server’s markup without a mismatch and keeps the same button before the socket is ready', async () => {
    const html = serverHtml(SNAPSHOT);
    const client = await connect(SNAPSHOT.grants, { wait: false, initialPermissions: SNAPSHOT });
    expect(client.state).toBe('connecting');
    const page = hydrate(html, client);
    expect(page.recoverable).toEqual([]);
    expect(page.errors).toEqual([]);
    expect(page.container.innerHTML).toBe(html);
    // The very element the server sent: hydration adopted it, nothing was re-created.
    expect(page.container.querySelector('button')).toBe(page.button);
    await settle();
    expect(client.state).toBe('ready');
    expect(page.container.querySelector('button')).toBe(page.button);
    page.unmount();
  });

  it('shows a mismatch without the option: the server rendered the fallback, the app would need to guess', () => {
    // The contrast the option exists for: a browser client that already holds the grants (as after
    // auth.ok) cannot hydrate a page rendered without them.
    const html = serverHtml(null);
    const client = createClient({ url: 'wss://notes.test/ws', contract: notesContract, getToken: () => '', autoConnect: false, initialPermissions: SNAPSHOT });
    const page = hydrate(html, client);
    expect(page.recoverable.length + page.errors.length).toBeGreaterThan(0);
    page.unmount();
  });

  it('switches when the first auth.ok brings other grants: the snapshot is replaced', async () => {
    const html = serverHtml(SNAPSHOT);
    const client = await connect([], { wait: false, initialPermissions: SNAPSHOT });
    const page = hydrate(html, client);
    expect(page.container.textContent).toBe('Write');
    await settle();
    expect(client.permissions.grants).toEqual([]);
    expect(page.container.textContent).toBe('Read only');
    page.unmount();
  });

  it('never renders the fallback between the first render and ready when the server agrees with the snapshot (RTL)', async () => {
    const seen: string[] = [];
    const client = await connect(SNAPSHOT.grants, { wait: false, initialPermissions: SNAPSHOT });
    render(<Board client={client} seen={seen} />);
    expect(screen.getByRole('button', { name: 'Write' })).toBeTruthy();
    await settle(100);
    expect(client.state).toBe('ready');
    expect(screen.getByRole('button', { name: 'Write' })).toBeTruthy();
    expect(seen).not.toContain('read-only');
    expect(seen.length).toBeGreaterThan(0);
  });

  it('flashes the fallback first without the option, which is what it prevents (RTL)', async () => {
    const seen: string[] = [];
    const client = await connect(SNAPSHOT.grants, { wait: false });
    render(<Board client={client} seen={seen} />);
    expect(screen.getByText('Read only')).toBeTruthy();
    await settle(100);
    expect(screen.getByRole('button', { name: 'Write' })).toBeTruthy();
    expect(seen[0]).toBe('read-only');
  });
});
