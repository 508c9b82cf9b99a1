/**
 * The reference chat app over raw sockets: history, send, delete, events to viewers only, the
 * order of checks (payload, permission, existence) and each seeded user's grants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, adminChange, grantPath, login, type Frame, type Session } from './helpers';
import type { TestServer } from './server';
import { servers } from './servers';

const USERS = ['alice', 'bob', 'carol', 'dave', 'admin'] as const;
type UserName = (typeof USERS)[number];

describe.each(servers)('$name server chat app', ({ start }) => {
  let server: TestServer;
  const sessions = {} as Record<UserName, Session>;
  const sockets = {} as Record<UserName, RawClient>;

  beforeAll(async () => {
    // These cases send more than the default burst; the limit itself is tested elsewhere.
    server = await start({ env: { RATE_LIMIT: '1000,1000' } });
    for (const name of USERS) {
      sessions[name] = await login(server, name);
      sockets[name] = (await RawClient.signedIn(server, sessions[name].accessToken)).client;
    }
  });
  afterAll(async () => {
    for (const socket of Object.values(sockets)) socket.close();
    await server?.stop();
  });

  const send = (user: UserName, room: string, text: string) => sockets[user].request('chat.send', { room, text });
  const messageEvent = (id: string) => (frame: Frame) => frame.type === 'event' && frame.name === 'chat.message' && frame.data?.message?.id === id;
  const deletedEvent = (id: string) => (frame: Frame) => frame.type === 'event' && frame.name === 'chat.deleted' && frame.data?.id === id;

  it('reports each seeded user and their effective grants in auth.ok', async () => {
    const expected: Record<UserName, string[]> = {
      alice: ['chat.send_message', 'chat.view_message'],
      bob: ['chat.view_message'],
      carol: ['chat.delete_message', 'chat.send_message', 'chat.view_message'],
      dave: ['chat.send_message@room:general', 'chat.view_message'],
      admin: ['*'],
    };
    for (const name of USERS) {
      const authOk = sockets[name].received('auth.ok')[0];
      expect(authOk?.user).toEqual({ id: sessions[name].userId, name });
      expect([...(authOk?.perms.grants as string[])].sort()).toEqual(expected[name]);
      expect(typeof authOk?.perms.version).toBe('number');
      expect(Math.abs((authOk?.now as number) - Date.now())).toBeLessThan(5_000);
      expect(authOk?.exp).toBe(Number(JSON.parse(Buffer.from(sessions[name].accessToken.split('.')[1] ?? '', 'base64url').toString()).exp));
    }
  });

  it('sends a message for alice and delivers chat.message to every viewer, sender included', async () => {
    const res = await send('alice', 'general', 'hello, world');
    expect(res).toMatchObject({ ok: true, data: { message: { room: 'general', text: 'hello, world', user: 'alice' } } });
    const message = res.data.message as { id: unknown; at: unknown };
    expect(typeof message.id).toBe('string');
    expect(Math.abs((message.at as number) - Date.now())).toBeLessThan(5_000);
    for (const name of USERS) {
      const event = await sockets[name].next(messageEvent(message.id as string));
      expect(event.data).toEqual(res.data);
    }
  });

  it('answers chat.history with the newest 100 messages, oldest first', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 105; i++) sent.push(((await send('alice', 'random', `message ${i}`)).data.message as { id: string }).id);
    const res = await sockets.bob.request('chat.history', { room: 'random' });
    expect(res.ok).toBe(true);
    const messages = res.data.messages as { id: string; room: string; text: string; user: string; at: number }[];
    expect(messages).toHaveLength(100);
    expect(messages.map((m) => m.id)).toEqual(sent.slice(5));
    expect(messages.at(-1)).toMatchObject({ room: 'random', text: 'message 104', user: 'alice' });
  });

  it('refuses bob (viewer) sending with permission_denied naming the permission and resource', async () => {
    const res = await send('bob', 'general', 'hi');
    expect(res).toMatchObject({
      ok: false,
      error: { code: 'permission_denied', permission: 'chat.send_message', resource: 'room:general' },
    });
  });

  it('lets dave send to general but not to random (a scoped grant)', async () => {
    expect((await send('dave', 'general', 'dave here')).ok).toBe(true);
    const res = await send('dave', 'random', 'dave there');
    expect(res).toMatchObject({ ok: false, error: { code: 'permission_denied', permission: 'chat.send_message', resource: 'room:random' } });
  });

  it('lets carol (moderator) delete a message, delivering chat.deleted to viewers', async () => {
    const id = (await send('alice', 'general', 'to be deleted')).data.message.id as string;
    const res = await sockets.carol.request('chat.delete', { room: 'general', id });
    expect(res).toMatchObject({ ok: true, data: {} });
    for (const name of USERS) expect((await sockets[name].next(deletedEvent(id))).data).toEqual({ room: 'general', id });
    const history = await sockets.alice.request('chat.history', { room: 'general' });
    expect((history.data.messages as { id: string }[]).map((m) => m.id)).not.toContain(id);
  });

  it('refuses alice deleting with permission_denied on chat.delete_message', async () => {
    const id = (await send('alice', 'general', 'mine')).data.message.id as string;
    const res = await sockets.alice.request('chat.delete', { room: 'general', id });
    expect(res).toMatchObject({ ok: false, error: { code: 'permission_denied', permission: 'chat.delete_message', resource: 'room:general' } });
  });

  it('lets admin (superuser) do everything', async () => {
    const id = (await send('admin', 'random', 'admin speaking')).data.message.id as string;
    expect((await sockets.admin.request('chat.delete', { room: 'random', id })).ok).toBe(true);
    expect((await sockets.admin.request('chat.history', { room: 'general' })).ok).toBe(true);
  });

  it('answers not_found for an unknown room and an unknown message, once the permission holds', async () => {
    expect(await sockets.alice.request('chat.history', { room: 'nowhere' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await send('alice', 'nowhere', 'hello?')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await sockets.carol.request('chat.delete', { room: 'general', id: 'no-such-message' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await sockets.carol.request('chat.delete', { room: 'general', id: '999999999' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('checks the permission before existence: dave sending to an unknown room is permission_denied', async () => {
    expect(await send('dave', 'nowhere', 'x')).toMatchObject({ ok: false, error: { code: 'permission_denied', resource: 'room:nowhere' } });
  });

  it.each([
    ['a null payload', 'chat.history', null],
    ['a payload that is an array', 'chat.history', ['general']],
    ['a missing room', 'chat.history', {}],
    ['a numeric room', 'chat.history', { room: 1 }],
    ['an empty room', 'chat.history', { room: '' }],
    ['a 65-character room', 'chat.history', { room: 'r'.repeat(65) }],
    ['a missing text', 'chat.send', { room: 'general' }],
    ['a numeric text', 'chat.send', { room: 'general', text: 5 }],
    ['an empty text', 'chat.send', { room: 'general', text: '' }],
    ['a text with a lone surrogate (no character at all)', 'chat.send', { room: 'general', text: 'a\ud800b' }],
    ['a delete without id', 'chat.delete', { room: 'general' }],
    ['a delete with a numeric id', 'chat.delete', { room: 'general', id: 5 }],
  ])('answers bad_request for %s', async (_name, action, payload) => {
    expect(await sockets.alice.request(action, payload)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('checks the payload before the permission: bob sending a malformed payload gets bad_request', async () => {
    expect(await sockets.bob.request('chat.send', { room: 'general' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('accepts a text of 2000 code points (emoji count once) and refuses 2001', async () => {
    const ok = await send('alice', 'general', '😀'.repeat(2000));
    expect(ok.ok).toBe(true);
    expect(ok.data.message.text).toBe('😀'.repeat(2000));
    expect(await send('alice', 'general', '😀'.repeat(2001))).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((await send('alice', 'general', 'a'.repeat(2000))).ok).toBe(true);
    expect(await send('alice', 'general', 'a'.repeat(2001))).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('delivers a room event only to users who may view that room, re-checked with current grants', async () => {
    const admin = sessions.admin.accessToken;
    // Bob may now view general only.
    await adminChange(server, admin, 'PUT', grantPath('bob', 'chat.view_message@room:general'));
    await adminChange(server, admin, 'DELETE', '/admin/users/bob/groups/viewer');
    try {
      const hidden = (await send('alice', 'random', 'not for bob')).data.message.id as string;
      const shown = (await send('alice', 'general', 'for bob')).data.message.id as string;
      await sockets.bob.next(messageEvent(shown));
      expect(sockets.bob.frames.some(messageEvent(hidden))).toBe(false);
      await sockets.carol.next(messageEvent(hidden));
      expect(await sockets.bob.request('chat.history', { room: 'random' })).toMatchObject({
        ok: false,
        error: { code: 'permission_denied', permission: 'chat.view_message', resource: 'room:random' },
      });
    } finally {
      await adminChange(server, admin, 'PUT', '/admin/users/bob/groups/viewer');
      await adminChange(server, admin, 'DELETE', grantPath('bob', 'chat.view_message@room:general'));
    }
  });

  it('answers ping with pong', async () => {
    sockets.dave.send({ type: 'ping' });
    await sockets.dave.next('pong');
  });
});
