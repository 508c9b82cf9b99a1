/**
 * Reconnection policy: what each close code means for the client, decided in one function, and
 * the backoff delay with full jitter.
 * @packageDocumentation
 */
import type { CloseCode } from './protocol';

/** What the client does after a socket closed (a close the client itself asked for aside). */
export type CloseDecision =
  /** Reconnect after a backoff delay; `rateLimited` waits at least the longer rate-limit delay. */
  | { action: 'reconnect'; rateLimited: boolean }
  /** The token was refused: fetch a fresh one (reason `rejected`) and reconnect, once. */
  | { action: 'reauthenticate' }
  /** Stop for good, in this terminal state. */
  | { action: 'stop'; state: 'closed' | 'forbidden' };

// The codes are literals checked against CloseCode (`satisfies`), so the table stays out of the bundle.
/**
 * Decides what a close code means, per the protocol's table. Codes the protocol does not name
 * (1002, 1005, 1008, other 4xxx, ...) reconnect with backoff: retrying slowly is safer than
 * giving up on an unknown condition, and backoff rules out a hot loop.
 */
export function decideOnClose(code: number): CloseDecision {
  switch (code) {
    case (1003 satisfies typeof CloseCode.UnsupportedData):
    case (1009 satisfies typeof CloseCode.MessageTooBig):
    case (4400 satisfies typeof CloseCode.BadRequest):
    case (4406 satisfies typeof CloseCode.UnsupportedProtocol):
      return { action: 'stop', state: 'closed' };
    case (4403 satisfies typeof CloseCode.Forbidden):
      return { action: 'stop', state: 'forbidden' };
    case (4401 satisfies typeof CloseCode.Unauthenticated):
      return { action: 'reauthenticate' };
    case (4429 satisfies typeof CloseCode.RateLimited):
      return { action: 'reconnect', rateLimited: true };
    default:
      return { action: 'reconnect', rateLimited: false };
  }
}

/** The backoff settings {@link backoffDelay} reads. */
export interface Backoff {
  minDelay: number;
  maxDelay: number;
  factor: number;
  jitter: boolean;
}

/**
 * The wait before reconnect attempt `attempt` (0 for the first): a uniform random delay in
 * [minDelay, min(maxDelay, minDelay * factor^(attempt+1))]. Without jitter it is the window's
 * upper bound, the same for every client.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const upper = Math.max(backoff.minDelay, Math.min(backoff.maxDelay, backoff.minDelay * backoff.factor ** (attempt + 1)));
  if (!backoff.jitter) return upper;
  return backoff.minDelay + random() * (upper - backoff.minDelay);
}
