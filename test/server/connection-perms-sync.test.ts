/**
 * Which `perms` frames a signed-in client gets as its grants change under it: the fresh snapshot a
 * request loads is pushed before the answer when its grants differ from what the client holds,
 * even at the same version, and never when it is older than the client's (a slow load that lost
 * the race to a newer one must not take the client back).
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../conformance/helpers';
import { appsPerTest } from './harness';

// Each test's apps are stopped after it.
const app = appsPerTest();

const answer = (id: string) => (frame: Frame) => frame.type === 'res' && frame.id === id;

describe('perms pushed with a request', () => {
  it('pushes changed grants before the answer even when loadPermissions reports the same version', async () => {
    const { signIn, users } = await app();
    const { client } = await signIn('1');
    users.get('1')!.grants = ['notes.add_note', 'notes.view_note'];
    client.send({ type: 'req', id: 'r1', action: 'note.nothing', payload: null });
    const res = await client.next(answer('r1'));
    expect(client.received('perms')).toEqual([{ type: 'perms', version: 1, grants: ['notes.add_note', 'notes.view_note'] }]);
    expect(client.frames.indexOf(client.received('perms')[0]!)).toBeLessThan(client.frames.indexOf(res));
  });

  it('never pushes a snapshot with an older version than the one the client holds', async () => {
    const { signIn, users } = await app();
    Object.assign(users.get('1')!, { version: 2 });
    const { client, authOk } = await signIn('1');
    expect(authOk.perms).toEqual({ version: 2, grants: ['notes.add_note'] });
    // What a load started before the version moved to 2 would still answer.
    Object.assign(users.get('1')!, { version: 1, grants: [] });
    client.send({ type: 'req', id: 'r1', action: 'note.nothing', payload: null });
    expect((await client.next(answer('r1'))).ok).toBe(true);
    expect(client.received('perms')).toEqual([]);
  });
});
