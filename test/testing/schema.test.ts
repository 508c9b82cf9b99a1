import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { z } from 'zod';
import { action, createClient, defineContract, returns } from 'permsocket';
import { permsocketServer } from 'permsocket/testing';

// A contract whose schema transforms its input, and whose resource is a template over a field.
const boards = defineContract({
  actions: {
    'notes.write': action({
      permission: 'notes.add_note',
      payload: z.object({ board: z.string(), text: z.string().trim().min(1) }),
      resource: 'board:{board}',
      result: returns<{ stored: string }>(),
    }),
    // No resource: the permission alone decides.
    'notes.clear': action({ permission: 'notes.delete_note', payload: z.object({}), result: returns<null>() }),
  },
});

const fake = permsocketServer(boards, {
  url: 'wss://boards.test/ws',
  grants: ['notes.add_note@board:a'],
  handlers: { 'notes.write': ({ text }) => ({ stored: text }), 'notes.clear': () => null },
});
const server = setupServer(fake.handler);
beforeAll(() => server.listen());
afterEach(() => {
  fake.reset();
  vi.useRealTimers();
});
afterAll(() => server.close());

async function connect() {
  vi.useFakeTimers();
  const client = createClient({ url: 'wss://boards.test/ws', contract: boards, getToken: () => fake.token() });
  onTestFinished(() => client.close());
  await vi.advanceTimersByTimeAsync(0);
  return client;
}

describe('the fake with Standard Schema payloads', () => {
  it('hands the handler the payload as the schema parsed it', async () => {
    const client = await connect();
    await expect(client.request('notes.write', { board: 'a', text: '  hi  ' })).resolves.toEqual({ stored: 'hi' });
    // What the client sent is recorded as sent.
    expect(fake.requests[0]!.payload).toEqual({ board: 'a', text: '  hi  ' });
  });

  it('answers bad_request with the schema’s first issue, before the permission check', async () => {
    const client = await connect();
    // Allowed by the client's own check (board a), refused by the schema on the server.
    await expect(client.request('notes.write', { board: 'a', text: '   ' })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('(at text)') });
  });

  it('checks the permission on the resource the template derives', async () => {
    fake.setGrants(['notes.add_note@board:a'], { push: false });
    const client = await connect();
    fake.setGrants(['notes.add_note@board:b'], { push: false });
    await expect(client.request('notes.write', { board: 'a', text: 'x' })).rejects.toMatchObject({
      name: 'PermissionDeniedError',
      source: 'server',
      resource: 'board:a',
    });
  });

  it('names only the permission when it refuses an action without a resource', async () => {
    fake.setGrants(['notes.delete_note'], { push: false });
    const client = await connect();
    fake.setGrants([], { push: false });
    await expect(client.request('notes.clear', {})).rejects.toMatchObject({ code: 'permission_denied', message: '"notes.clear" needs notes.delete_note' });
  });
});
