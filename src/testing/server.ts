/**
 * permsocketServer: a fake permsocket server on msw's WebSocket API, with the controls a UI test
 * turns (grants, events, a lost network, a refused token, a deactivated user).
 * @packageDocumentation
 */
import { ws } from 'msw';
import type { Contract } from '../contract';
import { createPermissionSet, isValidGrant, type PermissionSet } from '../permissions';
import { CloseCode, type UserInfo } from '../protocol';
import { acceptConnection, type ConnectionHost, type LiveConnection, type MswClient } from './connection';
import { unsignedJwt } from './token';
import type { FakeConnection, FakeHandlerContext, FakeHandlers, FakePermsocketServer, PermsocketServerOptions, SentRequest } from './types';

const DEFAULT_USER: UserInfo = { id: '1', name: 'tester' };

function checkedGrants(grants: readonly string[]): string[] {
  if (!Array.isArray(grants)) throw new TypeError(`permsocketServer: grants must be an array of strings, got ${typeof grants}`);
  const bad = grants.find((grant) => !isValidGrant(grant));
  if (bad !== undefined) {
    throw new TypeError(`permsocketServer: ${JSON.stringify(bad)} is not a grant (expected "*", "app.codename" or "app.codename@resource")`);
  }
  return [...grants];
}

function checkedMs(value: number, name: string): number {
  // Number.isFinite is false for anything that is not a number.
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(`permsocketServer: ${name} must be a number of milliseconds >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Creates a fake permsocket server for tests, on msw's `ws.link`. It serves the protocol frame for
 * frame (auth, refresh, expiry, the permission check of every request with the contract's rule,
 * pushes, close codes), signs every token in as `user`, and answers requests with `handlers`.
 * Needs msw 2 (an optional peer dependency) and a global `WebSocket` for msw to intercept (in
 * Node 20, assign the `ws` package's one in a setup file).
 * @example
 * const fake = permsocketServer(chatContract, {
 *   url: 'wss://app.test/ws',
 *   user: { id: '1', name: 'alice' },
 *   grants: ['chat.view_message'],
 *   handlers: { 'chat.history': () => ({ messages: [] }) },
 * });
 * const server = setupServer(fake.handler);
 * server.listen();
 * afterEach(() => fake.reset());
 * const client = createClient({ url: 'wss://app.test/ws', contract: chatContract, getToken: () => fake.token() });
 */
export function permsocketServer<C extends Contract>(contract: C, options: PermsocketServerOptions<C>): FakePermsocketServer<C> {
  if (typeof options?.url !== 'string') throw new TypeError('permsocketServer: options.url must be the WebSocket URL the client opens');
  const user: UserInfo = { ...(options.user ?? DEFAULT_USER) };
  if (typeof user.id !== 'string' || typeof user.name !== 'string') {
    throw new TypeError('permsocketServer: options.user must be { id: string, name: string }');
  }
  const initialGrants = checkedGrants(options.grants ?? []);
  const initialLatency = checkedMs(options.latency ?? 0, 'latency');
  const tokenTtl = options.tokenTtl ?? 300;
  const authTimeout = checkedMs(options.authTimeout ?? 5_000, 'authTimeout');
  const onHandlerError =
    options.onHandlerError ??
    ((error: unknown, action: string) => console.error(`permsocketServer: the handler of "${action}" threw`, error));

  let permissions: PermissionSet = createPermissionSet(1, initialGrants);
  let handlers = { ...options.handlers } as FakeHandlers<C>;
  let latency = initialLatency;
  let active = true;
  let online = true;
  let rejections = 0;
  const live: LiveConnection[] = [];
  const connections: FakeConnection[] = [];
  const requests: SentRequest<C>[] = [];
  // With the keys option: the answers by request key (one user, so the key alone).
  const keys: ConnectionHost['keys'] = options.keys ? new Map() : undefined;

  const host: ConnectionHost = {
    contract,
    user,
    get permissions() {
      return permissions;
    },
    get active() {
      return active;
    },
    get latency() {
      return latency;
    },
    tokenTtl,
    authTimeout,
    takeRejection() {
      if (rejections === 0) return false;
      rejections--;
      return true;
    },
    handler: (action) => (handlers as Record<string, ((payload: unknown, context: FakeHandlerContext) => unknown) | undefined>)[action],
    recordRequest(id, action, payload) {
      // Only contract actions: `requests` is typed by the contract, and must not lie.
      if (Object.prototype.hasOwnProperty.call(contract.actions, action)) requests.push({ id, action, payload } as SentRequest<C>);
    },
    onHandlerError,
    keys,
  };

  // Closing or dropping a connection that already closed does nothing: every close goes over `live`.
  const signedIn = () => live.filter((connection) => connection.ready);

  const link = ws.link(options.url);
  const handler = link.addEventListener('connection', ({ client, info }) => {
    const connection = acceptConnection(client as unknown as MswClient, info.protocols, host);
    live.push(connection);
    connections.push(connection.info);
    if (!online) connection.drop();
  });

  return {
    handler,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    get permissions() {
      return permissions;
    },
    setGrants(grants, setOptions) {
      permissions = createPermissionSet(permissions.version + 1, checkedGrants(grants));
      if (setOptions?.push === false) return;
      for (const connection of signedIn()) connection.syncPermissions();
    },
    emit(name, data, audience) {
      if (!Object.prototype.hasOwnProperty.call(contract.events, name)) {
        throw new TypeError(`permsocketServer: "${String(name)}" is not an event of the contract`);
      }
      const allowed = audience === undefined || permissions.can(audience.permission, audience.resource);
      for (const connection of signedIn()) {
        // As the real servers do: a connection behind on grants gets them before the event.
        connection.syncPermissions();
        if (allowed) connection.sendEvent(name, data);
      }
    },
    drop() {
      for (const connection of live) connection.drop();
    },
    setOnline(next) {
      online = next;
      if (!online) for (const connection of live) connection.drop();
    },
    reject(times = 1) {
      if (!Number.isInteger(times) || times < 1) throw new TypeError(`permsocketServer: reject(times) needs a whole number >= 1, got ${String(times)}`);
      const current = signedIn();
      rejections += current.length > 0 ? times - 1 : times;
      for (const connection of current) connection.closeWith(CloseCode.Unauthenticated, 'token rejected');
    },
    forbid() {
      active = false;
      for (const connection of signedIn()) connection.closeWith(CloseCode.Forbidden, 'user deactivated');
    },
    close(code = CloseCode.GoingAway, reason = 'server closing') {
      for (const connection of live) connection.closeWith(code, reason);
    },
    setLatency(ms) {
      latency = checkedMs(ms, 'latency');
    },
    use(next) {
      handlers = { ...handlers, ...next } as FakeHandlers<C>;
    },
    token(tokenOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      return unsignedJwt({
        sub: tokenOptions.sub ?? user.id,
        name: tokenOptions.name ?? user.name,
        aud: 'permsocket',
        iat: now,
        exp: now + (tokenOptions.ttl ?? tokenTtl),
      });
    },
    reset() {
      for (const connection of live) connection.closeWith(CloseCode.GoingAway, 'server reset');
      live.length = 0;
      connections.length = 0;
      requests.length = 0;
      permissions = createPermissionSet(1, initialGrants);
      handlers = { ...options.handlers } as FakeHandlers<C>;
      latency = initialLatency;
      active = true;
      online = true;
      rejections = 0;
      // A key of one test must not answer a request of the next.
      keys?.clear();
    },
  };
}
