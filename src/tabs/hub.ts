/**
 * The leading tab's hub: it taps the real socket its own client opened and serves the followers'
 * virtual sockets over it. Requests go to the server as they are and their answers back to the
 * tab that asked; events, permission pushes and error frames go to every follower; `auth`,
 * `auth.refresh` and `ping` of a follower are answered here from the leader's own session, so the
 * server sees one socket and one sign-in for the whole browser.
 * @packageDocumentation
 */
import type { Client } from '../api';
import type { Contract } from '../contract';
import { isTerminal } from '../connection';
import { parseServerFrame, type AuthOkFrame } from '../protocol';
import type { TabChannel, TabMessage } from './messages';

type Ask = Extract<TabMessage, { t: 'token' }>;
const PONG = { type: 'pong' };
type Ended = Omit<Extract<TabMessage, { t: 'token-fail' }>, 't' | 'ask'>;
/** A signed-in real socket: its `auth.ok` and when it came. */
type Session = { frame_: AuthOkFrame; at_: number };

/** A real WebSocket, as far as the hub uses it. */
interface RealSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

/** The hub {@link createHub} returns. */
export interface Hub {
  /** Taps the real socket the leader's client just opened. */
  tap_(socket: RealSocket): void;
  /** A message from a follower. */
  heard_(message: TabMessage): void;
  /** Closes every follower's socket (the leader resigns or its client stopped). */
  closeAll_(code: number, reason: string): void;
  /** Stops listening to the leader's client. */
  stop_(): void;
}

/**
 * Creates the hub of the leading tab `leader`, whose own client is `client`. A follower that signs
 * in while the leader has no session is held, and sent a `pong` every `keepAlive` ms so that its
 * client does not take the wait for a dead socket: it is ready the moment the leader is.
 */
export function createHub<C extends Contract>(leader: string, client: Client<C>, channel: TabChannel, keepAlive: number): Hub {
  /** Followers' sockets: opened, waiting for `auth.ok` (sent `auth` before the leader signed in), or signed in. */
  const sockets = new Map<string, 'opened' | 'waiting' | 'in'>();
  /** Request id -> the follower's socket that sent it. */
  const inflight = new Map<string, string>();
  let real: RealSocket | null = null;
  let send: ((data: string) => void) | null = null;
  /** The last `auth.ok` on the real socket, when it is signed in, and when it came. */
  let session: Session | null = null;
  /** The newest snapshot: the last `auth.ok`'s, or a newer push since (kept across sessions). */
  let perms: AuthOkFrame['perms'] | null = null;
  /** The token the server accepted last (the followers' getToken answer). */
  let token: string | null = null;
  let sentToken: string | null = null;
  /** Local time until which `token` is valid, by the last `auth.ok` (exp on the server's clock). */
  let validUntil = 0;
  let asks: Ask[] = [];
  let keeping: ReturnType<typeof setInterval> | undefined;
  /** Whether the leader's client was signed out (or refused) since it was last ready. */
  let down = client.state === 'unauthenticated' || client.state === 'forbidden';
  /** Why the leader's session ended, as the followers' clients will report it. */
  let ended: Ended = { message: 'signed out in another tab', code: 'unauthenticated' };

  const post = (message: TabMessage) => channel.post_(message);
  const inState = (wanted: string) => [...sockets].filter(([, state]) => state === wanted).map(([id]) => id);
  const signedIn = () => inState('in');
  const frameTo = (to: string[], frame: object | string) => to.length > 0 && post({ t: 'frame', to, data: typeof frame === 'string' ? frame : JSON.stringify(frame) });

  /** An `auth.ok` in the leader's name: its user, expiry, features and current permissions. */
  // (perms is set with the first session and never cleared.)
  const authOk = (current: Session): AuthOkFrame => ({ ...current.frame_, now: current.frame_.now + (Date.now() - current.at_), perms: perms! });

  /**
   * Answers the followers' getToken with the leader's token. While the leader has no session (its
   * socket is reconnecting) a connect still gets the token while it is valid: the follower then
   * waits, signed in to nothing yet, and is ready the moment the leader is (a getToken left
   * waiting would time out after requestTimeout instead).
   */
  function answerAsks() {
    const waiting = asks;
    asks = [];
    for (const ask of waiting) {
      const usable = token !== null && ask.not !== token && (session !== null || (ask.reason === 'connect' && Date.now() < validUntil));
      if (usable) post({ t: 'token-ok', ask: ask.ask, token: token! });
      else asks.push(ask);
    }
  }
  function failAsks() {
    for (const ask of asks) post({ t: 'token-fail', ask: ask.ask, ...ended });
    asks = [];
  }

  /** Keeps the held followers' sockets alive until the leader signs in (or they go). */
  function keepWaiting() {
    const waiting = inState('waiting');
    if (waiting.length === 0) return clearInterval(keeping), (keeping = undefined);
    frameTo(waiting, PONG);
    keeping ??= setInterval(keepWaiting, keepAlive);
  }

  function closeAll(code: number, reason: string) {
    const to = [...sockets.keys()];
    sockets.clear();
    inflight.clear();
    if (to.length > 0) post({ t: 'close', to, code, reason });
  }

  /** The real socket closed: followers get the same code and act on it as their own client would. */
  function realClosed(socket: RealSocket, code: number, reason: string) {
    if (socket !== real) return;
    real = send = session = null;
    if (code === 4401) token = null; // the server refused it: nobody gets it again
    // Checked once the client has handled the close: a terminal state is handled in `state`.
    queueMicrotask(() => isTerminal(client.state) || closeAll(code, reason));
  }

  function fromServer(socket: RealSocket, data: unknown) {
    // A binary frame is not the protocol's (ws hands Node a Buffer, whose text would parse).
    if (socket !== real || typeof data !== 'string') return;
    const parsed = parseServerFrame(data);
    if (!parsed.ok) return; // the leader's client reports it
    const frame = parsed.frame;
    if (frame.type === 'res') {
      // Only the requests of followers still here are in flight (bye and closeAll forget the
      // rest); the leader's own answers are not in it.
      const to = inflight.get(frame.id);
      if (inflight.delete(frame.id)) frameTo([to!], data);
    } else if (frame.type === 'auth.ok') {
      // A refresh's auth.ok comes on a socket already signed in; the first of a socket has none before.
      const before = session && perms;
      session = { frame_: frame, at_: Date.now() };
      perms = frame.perms;
      token = sentToken;
      validUntil = session.at_ + frame.exp * 1000 - frame.now;
      if (!before) {
        const waiting = inState('waiting');
        for (const id of waiting) sockets.set(id, 'in');
        frameTo(waiting, authOk(session));
      } else if (frame.perms.version > before.version) {
        // A refresh brought a newer snapshot: the followers get it as a push.
        frameTo(signedIn(), { type: 'perms', ...frame.perms });
      }
      answerAsks();
    } else if (frame.type === 'perms') {
      // Stryker disable next-line EqualityOperator: a version names one set of grants, so an equal one changes nothing
      if (perms && frame.version > perms.version) perms = { version: frame.version, grants: frame.grants };
      frameTo(signedIn(), data);
    } else if (frame.type === 'event' || frame.type === 'error') {
      frameTo(signedIn(), data);
    }
  }

  function fromFollower(socket: string, data: string) {
    if (!sockets.has(socket)) return post({ t: 'close', to: [socket], code: 1006, reason: 'the leading tab changed' });
    let frame: { type?: unknown; id?: unknown };
    try {
      frame = JSON.parse(data) as typeof frame;
    } catch {
      return;
    }
    if (frame.type === 'ping') return frameTo([socket], PONG);
    if (frame.type === 'auth' || frame.type === 'auth.refresh') {
      if (!session) return sockets.set(socket, 'waiting'), keepWaiting(); // answered when the leader signs in
      sockets.set(socket, 'in');
      return frameTo([socket], authOk(session));
    }
    // Only a request of a signed-in follower reaches the server: anything else could get the
    // shared socket closed for every tab.
    if (frame.type === 'req' && typeof frame.id === 'string' && sockets.get(socket) === 'in' && send) {
      inflight.set(frame.id, socket);
      send(data);
    }
  }

  const offState = client.on('state', (state) => {
    if (state === 'unauthenticated' || state === 'forbidden') down = true;
    else if (state === 'ready' && down) {
      down = false;
      post({ t: 'up' });
    }
  });
  // The leader's session ended (its state moved just before): every follower's ends the same way,
  // with the same message, code and (where it can travel) cause.
  const offAuth = client.on('auth-error', (error) => {
    let cause: unknown;
    try {
      cause = structuredClone(error.cause);
    } catch {
      // a cause that cannot travel stays behind (undefined)
    }
    ended = { message: error.message, code: error.code, ...(cause === undefined ? {} : { cause }) };
    token = null; // the session it belonged to is over
    failAsks();
    if (client.state === 'forbidden') closeAll(4403, error.message);
    else if (client.state === 'unauthenticated') closeAll(4401, error.message);
  });

  return {
    tap_(socket) {
      real = socket;
      session = null;
      const original = socket.send.bind(socket);
      const close = socket.close.bind(socket);
      send = original;
      // The leader's own auth and auth.refresh carry the token the followers will be given.
      socket.send = (data: string) => {
        // Stryker disable next-line ConditionalExpression,StringLiteral: a fast path: no other frame has a top-level token, and `?? sentToken` keeps the last
        if (data.startsWith('{"type":"auth')) {
          try {
            sentToken = (JSON.parse(data) as { token?: string }).token ?? sentToken;
          } catch {
            // not JSON: the server answers it
          }
        }
        original(data);
      };
      socket.close = (code?: number, reason?: string) => {
        realClosed(socket, code ?? 1000, reason ?? '');
        close(code, reason);
      };
      socket.addEventListener('message', (event) => fromServer(socket, (event as MessageEvent).data));
      socket.addEventListener('close', (event) => realClosed(socket, (event as CloseEvent).code, (event as CloseEvent).reason));
    },
    heard_(message) {
      if (message.t === 'open') {
        // Stryker disable next-line StringLiteral: 'opened' is never compared (only 'waiting' and 'in' are)
        if (!sockets.has(message.socket)) sockets.set(message.socket, 'opened');
        post({ t: 'opened', socket: message.socket, leader });
      } else if (message.t === 'send') fromFollower(message.socket, message.data);
      else if (message.t === 'bye') {
        sockets.delete(message.socket);
        for (const [id, socket] of inflight) if (socket === message.socket) inflight.delete(id);
      } else if (message.t === 'token') {
        if (isTerminal(client.state)) {
          // After a 4401 from us the follower asks with `rejected`: the session ended here too.
          if (message.reason === 'rejected' || client.state === 'closed') return post({ t: 'token-fail', ask: message.ask, ...ended });
          client.connect(); // a follower connects again (signed in there): the leader's socket serves it
        }
        asks.push(message);
        answerAsks();
      }
    },
    closeAll_: closeAll,
    stop_() {
      offState();
      offAuth();
      clearInterval(keeping);
      asks = []; // the followers ask the next leader
    },
  };
}
