import { describe, expect, it } from 'vitest';
import { ConnectionLostError, PermissionDeniedError, TimeoutError, type PermissionDenial } from 'permsocket';
import { tick } from './fake-server';
import { useFakeServer } from './harness';

const { server, start } = useFakeServer();

describe('errors carry their context as fields', () => {
  it('says a timed-out request was sent, with its action', async () => {
    server.script({ onRequest: () => null });
    const { client } = start();
    await tick(10);
    const outcome = client.request('chat.history', { room: 'general' }, { timeout: 1_000 }).catch((e: unknown) => e);
    await tick(1_001);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'timeout', action: 'chat.history', sent: true });
    expect((error as Error).message).toContain('the server may still have acted on it');
  });

  it('says a request that timed out in the queue was never sent', async () => {
    server.script({ onAuth: () => null });
    const { client } = start();
    const outcome = client.request('chat.send', { room: 'general', text: 'x' }, { timeout: 1_000 }).catch((e: unknown) => e);
    await tick(1_001);
    expect(await outcome).toMatchObject({ name: 'TimeoutError', action: 'chat.send', sent: false });
  });

  it('says which requests had left the client when the socket dropped or the client closed', async () => {
    server.script({ onRequest: () => null });
    const { client } = start({ retry: { minDelay: 5_000, maxDelay: 5_000 } });
    await tick(10);
    const dropped = client.request('chat.send', { room: 'general', text: 'a' }).catch((e: unknown) => e);
    await tick(10);
    server.last.close(1006);
    expect(await dropped).toMatchObject({ name: 'ConnectionLostError', code: 'connection_lost', action: 'chat.send', sent: true });
    const queued = client.request('chat.history', { room: 'general' }).catch((e: unknown) => e);
    client.close();
    const error = await queued;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error).toMatchObject({ action: 'chat.history', sent: false });
  });

  it('builds a PermissionDeniedError from one PermissionDenial, with a message that names it all', () => {
    const denial: PermissionDenial = { action: 'chat.send', permission: 'chat.send_message', resource: 'room:general', source: 'server', requestId: 'r1' };
    const error = new PermissionDeniedError(denial);
    expect(error).toMatchObject({ ...denial, code: 'permission_denied', name: 'PermissionDeniedError' });
    expect(error.message).toBe('"chat.send" needs permission chat.send_message on room:general (refused by the server)');
    expect(new PermissionDeniedError(denial, 'custom').message).toBe('custom');
    expect(new PermissionDeniedError({ action: 'a', permission: undefined, resource: undefined, source: 'local' })).not.toHaveProperty('requestId');
  });
});
