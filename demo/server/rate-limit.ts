/** A token bucket: `burst` frames at once, refilled at `perSecond`. One per connection. */
import type { RateLimit } from './config';

/** One bucket; `take` spends a token or says how long until the next one. */
export interface TokenBucket {
  /** Spends one token: 0 when allowed, else the milliseconds until a token is available. */
  take(now?: number): number;
}

/** Creates a bucket, or one that always allows when the limit is off. */
export function createTokenBucket(limit: RateLimit | null): TokenBucket {
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
