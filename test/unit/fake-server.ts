/**
 * A scripted permsocket server for unit tests, played by msw's ws.link: every connection is
 * recorded, answers `auth` with `auth.ok` unless told otherwise, and lets a test push frames,
 * answer requests and close with any code.
 */
import { http, passthrough, ws } from 'msw';
import { setupServer } from 'msw/node';
import { vi } from 'vitest';
import type { ClientFrame, ServerFrame } from 'permsocket/protocol';

export const WS_URL = 'ws://permsocket.test/ws';
/**
 * The fake clock's start, on a whole second: tokens carry `exp` in whole seconds, so a start at a
 * random fraction of a second would move every expiry by up to 1 s from run to run.
 */
export const FAKE_NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
/** A port where nothing listens: the OS refuses the connection. */
export const REFUSED_URL = 'ws://127.0.0.1:1/ws';

/** An unsigned JWT: the client only reads `sub` and `exp`, it never verifies. */
export function jwt(claims: { sub?: string; exp?: number; name?: string }): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}

/** Seconds since the epoch on the (possibly faked) clock. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface FakeConnection {
  readonly url: string;
  readonly protocols: string | string[] | undefined;
  /** Every frame the client sent on this connection, parsed. */
  readonly frames: ClientFrame[];
  /** Raw texts, to check nothing else travelled. */
  readonly raw: string[];
  send(frame: ServerFrame | Record<string, unknown>): void;
  sendRaw(data: string | ArrayBuffer): void;
  close(code: number, reason?: string): void;
  readonly closed: { code: number; reason: string } | null;
  /** The code and reason of the client's own close of this socket, once it closed it. */
  readonly closedByClient: { code: number; reason: string } | null;
}

export interface ServerScript {
  /** Answer to `auth` (return null to stay silent, or send something yourself). */
  onAuth?(token: string, connection: FakeConnection): ServerFrame | null | void;
  /** Answer to `req`; by default `{ ok: true, data: { echo: payload } }`. */
  onRequest?(frame: Extract<ClientFrame, { type: 'req' }>, connection: FakeConnection): ServerFrame | null | void;
  /** Answer to `auth.refresh`. */
  onRefresh?(token: string, connection: FakeConnection): ServerFrame | null | void;
  /** Answer to `ping`; by default a `pong` (return null to stay silent). */
  onPing?(connection: FakeConnection): ServerFrame | null | void;
}

export const grantsOf = (version: number, grants: string[]) => ({ version, grants });

/** The default `auth.ok` for a token: user alice, exp from the token, the given grants. */
export function authOk(token: string, perms = grantsOf(1, ['*']), user = { id: '1', name: 'alice' }): ServerFrame {
  const exp = readExp(token) ?? nowSeconds() + 300;
  return { type: 'auth.ok', user, exp, now: Date.now(), perms };
}

function readExp(token: string): number | undefined {
  try {
    const part = token.split('.')[1];
    if (!part) return undefined;
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString()) as { exp?: number };
    return claims.exp;
  } catch {
    return undefined;
  }
}

/** Starts msw for one test file and returns the controller for the scripted server. */
export function createFakeServer() {
  const link = ws.link(WS_URL);
  const connections: FakeConnection[] = [];
  let script: ServerScript = {};
  const mswServer = setupServer(
    // Real sockets to 127.0.0.1 (a refused port, a server that never answers) go through untouched.
    http.get(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()),
    link.addEventListener('connection', ({ client, info }) => {
      const frames: ClientFrame[] = [];
      const raw: string[] = [];
      let closed: { code: number; reason: string } | null = null;
      let closedByClient: { code: number; reason: string } | null = null;
      const connection: FakeConnection = {
        url: client.url.href,
        protocols: info.protocols,
        frames,
        raw,
        send: (frame) => client.send(JSON.stringify(frame)),
        sendRaw: (data) => client.send(data),
        close: (code, reason = '') => {
          closed = { code, reason };
          // msw drops a message still queued when the socket starts closing: close after it, as a real server would.
          queueMicrotask(() => client.close(code, reason));
        },
        get closed() {
          return closed;
        },
        get closedByClient() {
          return closedByClient;
        },
      };
      connections.push(connection);
      client.addEventListener('close', (event) => {
        if (!closed) closedByClient = { code: event.code, reason: event.reason };
      });
      client.addEventListener('message', (event) => {
        const text = String(event.data);
        raw.push(text);
        const frame = JSON.parse(text) as ClientFrame;
        frames.push(frame);
        let answer: ServerFrame | null | void = undefined;
        if (frame.type === 'auth') answer = script.onAuth ? script.onAuth(frame.token, connection) : authOk(frame.token);
        else if (frame.type === 'auth.refresh') answer = script.onRefresh ? script.onRefresh(frame.token, connection) : authOk(frame.token);
        else if (frame.type === 'ping') answer = script.onPing ? script.onPing(connection) : { type: 'pong' };
        else if (frame.type === 'req') {
          answer = script.onRequest
            ? script.onRequest(frame, connection)
            : { type: 'res', id: frame.id, ok: true, data: { echo: frame.payload } };
        }
        if (answer) connection.send(answer);
      });
    }),
  );

  return {
    connections,
    get last(): FakeConnection {
      const connection = connections.at(-1);
      if (!connection) throw new Error('no connection was opened');
      return connection;
    },
    script(next: ServerScript) {
      script = next;
    },
    listen() {
      mswServer.listen({ onUnhandledRequest: 'error' });
    },
    reset() {
      connections.length = 0;
      script = {};
    },
    close() {
      mswServer.close();
    },
  };
}

/** Lets queued timers and promise callbacks run, `ms` of fake time at a time. */
export async function tick(ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
}
