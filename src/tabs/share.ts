/**
 * Sharing one client across the tabs of an origin (the `shareAcrossTabs` option): loaded only
 * when the option is on. Each tab keeps its own client; the tab holding the Web Lock leads, its
 * client opens the one real socket and calls getToken, and every other tab's client talks to it
 * through a {@link TabSocket}. A client that leads taps its socket with a {@link Hub}.
 * @packageDocumentation
 */
import type { Client } from '../api';
import type { Contract } from '../contract';
import { AuthError } from '../errors';
import { defaults, type ClientOptions, type TokenReason, type WebSocketConstructor } from '../options';
import { createHub, type Hub } from './hub';
import { channelName, randomId, type TabMessage } from './messages';
import { TabSocket } from './tab-socket';

/** What the client's getToken and WebSocket options call while it shares its connection. */
export interface TabShare {
  getToken_(context: { reason: TokenReason }): Promise<string>;
  socket_(url: string, protocols?: string | string[]): unknown;
}

/** The Web Locks API, as far as the tabs use it. */
interface Locks {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => unknown): Promise<unknown>;
}

/** Which part this tab plays: leads, follows, waits to be told (`candidate`), or none (closed). */
type Role = 'leader' | 'follower' | 'candidate' | 'out' | 'alone';

interface PendingAsk {
  reason_: TokenReason;
  /** For a refresh: the token this tab has, so that only a newer one answers. */
  not_: string | undefined;
  resolve_(token: string): void;
  reject_(error: unknown): void;
}

/** Starts sharing `client` (created with `options`) with the other tabs; see {@link TabShare}. */
export function shareTabs<C extends Contract>(options: ClientOptions<C>, client: Client<C>): TabShare {
  const { debug, shareAcrossTabs: setting } = options;
  // The module only loads with the option on: `true` (which has no name) or `{ name }`.
  const name = channelName((setting as { name?: string }).name || 'default');
  const locks = (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks;
  const real = (to: string, protocols?: string | string[]) => {
    const Socket = (options.WebSocket ?? globalThis.WebSocket) as WebSocketConstructor;
    return new Socket(to, protocols);
  };
  const alone = (reason: string): TabShare => {
    debug?.({ kind: 'tabs', role: 'alone', reason });
    return { getToken_: async (context) => options.getToken(context), socket_: real };
  };
  if (typeof locks?.request !== 'function' || typeof BroadcastChannel !== 'function') {
    return alone('Web Locks or BroadcastChannel are missing (is this a secure context?): this tab opens its own socket');
  }

  const me = randomId();
  const channel = new BroadcastChannel(name);
  // Node has BroadcastChannel too: a client there must not keep the process alive by it.
  (channel as { unref?: () => void }).unref?.();
  const post = (message: TabMessage) => channel.postMessage(message);
  const sockets = new Set<TabSocket>();
  const asks = new Map<string, PendingAsk>();
  const timeout = options.requestTimeout ?? defaults.requestTimeout;
  let role: Role = 'out';
  let decided: Promise<void> = Promise.resolve();
  let hub: Hub | null = null;
  let release: (() => void) | null = null;
  /** Takes this tab out of the line for the lock (aborted when its client closes). */
  let withdraw = new AbortController();
  /** The last token the leader gave this tab: a refresh asks for a newer one. */
  let given: string | undefined;

  const became = (next: 'leader' | 'follower') => {
    role = next;
    debug?.({ kind: 'tabs', role: next });
  };

  /**
   * The real getToken, under a second lock for the whole browser: a tab that just handed the lead
   * on may still be inside its call (a refresh cookie must never be presented twice at once). A
   * wait longer than the client's own timeout is given up, so waiting calls do not pile up.
   */
  function ownToken(context: { reason: TokenReason }): Promise<string> {
    const signal = typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(timeout) : undefined;
    return locks!.request(`${name}:token`, signal ? { signal } : {}, () => options.getToken(context)) as Promise<string>;
  }

  function lead(): Promise<void> | undefined {
    if (role === 'out') return undefined; // closed while it waited: hand the lock on at once
    became('leader');
    hub = createHub(me, client, { post_: post }, Math.max(1_000, (options.ping?.timeout ?? defaults.ping.timeout) / 2));
    post({ t: 'leader', leader: me });
    // Its client talked to the old leader: it reconnects, now on a real socket of its own.
    for (const socket of [...sockets]) socket.end_(1006, 'this tab leads now');
    // getToken calls this tab asked the old leader for: the real getToken answers them now.
    for (const [id, ask] of asks) {
      asks.delete(id);
      ownToken({ reason: ask.reason_ }).then(ask.resolve_, ask.reject_);
    }
    return new Promise((resolve) => (release = resolve));
  }

  /** Joins the election: leads at once when no tab holds the lock, else follows and waits in line. */
  function stand() {
    const controller = (withdraw = new AbortController());
    // Stryker disable next-line StringLiteral: equivalent: only 'out', 'alone' and 'leader' are ever compared, and any other value means waiting for the election
    role = 'candidate';
    decided = new Promise<void>((resolve) => {
      const led = () => {
        const held = lead();
        resolve();
        return held;
      };
      locks!
        .request(name, { ifAvailable: true }, (lock) => {
          if (lock) return led();
          became('follower');
          resolve();
          locks!.request(name, { signal: controller.signal }, led).catch(() => {});
          return undefined;
        })
        .catch(() => {
          const fallback = alone('the Web Lock could not be taken: this tab opens its own socket');
          Object.assign(share, fallback);
          role = 'alone';
          resolve();
        });
    });
  }

  /** The client closed: a leader hands its followers and the lock on, a follower leaves the line. */
  function resign() {
    if (role === 'alone') return;
    role = 'out';
    withdraw.abort();
    if (hub) {
      hub.closeAll_(1001, 'the leading tab closed its client');
      hub.stop_();
      hub = null;
    }
    release?.();
    release = null;
  }

  const question = (id: string, { reason_: reason, not_: not }: PendingAsk): TabMessage => ({ t: 'token', ask: id, reason, ...(not ? { not } : {}) });

  function ask(reason: TokenReason): Promise<string> {
    return new Promise((resolve, reject) => {
      const id = randomId();
      const pending: PendingAsk = { reason_: reason, not_: reason === 'refresh' ? given : undefined, resolve_: resolve, reject_: reject };
      asks.set(id, pending);
      post(question(id, pending));
      // The client gives up after its own timeout; so does the question.
      setTimeout(() => asks.delete(id), timeout + 1_000);
    });
  }

  channel.onmessage = (event: MessageEvent) => {
    const message = event.data as TabMessage | null;
    // Another script may post anything on this channel: null and undefined would throw below, and
    // any other value without one of our `t`s matches nothing there.
    if (!message) return;
    hub?.heard_(message);
    for (const socket of [...sockets]) socket.heard_(message);
    if (message.t === 'token-ok' || message.t === 'token-fail') {
      const pending = asks.get(message.ask);
      if (!pending) return;
      asks.delete(message.ask);
      if (message.t === 'token-ok') pending.resolve_((given = message.token));
      else pending.reject_(new AuthError(message.message, { code: message.code, cause: message.cause }));
    } else if (message.t === 'leader') {
      for (const [id, pending] of asks) post(question(id, pending));
    } else if (message.t === 'up' && client.state === 'unauthenticated') {
      client.connect();
    }
  };

  client.on('state', (state) => {
    if (state === 'closed') resign();
    else if (role === 'out') stand();
  });
  if (client.state !== 'closed') stand();

  const share: TabShare = {
    async getToken_(context) {
      await decided;
      if (role === 'alone') return options.getToken(context);
      return role === 'leader' ? ownToken(context) : ask(context.reason);
    },
    // A tab that fell back to its own socket has its socket_ replaced by `alone`'s (see stand()).
    socket_(to, protocols) {
      // The hub is there exactly while this tab leads.
      if (hub) {
        const socket = real(to, protocols) as Parameters<Hub['tap_']>[0];
        hub.tap_(socket);
        return socket;
      }
      const socket = new TabSocket(to, protocols, { post_: post }, (closed) => sockets.delete(closed));
      sockets.add(socket);
      return socket;
    },
  };
  return share;
}
