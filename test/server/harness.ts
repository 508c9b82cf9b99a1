/**
 * A small app on the engine for its tests: a real HTTP server on 127.0.0.1 port 0 with the engine
 * attached, users and grants in memory that a test changes, HS256 tokens signed with jose, and a
 * contract with a zod payload, a template resource and an action for each handler behaviour.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterEach } from 'vitest';
import { action, defineContract, event, returns } from 'permsocket/protocol';
import {
  ForbiddenError,
  RequestError,
  createServer,
  hs256,
  type LogFields,
  type PermsocketServer,
  type ServerOptions,
} from 'permsocket/server';
import { z } from 'zod';
import { RawClient, type Frame } from '../conformance/helpers';

/** The test app's contract. */
export const contract = defineContract({
  actions: {
    'note.add': action({
      payload: z.object({ board: z.string().min(1), text: z.string(), pinned: z.boolean().default(false) }),
      result: returns<{ board: string; text: string; pinned: boolean; by: string }>(),
      permission: 'notes.add_note',
      resource: 'board:{board}',
    }),
    'note.fail': action<{ code: string | null }, null>({ permission: null }),
    'note.nothing': action<null, null>({ permission: null }),
    'note.bigint': action<null, { n: bigint }>({ permission: null }),
    'note.slow': action<{ ms: number }, { done: true }>({ permission: null }),
    'note.wait': action<null, { aborted: boolean }>({ permission: null }),
  },
  events: { 'note.added': event<{ board: string; text: string }>(), 'system.notice': event<{ text: string }>() },
});
export type TestContract = typeof contract;

/** One user of the test app. */
export interface TestUser {
  name: string;
  grants: string[];
  version: number;
  active: boolean;
}

/** A running test app. */
export interface TestApp {
  ps: PermsocketServer<TestContract>;
  http: Server;
  wsUrl: string;
  origin: string;
  secret: string;
  users: Map<string, TestUser>;
  /** Log events the engine emitted, with their fields. */
  logs: { event: string; fields: LogFields }[];
  /** How many times each hook ran. */
  calls: { loadPermissions: number; permissionsVersion: number; authenticate: number };
  /** Resolvers of `note.slow` timers in progress. */
  waiting: Set<() => void>;
  /** Request ids of `note.wait` calls whose ctx.signal fired. */
  aborted: string[];
  /** Request ids of `note.slow` and `note.wait` calls that started. */
  started: string[];
  token(sub: string, claims?: { exp?: number; name?: string; aud?: string }): Promise<string>;
  /** Opens a socket and signs in as `sub`. */
  signIn(sub: string): Promise<{ client: RawClient; authOk: Frame }>;
  open(options?: { origin?: string | null; protocols?: string[] }): Promise<RawClient>;
  stop(): Promise<void>;
}

/** Starts the app; `overrides` replace engine options. */
export async function startApp(overrides: Partial<ServerOptions<TestContract>> = {}): Promise<TestApp> {
  const secret = randomBytes(32).toString('base64url');
  const users = new Map<string, TestUser>([
    ['1', { name: 'alice', grants: ['notes.add_note'], version: 1, active: true }],
    ['2', { name: 'bob', grants: ['notes.view_note'], version: 1, active: true }],
    ['3', { name: 'dave', grants: ['notes.add_note@board:general', 'notes.view_note@board:general'], version: 1, active: true }],
  ]);
  const logs: TestApp['logs'] = [];
  const calls = { loadPermissions: 0, permissionsVersion: 0, authenticate: 0 };
  const waiting = new Set<() => void>();
  const aborted: string[] = [];
  const started: string[] = [];
  const verify = hs256({ secret, audience: 'permsocket' });
  const http = createHttpServer((_req, res) => res.writeHead(404).end());
  let origin = '';

  const ps = createServer({
    contract,
    async authenticate(token) {
      calls.authenticate++;
      return verify(token);
    },
    loadPermissions(user) {
      calls.loadPermissions++;
      const found = users.get(user.id);
      if (!found?.active) throw new ForbiddenError('user inactive');
      return { version: found.version, grants: found.grants };
    },
    handlers: {
      'note.add': (note, { user }) => ({ ...note, by: user.name }),
      'note.fail': ({ code }) => {
        if (code) throw new RequestError(code, `failed with ${code}`, code === 'rate_limited' ? { retryAfterMs: 1500 } : {});
        throw new Error('database password is hunter2');
      },
      'note.nothing': () => null,
      'note.bigint': () => ({ n: 1n }),
      'note.slow': ({ ms }, { requestId }) =>
        new Promise((resolve) => {
          started.push(requestId);
          const done = () => {
            waiting.delete(done);
            resolve({ done: true });
          };
          waiting.add(done);
          setTimeout(done, ms);
        }),
      'note.wait': (_payload, { signal, requestId }) =>
        new Promise((resolve) => {
          started.push(requestId);
          signal.addEventListener('abort', () => {
            aborted.push(requestId);
            resolve({ aborted: true });
          });
        }),
    },
    allowedOrigins: (candidate) => candidate === origin,
    logger: (event, fields) => logs.push({ event, fields }),
    ...overrides,
  });
  ps.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  const server = { wsUrl, origin };

  const token: TestApp['token'] = (sub, claims = {}) =>
    new SignJWT({ name: claims.name ?? users.get(sub)?.name ?? sub })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setAudience(claims.aud ?? 'permsocket')
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 300)
      .sign(new TextEncoder().encode(secret));

  return {
    ps,
    http,
    wsUrl,
    origin,
    secret,
    users,
    logs,
    calls,
    waiting,
    aborted,
    started,
    token,
    async signIn(sub) {
      const client = await RawClient.open(server);
      client.send({ type: 'auth', token: await token(sub) });
      return { client, authOk: await client.next('auth.ok') };
    },
    open: (options = {}) => RawClient.open(server, options),
    async stop() {
      for (const done of [...waiting]) done();
      await ps.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** An `app(overrides)` that starts an app, each stopped after the test that started it. */
export function appsPerTest(): (overrides?: Partial<ServerOptions<TestContract>>) => Promise<TestApp> {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const started of apps.splice(0)) await started.stop();
  });
  return async (overrides = {}) => {
    const started = await startApp(overrides);
    apps.push(started);
    return started;
  };
}
