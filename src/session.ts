/**
 * The session: which token signs in the next socket, what an `auth.ok` means, when and how the
 * token is refreshed on the open socket, and when another user signed in. It never touches the
 * socket: it returns decisions, and the client carries them out.
 * @packageDocumentation
 */
import { AuthError, asAuthError, asPermsocketError, isAuthError, type PermsocketError } from './errors';
import type { TokenReason } from './options';
import type { AuthFrame, AuthOkFrame, AuthRefreshFrame, UserInfo } from './protocol';
import { backoffDelay, type Backoff } from './reconnect';
import { createTokenManager, isNewerToken, type TokenInfo } from './token';

/** What to do about a refresh that came due. */
export type RefreshDecision =
  /** Send this frame on the open socket. */
  | { do: 'send'; frame: AuthRefreshFrame }
  /** getToken returned another user's token: start over on a new socket as that user. */
  | { do: 'switch-user' }
  /** getToken said the user is signed out. */
  | { do: 'stop'; error: AuthError }
  /** Nothing to send now; it tries again later (`error` says why, when something failed). */
  | { do: 'wait'; error?: PermsocketError };

// The client acts on send, stop and switch-user; whatever else it gets is a wait.
// Stryker disable next-line ObjectLiteral,StringLiteral: equivalent, as said above
const WAIT: RefreshDecision = { do: 'wait' };

/** What an `auth.ok` means. */
export type AuthOkMeaning = 'signed-in' | 'refreshed' | 'ignored';

/** The session {@link createSession} returns. */
export interface Session {
  /** The signed-in user from the last `auth.ok`, or null. */
  readonly user_: UserInfo | null;
  /** Local time (ms) at which the current token expires, or null when not signed in. */
  readonly expiresAt_: number | null;
  /** Fetches the token for the next socket (reason `connect`, or `rejected` after a 4401). */
  prepare_(): Promise<void>;
  /** The first frame for a socket that just opened, or undefined when no token is prepared. */
  authFrame_(): AuthFrame | undefined;
  /** Takes in an `auth.ok`: a new session on this socket, the answer to `auth.refresh`, or stale. */
  accept_(frame: AuthOkFrame): AuthOkMeaning;
  /** Gets a newer token for the open socket and says what to do with it. */
  refresh_(): Promise<RefreshDecision>;
  /** A 4401: true to try once more with a fresh token, false when it is the second in a row. */
  rejected_(): boolean;
  /** Checks the expiry at once (timers drift while a device sleeps). */
  check_(): void;
  /** The socket is gone: the refresh timer stops, the expiry is kept for the next socket. */
  lost_(): void;
  /** Another user is signing in: the old one is forgotten at once. */
  forgetUser_(): void;
  /** The client stopped: forget the user, the tokens and every call still running. */
  end_(): void;
}

/** Creates the session; `refreshDue` is called when the token should be refreshed. */
export function createSession(options: {
  getToken: (context: { reason: TokenReason }) => string | Promise<string>;
  timeout: number;
  refreshSkew: number;
  retry: Backoff;
  refreshDue_(): void;
}): Session {
  const tokens = createTokenManager({ ...options, onRefreshDue_: options.refreshDue_ });
  let user: UserInfo | null = null;
  let current: TokenInfo | null = null;
  let prepared: TokenInfo | null = null;
  let sentAuth: TokenInfo | null = null;
  let sentRefresh: TokenInfo | null = null;
  // A 4401 since the last auth.ok: a second one in a row means the user cannot sign in.
  let rejectedOnce = false;
  let refreshFailures = 0;

  const retryLater = (error?: PermsocketError): RefreshDecision => {
    tokens.retryIn_(backoffDelay(refreshFailures++, options.retry));
    // Stryker disable next-line StringLiteral: equivalent, as said at WAIT
    return error ? { do: 'wait', error } : WAIT;
  };

  return {
    get user_() {
      return user;
    },
    get expiresAt_() {
      return tokens.expiresAt_;
    },
    // A token fetched for a run that ended meanwhile is overwritten by the next run's own.
    async prepare_() {
      prepared = await tokens.fetch_(rejectedOnce ? 'rejected' : 'connect');
    },
    authFrame_() {
      sentAuth = prepared;
      prepared = null;
      return sentAuth ? { type: 'auth', token: sentAuth.token } : undefined;
    },
    accept_(frame) {
      // Same user, same object: a silent refresh must not re-render everything that shows the user.
      if (user?.id !== frame.user.id || user.name !== frame.user.name) user = frame.user;
      const token = sentAuth ?? sentRefresh;
      // Stryker disable next-line StringLiteral: equivalent: the client acts on signed-in and refreshed only
      if (!token) return 'ignored';
      const meaning = sentAuth ? 'signed-in' : 'refreshed';
      current = token;
      sentAuth = sentRefresh = null;
      rejectedOnce = false;
      refreshFailures = 0;
      tokens.schedule_(token, frame.exp, frame.now);
      return meaning;
    },
    // `current` changes with a new auth.ok, another user or end(): an answer for an older one is dropped.
    async refresh_() {
      const session = current;
      // Stryker disable next-line ConditionalExpression: equivalent: the client asks only while ready, and a ready client has a session
      if (!session) return WAIT;
      try {
        const next = await tokens.fetch_('refresh');
        if (session !== current) return WAIT;
        if (next.subject_ !== undefined && session.subject_ !== undefined && next.subject_ !== session.subject_) return { do: 'switch-user' };
        if (!isNewerToken(session, next)) return retryLater();
        sentRefresh = next;
        return { do: 'send', frame: { type: 'auth.refresh', token: next.token } };
      } catch (error) {
        if (session !== current) return WAIT;
        if (isAuthError(error)) return { do: 'stop', error: asAuthError(error) };
        return retryLater(asPermsocketError(error, 'could not refresh the token'));
      }
    },
    rejected_() {
      if (rejectedOnce) return false;
      rejectedOnce = true;
      return true;
    },
    check_: tokens.check_,
    // Stryker disable next-line BlockStatement: equivalent to the client: a refresh due while reconnecting finds it not ready, and the next socket's auth frame replaces both tokens sent
    lost_() {
      tokens.pause_();
      sentAuth = sentRefresh = null;
    },
    forgetUser_() {
      user = null;
      current = null;
    },
    end_() {
      tokens.stop_();
      user = current = prepared = sentAuth = sentRefresh = null;
      rejectedOnce = false;
      refreshFailures = 0;
    },
  };
}
