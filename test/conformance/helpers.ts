/**
 * Test helpers that work against any server implementing PROTOCOL.md's HTTP API and `/ws`:
 * free ports, a raw WebSocket client that records every frame and the close, sign-in, forged
 * tokens and the admin API.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { SignJWT } from 'jose';
import { SUBPROTOCOL, closeErrorCode } from 'permsocket/protocol';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { TestServer } from './server';

/** A frame as received (parsed JSON; the suite checks the fields it needs). */
export type Frame = { type: string } & Record<string, any>;

/** Resolves with a port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Default wait for one awaited event (a frame, a close). */
const WAIT_MS = 5_000;

/** How a raw connection ended. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** Options of {@link RawClient.open}. */
export interface RawOptions {
  /** The Origin header; null sends none. Default: the server's allowed origin. */
  origin?: string | null;
  /** Subprotocols offered. Default: [permsocket.v1]. */
  protocols?: string[];
}

/**
 * A bare `ws` client that records every frame from the server and the close. `next` takes frames
 * in order of arrival (skipping, but keeping, the ones that do not match).
 */
export class RawClient {
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  /** Frames that arrived but did not parse as JSON objects (a server bug if any). */
  readonly garbage: string[] = [];
  /** Resolves when the socket closes. */
  readonly closed: Promise<CloseInfo>;
  private readonly queue: Frame[] = [];
  private readonly waiters = new Set<() => void>();
  private closeInfo: CloseInfo | undefined;
  private rawSocket: Socket | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('upgrade', (response) => {
      this.rawSocket = response.socket as Socket;
    });
    ws.on('message', (data) => {
      const text = String(data);
      let frame: unknown;
      try {
        frame = JSON.parse(text);
      } catch {
        this.garbage.push(text);
        return;
      }
      if (typeof frame === 'object' && frame !== null && typeof (frame as Frame).type === 'string') {
        this.frames.push(frame as Frame);
        this.queue.push(frame as Frame);
      } else this.garbage.push(text);
      this.wake();
    });
    // A refused handshake or a reset is reported through `closed`; the error itself is expected.
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: String(reason) };
        this.wake();
        resolve(this.closeInfo);
      });
    });
  }

  /** Opens a connection and resolves once it is open (rejects when the handshake is refused). */
  static async open(server: Pick<TestServer, 'wsUrl' | 'origin'>, options: RawOptions = {}): Promise<RawClient> {
    const origin = options.origin === undefined ? server.origin : options.origin;
    const ws = new WebSocket(server.wsUrl, options.protocols ?? [SUBPROTOCOL], {
      ...(origin === null ? {} : { origin }),
      perMessageDeflate: false,
    });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_request, response) => {
        reject(new HandshakeRefused(response.statusCode ?? 0));
        response.resume();
        ws.terminate();
      });
      ws.once('error', reject);
    });
    return client;
  }

  /** Opens a connection, sends `auth` and waits for `auth.ok`. */
  static async signedIn(server: TestServer, token: string): Promise<{ client: RawClient; authOk: Frame }> {
    const client = await RawClient.open(server);
    client.send({ type: 'auth', token });
    const authOk = await client.next('auth.ok');
    return { client, authOk };
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Sends an object as JSON, or a string as is. */
  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * Writes several text frames in one TCP write, so the server reads them in one chunk (for
   * "in flight" cases that must not depend on timing).
   */
  sendTogether(frames: object[]): void {
    if (!this.rawSocket) throw new Error('the raw socket is not known yet');
    this.rawSocket.write(Buffer.concat(frames.map((frame) => maskedTextFrame(JSON.stringify(frame)))));
  }

  /** Takes the next frame of `type` (or matching `match`), waiting for it to arrive. */
  next(type: string | ((frame: Frame) => boolean), timeoutMs = WAIT_MS): Promise<Frame> {
    const match = typeof type === 'string' ? (frame: Frame) => frame.type === type : type;
    return new Promise((resolve, reject) => {
      const check = () => {
        const index = this.queue.findIndex(match);
        if (index !== -1) {
          const [frame] = this.queue.splice(index, 1);
          done();
          resolve(frame as Frame);
        } else if (this.closeInfo) {
          done();
          reject(new Error(`closed (${this.closeInfo.code}) before a matching frame; got ${JSON.stringify(this.frames).slice(0, 500)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a `req` and waits for its `res`. */
  async request(action: string, payload: unknown, id = `r${randomBytes(6).toString('hex')}`): Promise<Frame> {
    this.send({ type: 'req', id, action, payload });
    return this.next((frame) => frame.type === 'res' && frame.id === id);
  }

  /** Frames of one type received so far. */
  received(type: string): Frame[] {
    return this.frames.filter((frame) => frame.type === type);
  }

  /** Waits for the close, with a timeout. */
  async waitClosed(timeoutMs = WAIT_MS): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes from the client side (no wait). */
  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }
}

/** A WebSocket handshake answered with an HTTP status instead of 101. */
export class HandshakeRefused extends Error {
  override name = 'HandshakeRefused';
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`);
  }
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x81;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 65536) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([header, mask, masked]);
}

/**
 * Asserts that the server closed with `code` and, for a 4xxx code, sent an `error` frame with the
 * matching code word first. Returns that error frame (undefined for other codes).
 */
export async function expectServerClose(client: RawClient, code: number): Promise<Frame | undefined> {
  const info = await client.waitClosed();
  expect(info.code, `close code; frames: ${JSON.stringify(client.frames).slice(0, 300)}`).toBe(code);
  const word = (closeErrorCode as Record<number, string>)[code];
  if (!word) return undefined;
  const errors = client.received('error');
  expect(errors.map((frame) => frame.error?.code)).toContain(word);
  const last = client.frames.at(-1);
  expect(last?.type, 'the error frame is the last frame before the close').toBe('error');
  return errors.find((frame) => frame.error?.code === word);
}

/** A signed-in user's access token and refresh cookie. */
export interface Session {
  accessToken: string;
  expiresIn: number;
  /** `name=value` of the refresh cookie, ready for a Cookie header. */
  cookie: string;
  /** The user id (the token's `sub`). */
  userId: string;
}

/** Reads the claims of a JWT without verifying it. */
export function decodeClaims(token: string): Record<string, unknown> {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The `name=value` part of the first Set-Cookie header, if any. */
export function cookieOf(response: Response): string | undefined {
  const header = response.headers.getSetCookie()[0];
  return header?.split(';')[0];
}

/** POSTs JSON to the server. */
export function postJson(server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.httpUrl + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Signs in with username and password (`<name>-pass` by default, as seeded). */
export async function login(server: TestServer, username: string, password = `${username}-pass`): Promise<Session> {
  const response = await postJson(server, '/auth/login', { username, password });
  if (response.status !== 200) throw new Error(`login ${username}: HTTP ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { accessToken: string; expiresIn: number };
  const cookie = cookieOf(response);
  if (!cookie) throw new Error(`login ${username}: no refresh cookie`);
  return { ...body, cookie, userId: String(decodeClaims(body.accessToken).sub) };
}

/** The claims of a forged token; `undefined` leaves a claim out. */
export interface ForgedClaims {
  sub?: string | undefined;
  name?: string | undefined;
  aud?: string | undefined;
  /** Seconds from now; undefined leaves `exp` out. */
  expiresIn?: number | undefined;
  /** Extra claims, e.g. padding. */
  extra?: Record<string, unknown>;
}

/**
 * Signs a token with HS256 and `key` (the server's secret unless given), for good and bad cases:
 * wrong key, expired, missing `exp`, wrong `aud`, oversize.
 */
export async function forgeToken(secret: string, claims: ForgedClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { ...claims.extra, iat: now };
  if (claims.sub !== undefined) payload.sub = claims.sub;
  if (claims.name !== undefined) payload.name = claims.name;
  if (claims.aud !== undefined) payload.aud = claims.aud;
  if (claims.expiresIn !== undefined) payload.exp = now + claims.expiresIn;
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

/** An unsigned token (`alg: none`) with otherwise good claims. */
export function unsignedToken(sub: string, name: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub, name, aud: 'permsocket', iat: now, exp: now + 300 })}.`;
}

/** Calls the admin API with a bearer token; resolves with the HTTP status. */
export async function adminCall(
  server: TestServer,
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(server.httpUrl + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** The admin path of a user's direct grant (URL-encoded). */
export const grantPath = (user: string, grant: string) => `/admin/users/${user}/grants/${encodeURIComponent(grant)}`;

/** Expects a 204 from an admin change. */
export async function adminChange(server: TestServer, adminToken: string, method: 'PUT' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const response = await adminCall(server, method, path, adminToken, body);
  expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBe(204);
}

/**
 * Asserts the server still works: /healthz answers 200 and a fresh connection signs in and gets
 * `pong` for `ping`.
 */
export async function expectHealthy(server: TestServer, token: string): Promise<void> {
  const health = await fetch(`${server.httpUrl}/healthz`);
  expect(health.status).toBe(200);
  const { client } = await RawClient.signedIn(server, token);
  client.send({ type: 'ping' });
  await client.next('pong');
  client.close();
  await client.waitClosed();
}

/** Every token in `tokens` is absent from the server's logs. */
export function expectNoTokensLogged(server: TestServer, tokens: Iterable<string>): void {
  const logs = server.logs();
  for (const token of tokens) {
    // The signature part alone is enough to find a leaked token.
    const signature = token.split('.')[2] || token;
    expect(logs.includes(token) || (signature.length > 10 && logs.includes(signature)), 'a token appears in the logs').toBe(false);
  }
}
