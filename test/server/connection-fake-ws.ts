/**
 * One connection (acceptConnection) over a stand-in for a ws socket, for what a real socket
 * cannot show on demand: a peer that never finishes the close handshake, a close that lands
 * while shutdown waits, the engine's pings after a close, and whether the TCP socket was corked.
 * The stand-in records what the connection did to it; time is the test's (fake timers).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { LogFields } from 'permsocket/server';
import { acceptConnection, type ConnectionSettings, type LiveConnection } from '../../src/server/connection';
import { createPermissionsCache } from '../../src/server/permissions-cache';
import { contract } from './harness';

const OPEN = 1;
const CLOSED = 3;

/** The stand-in socket: frames sent, close and terminate calls, pings. */
export class FakeWs extends EventEmitter {
  readonly OPEN = OPEN;
  readyState = OPEN;
  protocol = 'permsocket.v1';
  bufferedAmount = 0;
  readonly sent: Record<string, any>[] = [];
  readonly closes: [number, string][] = [];
  terminated = 0;
  pings = 0;

  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, any>);
  }
  close(code: number, reason: string): void {
    this.closes.push([code, reason]);
    this.readyState = 2;
  }
  terminate(): void {
    this.terminated++;
  }
  ping(): void {
    this.pings++;
  }
  /** A message from the peer. */
  receive(frame: object): void {
    this.emit('message', Buffer.from(JSON.stringify(frame)), false);
  }
  /** The socket reports its close (as ws does once the handshake ends or the socket is gone). */
  reportClose(code = 1000): void {
    this.readyState = CLOSED;
    this.emit('close', code, Buffer.from(''));
  }
}

/** One connection over a FakeWs, signed in or not. */
export interface FakeConnection {
  ws: FakeWs;
  live: LiveConnection;
  logs: { event: string; fields: LogFields }[];
  /** How often the connection corked the TCP socket. */
  corks: () => number;
  /** Resolvers of `note.slow` handlers in progress. */
  gates: (() => void)[];
  /** Sends `auth` and waits until `auth.ok` went out. */
  signIn(): Promise<void>;
}

/** Lets every pending callback of this turn, and the turn's end (setImmediate), run. */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Accepts a connection over a new FakeWs; `overrides` replace settings. */
export function fakeConnection(overrides: Partial<ConnectionSettings> = {}): FakeConnection {
  const ws = new FakeWs();
  const logs: FakeConnection['logs'] = [];
  const gates: (() => void)[] = [];
  let corks = 0;
  const socket = { remoteAddress: '10.0.0.7', cork: () => void corks++, uncork: () => {} };
  const settings: ConnectionSettings = {
    contract,
    handlers: {
      'note.nothing': () => null,
      'note.slow': () => new Promise((resolve) => gates.push(() => resolve({ done: true }))),
    },
    authenticate: () => ({ user: { id: '1', name: 'alice' }, exp: Math.floor(Date.now() / 1000) + 3600 }),
    permissions: createPermissionsCache(() => ({ version: 1, grants: [] }), undefined),
    authTimeout: 10_000,
    rateLimit: false,
    maxBufferedBytes: 1 << 20,
    keys: undefined,
    log: (event, fields) => logs.push({ event, fields }),
    onReady: () => {},
    onClosed: () => {},
    ...overrides,
  };
  const live = acceptConnection(ws as unknown as WebSocket, { socket } as unknown as IncomingMessage, settings);
  return {
    ws,
    live,
    logs,
    gates,
    corks: () => corks,
    async signIn() {
      ws.receive({ type: 'auth', token: 't' });
      for (let i = 0; i < 20 && !ws.sent.some((frame) => frame.type === 'auth.ok'); i++) await Promise.resolve();
      if (!ws.sent.some((frame) => frame.type === 'auth.ok')) throw new Error(`no auth.ok; sent ${JSON.stringify(ws.sent)}`);
      await nextTurn();
    },
  };
}
