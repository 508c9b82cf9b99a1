/**
 * What the tabs of one shared client say to each other over their BroadcastChannel. Every tab
 * hears every message; `to` names the virtual sockets a message is for.
 * @packageDocumentation
 */
import type { TokenReason } from '../options';

/** A message between the tabs. */
export type TabMessage =
  /** A tab took the lead (it holds the Web Lock): sockets of any other leader are gone. */
  | { t: 'leader'; leader: string }
  /** A follower opens a virtual socket to the leader. */
  | { t: 'open'; socket: string }
  /** The leader accepted a virtual socket. */
  | { t: 'opened'; socket: string; leader: string }
  /** A client frame from a follower's socket, as its client wrote it. */
  | { t: 'send'; socket: string; data: string }
  /** A follower closed its socket. */
  | { t: 'bye'; socket: string }
  /** Server frames (or the leader's own answers) for these sockets. */
  | { t: 'frame'; to: string[]; data: string }
  /** The leader closed these sockets, with the close code their clients act on. */
  | { t: 'close'; to: string[]; code: number; reason: string }
  /** A follower's getToken: it asks for the leader's token (`not`: one newer than this). */
  | { t: 'token'; ask: string; reason: TokenReason; not?: string }
  /** The answer: the token, or why there is none (the session ended: an AuthError there too). */
  | { t: 'token-ok'; ask: string; token: string }
  | { t: 'token-fail'; ask: string; message: string; code: 'unauthenticated' | 'forbidden'; cause?: unknown }
  /** The leader signed in again after being signed out: signed-out followers connect too. */
  | { t: 'up' };

/** The channel and the Web Lock of a shared client; the version keeps other SDK versions apart. */
export const channelName = (name: string) => `permsocket:tabs:1:${name}`;

/** A short random id for a tab or a virtual socket. */
// Stryker disable next-line MethodExpression: equivalent: without slice the ids only gain a leading "0." and a few characters, and stay unique
export const randomId = () => Math.random().toString(36).slice(2, 10);

/** The part of BroadcastChannel the tabs use. */
export interface TabChannel {
  post_(message: TabMessage): void;
}
