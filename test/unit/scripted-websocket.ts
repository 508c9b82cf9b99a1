/**
 * A WebSocket for the client's `WebSocket` option that a test drives by hand, in fake time: it
 * opens, fails, starts closing or closes only when told, so the moments a real network picks at
 * random (a socket still closing, an attempt that never opens) can be set up exactly.
 */
import type { ClientFrame, ServerFrame } from 'permsocket/protocol';
import { authOk } from './fake-server';

/** One scripted socket; `sockets` lists them in the order the client created them. */
export interface ScriptedSocket {
  readonly url: string;
  readonly readyState: number;
  /** Every frame the client sent on it, parsed. */
  readonly sent: ClientFrame[];
  /** What the client passed to `close()`, if it called it. */
  readonly closedWith: { code: number | undefined; reason: string | undefined } | null;
  /** The handshake succeeds. */
  open(): void;
  receive(frame: ServerFrame): void;
  /** The closing handshake starts (the server's close frame arrived): CLOSING, no close event yet. */
  startClosing(): void;
  /** The socket is closed with this code (a server's close, or a browser's 1006). */
  closed(code: number, reason?: string): void;
  /** The connection fails the way a browser reports it: `error`, then a 1006 close. */
  fail(): void;
}

/**
 * A WebSocket constructor and the sockets it made. The server answers `auth` with `auth.ok` and
 * `ping` with `pong` unless `answerPings` is set to false.
 */
export function scriptedWebSocket() {
  const sockets: ScriptedSocket[] = [];
  const script = { answerPings: true };

  class Socket extends EventTarget implements ScriptedSocket {
    readyState = 0;
    binaryType = 'blob';
    readonly sent: ClientFrame[] = [];
    closedWith: { code: number | undefined; reason: string | undefined } | null = null;
    constructor(readonly url: string) {
      super();
      sockets.push(this);
    }
    send(text: string) {
      if (this.readyState !== 1) throw new Error('send() on a socket that is not open');
      const frame = JSON.parse(text) as ClientFrame;
      this.sent.push(frame);
      // Answered after the send returns, as a server would.
      if (frame.type === 'auth') queueMicrotask(() => this.receive(authOk(frame.token)));
      else if (frame.type === 'ping' && script.answerPings) queueMicrotask(() => this.receive({ type: 'pong' }));
    }
    close(code?: number, reason?: string) {
      this.closedWith = { code, reason };
      this.readyState = 2;
    }
    open() {
      this.readyState = 1;
      this.dispatchEvent(new Event('open'));
    }
    receive(frame: ServerFrame) {
      if (this.readyState === 1) this.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(frame) }));
    }
    startClosing() {
      this.readyState = 2;
    }
    closed(code: number, reason = '') {
      this.readyState = 3;
      this.dispatchEvent(Object.assign(new Event('close'), { code, reason, wasClean: code !== 1006 }));
    }
    fail() {
      this.readyState = 3;
      this.dispatchEvent(new Event('error'));
      this.dispatchEvent(Object.assign(new Event('close'), { code: 1006, reason: '', wasClean: false }));
    }
  }

  return {
    WebSocket: Socket,
    sockets,
    script,
    get last(): ScriptedSocket {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('the client created no socket');
      return socket;
    },
  };
}
