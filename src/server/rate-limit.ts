/** A token bucket: `burst` frames at once, refilled at `perSecond`. One per connection. */

/** A token bucket's size and refill rate. */
export interface RateLimit {
  /** Frames allowed at once. */
  burst: number;
  /** Frames added back per second. */
  perSecond: number;
}

/** One bucket; `take` spends a token or says how long until the next one. */
export interface TokenBucket {
  /** Spends one token: 0 when allowed, else the milliseconds until a token is available. */
  take(now?: number): number;
}

/** Creates a bucket, or one that always allows when the limit is off (`false`). */
export function createTokenBucket(limit: RateLimit | false): TokenBucket {
  if (!limit) return { take: () => 0 };
  let tokens = limit.burst;
  let last = Date.now();
  return {
    take(now = Date.now()) {
      tokens = Math.min(limit.burst, tokens + ((now - last) / 1000) * limit.perSecond);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - tokens) / limit.perSecond) * 1000);
    },
  };
}
