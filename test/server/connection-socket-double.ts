/**
 * One connection of the engine on a stand-in socket, for what a real socket cannot show a test
 * deterministically: when the TCP socket is corked around a write, the exact millisecond a timer
 * closes or drops it (under fake time), a peer that never finishes the close handshake, a close
 * that lands while shutdown waits, and a backlog of a chosen size. (The one stand-in: a second,
 * connection-fake-ws.ts, was folded into it.) The connection is the
 * engine's own (acceptConnection), with the test app's contract and a real permissions cache.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { expect, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { SUBPROTOCOL, type PermissionSnapshot } from '../../src/protocol';
import { acceptConnection, type ConnectionSettings, type LiveConnection } from '../../src/server/connection';
import type { LogFields } from '../../src/server/log';
import { createPermissionsCache } from '../../src/server/permissions-cache';
import type { Authenticated } from '../../src/server/types';
import { contract } from './harness';

/** The TCP socket under the WebSocket: counts corks the way Node does (uncork of an uncorked socket is a no-op). */
export class TcpDouble {
  readonly remoteAddress = '127.0.0.1';
  depth = 0;
  corks = 0;
  uncorks = 0;
  /** Uncorks that found the socket not corked (they would release a cork someone else holds). */
  unmatched = 0;
  cork(): void {
    this.depth++;
    this.corks++;
  }
  uncork(): void {
    this.uncorks++;
    if (this.depth === 0) this.unmatched++;
    else this.depth--;
  }
}

/** What `ws` the connection writes to: records every frame, and whether TCP was corked then. */
export class WebSocketDouble extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  protocol = SUBPROTOCOL;
  bufferedAmount = 0;
  readonly sent: { text: string; corked: boolean }[] = [];
  readonly closes: { code: number; reason: string }[] = [];
  terminated = 0;
  pings = 0;
  constructor(private readonly tcp: TcpDouble) {
    super();
  }
  send(text: string): void {
    this.sent.push({ text, corked: this.tcp.depth > 0 });
  }
  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
    this.readyState = 2;
  }
  terminate(): void {
    this.terminated++;
    this.readyState = 3;
  }
  ping(): void {
    this.pings++;
  }
  /** The client sends a text frame. */
  receive(frame: object): void {
    this.emit('message', Buffer.from(JSON.stringify(frame)), false);
  }
  /** The client goes away: the socket reports its close, as ws does. */
  leave(code = 1001): void {
    this.readyState = 3;
    this.emit('close', code, Buffer.from(''));
  }
  /** Every frame sent, parsed, in order. */
  all(): Record<string, any>[] {
    return this.sent.map((entry) => JSON.parse(entry.text) as Record<string, any>);
  }
  /** Parsed frames of one type, in order. */
  frames(type: string): Record<string, any>[] {
    return this.all().filter((frame) => frame.type === type);
  }
}

/** A connection on the doubles, and what it did. */
export interface Accepted {
  ws: WebSocketDouble;
  tcp: TcpDouble;
  live: LiveConnection;
  settings: ConnectionSettings;
  logs: { event: string; fields: LogFields }[];
  ready: LiveConnection[];
  loads: number;
  /** Resolvers of the `note.slow` handlers in progress. */
  gates: (() => void)[];
}

/** Options of {@link accept}: the hooks and limits a test changes. */
export interface AcceptOptions {
  authenticate?: (token: string) => Authenticated | Promise<Authenticated>;
  loadPermissions?: (user: { id: string; name: string }) => PermissionSnapshot | Promise<PermissionSnapshot>;
  authTimeout?: number;
  maxBufferedBytes?: number;
  /** Settings that replace the defaults outright (handlers, keys, ...). */
  settings?: Partial<ConnectionSettings>;
}

/** Accepts one connection on fresh doubles. Default token: any string signs in as alice for 300 s. */
export function accept(options: AcceptOptions = {}): Accepted {
  const tcp = new TcpDouble();
  const ws = new WebSocketDouble(tcp);
  const logs: Accepted['logs'] = [];
  const ready: LiveConnection[] = [];
  const loadPermissions = options.loadPermissions ?? (() => ({ version: 1, grants: ['notes.add_note'] }));
  const gates: (() => void)[] = [];
  const accepted = { ws, tcp, logs, ready, loads: 0, gates } as Accepted;
  const settings: ConnectionSettings = {
    contract,
    handlers: {
      'note.nothing': () => null,
      'note.add': (note) => note,
      'note.slow': () => new Promise((resolve) => gates.push(() => resolve({ done: true }))),
    },
    authenticate: options.authenticate ?? (() => ({ user: { id: '1', name: 'alice' }, exp: Math.floor(Date.now() / 1000) + 300 })),
    permissions: createPermissionsCache((user) => {
      accepted.loads++;
      return loadPermissions(user);
    }, undefined),
    authTimeout: options.authTimeout ?? 5_000,
    rateLimit: false,
    maxBufferedBytes: options.maxBufferedBytes ?? 8 * 1024 * 1024,
    keys: undefined,
    log: (event, fields) => logs.push({ event, fields }),
    onReady: (connection) => ready.push(connection),
    onClosed: () => {},
    ...options.settings,
  };
  accepted.settings = settings;
  accepted.live = acceptConnection(ws as unknown as WebSocket, { socket: tcp } as unknown as IncomingMessage, settings);
  return accepted;
}

/** Lets the event loop come round once (the end of a turn: setImmediate callbacks run). */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** {@link accept}, then signs in with the default token and lets the turn that sent auth.ok end. */
export async function acceptSignedIn(options: AcceptOptions = {}): Promise<Accepted> {
  const accepted = accept(options);
  accepted.ws.receive({ type: 'auth', token: 't' });
  await vi.waitFor(() => expect(accepted.ws.frames('auth.ok')).toHaveLength(1));
  await nextTurn();
  return accepted;
}
