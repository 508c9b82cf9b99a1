/**
 * The transport: partysocket's reconnecting socket, adapted. partysocket owns the socket's life
 * (its reconnect loop, the connect timeout, `shouldReconnectOnClose`); this file configures it to
 * add no delay and buffer nothing of its own, and turns its events into one plain shape.
 * @packageDocumentation
 */
import ReconnectingWebSocket from 'partysocket/ws';
import { PermsocketError } from './errors';
import type { WebSocketConstructor } from './options';
import { SUBPROTOCOL, type CloseCode } from './protocol';

// Literals checked against CloseCode, so its table stays out of the bundle.
const NORMAL = 1000 satisfies typeof CloseCode.Normal;
const ABNORMAL = 1006 satisfies typeof CloseCode.Abnormal;

/** A close as the client sees it: one per socket, whether it ever opened or not. */
export interface CloseInfo {
  code: number;
  reason: string;
  /** Whether the socket had opened (false: the URL, the handshake or the connect timeout failed). */
  opened_: boolean;
  /** Whether the client closed it itself ({@link Transport.drop_} or {@link Transport.stop_}). */
  requested_: boolean;
  /** For a socket that never opened: what probably went wrong, for the `error` event. */
  error?: PermsocketError;
}

/** What the transport reports. */
export interface TransportEvents {
  open_(): void;
  message_(data: unknown): void;
  close_(info: CloseInfo): void;
}

/** The socket the client talks through. */
export interface Transport {
  /** Starts connecting (again); partysocket awaits `url` before each attempt. */
  start_(): void;
  /** Closes the current socket and lets the reconnect loop go on. */
  drop_(code: number, reason: string): void;
  /** Closes the socket for good, until the next {@link Transport.start_}. */
  stop_(reason: string): void;
  /** Sends a text frame on an open socket; with none open, nothing is sent. */
  send_(text: string): void;
}

/** The part of partysocket's ReconnectingWebSocket the transport uses. */
interface ReconnectingSocket {
  readyState: number;
  send(data: string): boolean;
  close(code?: number, reason?: string): void;
  reconnect(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  /**
   * partysocket's own handler of the current WebSocket's messages (an instance field, added at every
   * connect and removed at every close); the transport replaces it, see create().
   */
  _handleMessage: (event: { data: unknown }) => void;
  onclose: ((event: { code: number; reason?: string; target?: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
type ReconnectingSocketClass = new (url: () => Promise<string>, protocols: string[], options: object) => ReconnectingSocket;

/** Creates the transport; `url` is awaited before every attempt (the client's backoff and token live there). */
export function createTransport(options: {
  url_: () => Promise<string>;
  WebSocket: WebSocketConstructor | undefined;
  connectTimeout_: number;
  /** False for a close code after which partysocket must not reconnect. */
  shouldReconnect_(code: number): boolean;
  events_: TransportEvents;
}): Transport {
  const { events_: events } = options;
  let socket: ReconnectingSocket | undefined;
  // The current attempt's socket: whether it opened, and whether its close was reported already.
  // The URL provider sets both as each attempt starts; before the first there is nothing to report.
  let opened: boolean;
  // Stryker disable next-line BooleanLiteral: equivalent: no close can come before the URL provider's first answer sets it to false
  let reported = true;
  // Whether the client asked for the close under way, so its synchronous close event is reported as requested.
  let requested = false;

  /**
   * The one place partysocket's events are normalised. A failed attempt (a socket error, the
   * connect timeout, a constructor that threw) reaches `onclose` as partysocket's own close 1000,
   * an event it built itself and never dispatched (so it has no target); browsers call that 1006.
   * Its other undispatched closes are the ones the client asked for.
   */
  function closed(event: { code: number; reason?: string; target?: unknown }): void {
    if (reported) return;
    reported = true;
    const asked = requested;
    requested = false;
    const synthetic = !event.target && !asked;
    const info: CloseInfo = {
      code: synthetic ? ABNORMAL : event.code,
      reason: synthetic ? '' : (event.reason ?? ''),
      opened_: opened,
      requested_: asked,
    };
    if (!opened && !asked) {
      const why = event.reason === 'timeout' ? `did not open within connectTimeout (${options.connectTimeout_} ms)` : 'closed before it opened (1006)';
      info.error = new PermsocketError(
        'connect_failed',
        `the WebSocket ${why}: is the URL reachable? Did the server refuse the handshake (HTTP 403 for an Origin not on its allowlist) or the ${SUBPROTOCOL} subprotocol?`,
      );
    }
    events.close_(info);
  }

  function create(): ReconnectingSocket {
    const created = new (ReconnectingWebSocket as unknown as ReconnectingSocketClass)(
      async () => {
        const url = await options.url_();
        opened = false;
        reported = false;
        return url;
      },
      [SUBPROTOCOL],
      {
        // Without the option partysocket takes the global WebSocket at each attempt (msw patches it).
        WebSocket: options.WebSocket,
        // Stryker disable next-line BooleanLiteral: equivalent: start_() creates the socket just before reconnect(), and one attempt starts either way (without it the constructor starts it and reconnect() finds it under way)
        startClosed: true,
        // The client's own full-jitter backoff runs in the URL provider: partysocket adds no delay.
        minReconnectionDelay: 0,
        maxReconnectionDelay: 0,
        reconnectionDelayGrowFactor: 1,
        connectionTimeout: options.connectTimeout_,
        // Nothing may go out before `auth`: the client queues requests itself.
        maxEnqueuedMessages: 0,
        shouldReconnectOnClose: (event: { code: number }) => options.shouldReconnect_(event.code),
      },
    );
    // The on* handlers get partysocket's events as they are (addEventListener gets clones). Some
    // EventTargets (happy-dom's) also call on* handlers for the clone partysocket dispatches on
    // itself: that second call, whose target is the partysocket, is not a second event.
    const own = <E>(handler: (event: E) => void) => (event: E) => {
      if ((event as { target?: unknown }).target !== created) handler(event);
    };
    created.onopen = own(() => {
      opened = true;
      events.open_();
    });
    // partysocket's handler calls `onmessage`, then dispatches a copy of the event on itself, which
    // nothing here listens to: a new MessageEvent and two argument arrays per frame (about 300 of
    // the 2,200 bytes a request allocated in Node). The handler it adds to each WebSocket is replaced
    // by this one, which hands the data on alone (partysocket 1.3.0 is pinned in package.json).
    created._handleMessage = (event) => events.message_(event.data);
    created.onclose = own(closed);
    // A constructor that threw on the very first attempt reports only an error, no close.
    // Stryker disable next-line ObjectLiteral: equivalent: this close has no target and was not asked for, so it is reported as 1006 whatever its code
    created.onerror = own(() => closed({ code: NORMAL }));
    return created;
  }

  return {
    start_() {
      if (!options.WebSocket && typeof globalThis.WebSocket === 'undefined') {
        throw new PermsocketError('setup', 'no WebSocket here (Node 20 has none): pass one in the `WebSocket` option, e.g. `WebSocket` from the `ws` package');
      }
      socket ??= create();
      socket.reconnect();
    },
    drop_(code, reason) {
      // A socket already closing reports its own close, not one the client asked for: reconnect()
      // would drop that close and start over, leaving `requested` set for the next socket.
      if (socket!.readyState !== 1) return;
      requested = true;
      socket!.reconnect(code, reason);
    },
    stop_(reason) {
      // close() reports the close at once when a socket is open or opening, and nothing otherwise.
      requested = true;
      socket!.close(NORMAL, reason);
      reported = true;
      requested = false;
    },
    send_(text) {
      // partysocket would drop it too, but warn on the console when the client has closed it.
      if (socket!.readyState === 1) socket!.send(text);
    },
  };
}
