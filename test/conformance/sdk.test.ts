/**
 * The SDK end to end against each reference server: sign-in through the refresh cookie, history,
 * send and events, local and server denials, live permission changes, deactivation, many token
 * lifetimes on one socket, and a failing refresh endpoint.
 */
import { AuthError, PermissionDeniedError, action, createClient, defineContract, type Client } from 'permsocket';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { chatContract, type ChatContract, type Message } from '../../demo/contract';
import { adminChange, cookieOf, grantPath, login, type Session } from './helpers';
import type { TestServer } from './server';
import { servers } from './servers';

/** `ws` with the Origin the server allows (Node's ws sends none), recording every frame it sends. */
function browserLikeWebSocket(origin: string, sent: string[]) {
  return class OriginWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { origin });
    }
    override send(data: unknown, ...rest: unknown[]): void {
      sent.push(String(data));
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  };
}

/** getToken the way an app writes it: POST /auth/refresh with the cookie, 401 means signed out. */
function cookieTokenSource(server: TestServer, session: Session) {
  let cookie = session.cookie;
  const reasons: string[] = [];
  return {
    reasons,
    async getToken({ reason }: { reason: string }): Promise<string> {
      reasons.push(reason);
      const response = await fetch(`${server.httpUrl}/auth/refresh`, { method: 'POST', headers: { Cookie: cookie } });
      if (response.status === 401) throw new AuthError('signed out');
      if (!response.ok) throw new Error(`refresh failed with HTTP ${response.status}`);
      cookie = cookieOf(response) ?? cookie;
      return ((await response.json()) as { accessToken: string }).accessToken;
    },
    /** Signs out elsewhere: revokes the cookie's whole family. */
    async logout(): Promise<void> {
      await fetch(`${server.httpUrl}/auth/logout`, { method: 'POST', headers: { Cookie: cookie } });
    },
  };
}

/** Resolves when `client` reaches `state` (at once if it is there already). */
function reach(client: Client<any>, state: string, timeoutMs = 5_000): Promise<void> {
  if (client.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`state ${client.state}, expected ${state}`)), timeoutMs);
    const off = client.on('state', (next) => {
      if (next !== state) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Resolves with the next value of a client event. */
function nextEvent<T>(subscribe: (listener: (value: T) => void) => () => void, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('event did not come')), timeoutMs);
    const off = subscribe((value) => {
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

describe.each(servers)('the SDK against the $name server', ({ start }) => {
  let server: TestServer;
  let admin: Session;
  const clients: Client<any>[] = [];

  beforeAll(async () => {
    server = await start();
    admin = await login(server, 'admin');
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A client for a seeded user, signed in through the refresh cookie. */
  async function connect<C extends typeof chatContract | ReturnType<typeof openContract>>(user: string, contract: C = chatContract as C) {
    const session = await login(server, user);
    const sent: string[] = [];
    const source = cookieTokenSource(server, session);
    const client = createClient({
      url: server.wsUrl,
      contract,
      getToken: source.getToken,
      WebSocket: browserLikeWebSocket(server.origin, sent),
    });
    clients.push(client);
    await reach(client, 'ready');
    return { client, sent, session, source };
  }

  it('signs alice in, reads history, sends a message and receives its event', async () => {
    const { client } = await connect('alice');
    expect(client.user?.name).toBe('alice');
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(true);
    expect(client.can('chat.delete', { room: 'general', id: '1' })).toBe(false);
    const event = nextEvent<{ message: Message }>((listener) => client.onEvent('chat.message', listener));
    const { message } = await client.request('chat.send', { room: 'general', text: 'hello from the SDK' });
    expect(message).toMatchObject({ room: 'general', text: 'hello from the SDK', user: 'alice' });
    expect((await event).message).toEqual(message);
    const { messages } = await client.request('chat.history', { room: 'general' });
    expect(messages.at(-1)).toEqual(message);
  });

  it('delivers alice’s message to bob’s client as a chat.message event', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const event = nextEvent<{ message: Message }>((listener) => bob.client.onEvent('chat.message', listener));
    const { message } = await alice.client.request('chat.send', { room: 'random', text: 'for bob' });
    expect((await event).message).toEqual(message);
  });

  it('refuses bob locally: PermissionDeniedError from the client, and no frame is sent', async () => {
    const { client, sent } = await connect('bob');
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(false);
    const denial = nextEvent<{ source: string; permission: string | undefined }>((listener) => client.on('permission-denied', listener));
    const error = await client.request('chat.send', { room: 'general', text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ source: 'local', permission: 'chat.send_message', resource: 'room:general' });
    expect(await denial).toMatchObject({ source: 'local', permission: 'chat.send_message' });
    expect(sent.filter((frame) => frame.includes('"chat.send"'))).toEqual([]);
  });

  it('reports a server denial when the client’s contract does not check the permission', async () => {
    const { client } = await connect('bob', openContract());
    const denial = nextEvent<{ source: string }>((listener) => client.on('permission-denied', listener));
    const error = await client.request('chat.send', { room: 'general', text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error).toMatchObject({ source: 'server', permission: 'chat.send_message', resource: 'room:general' });
    expect(await denial).toMatchObject({ source: 'server' });
  });

  it('lets dave send to general and refuses random locally (a scoped grant)', async () => {
    const { client } = await connect('dave');
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(true);
    expect(client.can('chat.send', { room: 'random', text: 'x' })).toBe(false);
    await expect(client.request('chat.send', { room: 'general', text: 'dave' })).resolves.toBeDefined();
    await expect(client.request('chat.send', { room: 'random', text: 'dave' })).rejects.toMatchObject({ source: 'local' });
  });

  it('lets carol delete and admin do everything', async () => {
    const carol = await connect('carol');
    const root = await connect('admin');
    const { message } = await carol.client.request('chat.send', { room: 'general', text: 'moderated' });
    await carol.client.request('chat.delete', { room: 'general', id: message.id });
    expect(root.client.can('chat.delete', { room: 'random', id: 'x' })).toBe(true);
    const posted = await root.client.request('chat.send', { room: 'random', text: 'root' });
    await root.client.request('chat.delete', { room: 'random', id: posted.message.id });
  });

  it('turns can() false and fires permissions within 100 ms when alice’s send grant is revoked', async () => {
    const { client } = await connect('alice');
    const before = client.permissions.version;
    const changed = nextEvent<{ version: number }>((listener) => client.on('permissions', listener)).then((snapshot) => ({ snapshot, at: Date.now() }));
    await adminChange(server, admin.accessToken, 'DELETE', grantPath('alice', 'chat.send_message'));
    const revokedAt = Date.now();
    try {
      const { snapshot, at } = await changed;
      // The change is committed when the admin call answers; the push may even come before that.
      expect(at - revokedAt).toBeLessThan(100);
      expect(snapshot.version).toBeGreaterThan(before);
      expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(false);
      await expect(client.request('chat.send', { room: 'general', text: 'x' })).rejects.toBeInstanceOf(PermissionDeniedError);
    } finally {
      const restored = nextEvent((listener) => client.on('permissions', listener));
      await adminChange(server, admin.accessToken, 'PUT', grantPath('alice', 'chat.send_message'));
      await restored;
    }
    expect(client.can('chat.send', { room: 'general', text: 'x' })).toBe(true);
    await expect(client.request('chat.send', { room: 'general', text: 'back' })).resolves.toBeDefined();
  });

  it('enters state forbidden when the user is deactivated', async () => {
    const { client } = await connect('carol');
    const authError = nextEvent<AuthError>((listener) => client.on('auth-error', listener));
    await adminChange(server, admin.accessToken, 'PUT', '/admin/users/carol/active', { active: false });
    try {
      await reach(client, 'forbidden');
      expect(await authError).toBeInstanceOf(AuthError);
    } finally {
      await adminChange(server, admin.accessToken, 'PUT', '/admin/users/carol/active', { active: true });
    }
  });
});

describe.each(servers)('the SDK against the $name server with 2-second tokens', ({ start }) => {
  let server: TestServer;
  const clients: Client<ChatContract>[] = [];

  beforeAll(async () => {
    server = await start({ env: { ACCESS_TOKEN_TTL: '2' } });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refreshes on the open socket over many token lifetimes without a single reconnect', { timeout: 20_000 }, async () => {
    const session = await login(server, 'alice');
    const source = cookieTokenSource(server, session);
    const client = createClient({ url: server.wsUrl, contract: chatContract, getToken: source.getToken, WebSocket: browserLikeWebSocket(server.origin, []), refreshSkew: 1_000 });
    clients.push(client);
    const closes: number[] = [];
    let readies = 0;
    client.on('close', ({ code }) => closes.push(code));
    client.on('ready', () => (readies += 1));
    await reach(client, 'ready');
    const started = Date.now();
    // Three lifetimes of a 2-second token, answering requests all along.
    while (Date.now() - started < 6_000) {
      await client.request('chat.history', { room: 'general' });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(closes).toEqual([]);
    expect(readies).toBe(1);
    expect(client.state).toBe('ready');
    expect(source.reasons.filter((reason) => reason === 'refresh').length).toBeGreaterThanOrEqual(3);
  });

  it('ends unauthenticated after 4401 twice when the refresh endpoint fails and only the stale token is left', { timeout: 20_000 }, async () => {
    const session = await login(server, 'alice');
    const first = await fetch(`${server.httpUrl}/auth/refresh`, { method: 'POST', headers: { Cookie: session.cookie } });
    const stale = ((await first.json()) as { accessToken: string }).accessToken;
    // The endpoint now fails; this app falls back to the token it already has.
    const client = createClient({ url: server.wsUrl, contract: chatContract, getToken: () => stale, WebSocket: browserLikeWebSocket(server.origin, []), refreshSkew: 1_000 });
    clients.push(client);
    const closes: number[] = [];
    client.on('close', ({ code }) => closes.push(code));
    const authError = nextEvent<AuthError>((listener) => client.on('auth-error', listener), 10_000);
    await reach(client, 'ready');
    await reach(client, 'unauthenticated', 10_000);
    expect(closes).toEqual([4401, 4401]);
    expect(await authError).toBeInstanceOf(AuthError);
  });

  it('ends unauthenticated without reconnecting when the refresh endpoint says signed out', { timeout: 20_000 }, async () => {
    const session = await login(server, 'bob');
    const source = cookieTokenSource(server, session);
    const client = createClient({ url: server.wsUrl, contract: chatContract, getToken: source.getToken, WebSocket: browserLikeWebSocket(server.origin, []), refreshSkew: 1_000 });
    clients.push(client);
    await reach(client, 'ready');
    // Signing out in another tab revokes the cookie family: the next refresh answers 401.
    await source.logout();
    await reach(client, 'unauthenticated', 10_000);
    expect(source.reasons.filter((reason) => reason === 'connect')).toHaveLength(1);
  });
});

/** The chat contract with chat.send open to anyone, so only the server checks it. */
function openContract() {
  return defineContract({
    actions: { ...chatContract.actions, 'chat.send': action<{ room: string; text: string }, { message: Message }>({ permission: null }) },
    events: chatContract.events,
  });
}
