"""A per-connection token bucket."""
import time


class TokenBucket:
    """Holds up to `burst` tokens, refilled at `rate` per second; each frame takes one."""

    def __init__(self, burst, rate, clock=time.monotonic):
        self.burst = burst
        self.rate = rate
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def take(self):
        """Takes one token; False when the bucket is empty."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def retry_after_ms(self):
        """Milliseconds until the next token."""
        return max(1, int((1 - self.tokens) / self.rate * 1000) + 1)
