"""Login throttling (LOGIN_RATE_LIMIT), as in the Node reference server: a bounded number of failed
sign-ins per username and per client address within a window that starts at the first failure;
past it, 429 with Retry-After until the window ends. A success clears the username's failures.

An attempt reserves its failure before the password is checked, so a burst of parallel guesses
cannot all slip in while the first is still hashing; a success gives the reservation back. The
counters live in memory (bounded), or with REDIS_URL in Redis, so every node counts together.
"""
import hashlib
import ipaddress
import logging
import math
import re
import threading
import time
from collections import OrderedDict

logger = logging.getLogger("permsocket")

#: Most counters kept in memory per kind (usernames, addresses); the oldest window goes first.
MAX_TRACKED = 50_000
#: What LOGIN_RATE_LIMIT is when unset: 5 failures per username, 20 per address, per 60 s.
DEFAULT_LOGIN_RATE_LIMIT = (5, 20, 60.0)

_IPV4_MAPPED = re.compile(r"::ffff:(\d{1,3}(?:\.\d{1,3}){3})", re.IGNORECASE)


def user_key(username):
    """The counter key of a username: hashed, so a 16 KiB username costs no more than a short one."""
    return hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()


def address_key(address):
    """The counter key of a client address: an IPv4 address as is (also when IPv4-mapped), an IPv6
    address by its /64, the block one subscriber usually holds, so rotating through it gains nothing."""
    mapped = _IPV4_MAPPED.fullmatch(address)
    if mapped:
        return mapped.group(1)
    bare = address.split("%", 1)[0]
    try:
        parsed = ipaddress.ip_address(bare)
    except ValueError:
        return address[:64]
    if parsed.version == 4:
        return str(parsed)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def _wall_ms():
    return int(time.time() * 1000)


class _WindowCounters:
    """Failure counters for one kind of key. Every window has the same length, so insertion order
    is also the order in which windows end: expired ones are swept from the front, and when full
    the oldest is dropped."""

    def __init__(self, window_ms, max_entries):
        self.window_ms = window_ms
        self.max_entries = max_entries
        self.windows = OrderedDict()  # key -> [count, reset_at]

    def get(self, key, now):
        """The live window [count, reset_at] of `key` at `now`, or None; sweeps ended windows."""
        while self.windows:
            oldest, window = next(iter(self.windows.items()))
            if window[1] > now:
                break
            del self.windows[oldest]
        return self.windows.get(key)

    def add(self, key, now):
        """Counts one failure (get() must have been called at this `now`)."""
        window = self.windows.get(key)
        if window is not None:
            window[0] += 1
            return
        if len(self.windows) >= self.max_entries:
            self.windows.popitem(last=False)
        self.windows[key] = [1, now + self.window_ms]

    def remove(self, key):
        """Takes one failure back."""
        window = self.windows.get(key)
        if window is not None:
            window[0] -= 1
            if window[0] <= 0:
                del self.windows[key]

    def clear(self, key):
        """Forgets the key's window."""
        self.windows.pop(key, None)

    def __len__(self):
        return len(self.windows)


class MemoryLoginThrottle:
    """A throttle for one process. `limit` is (per username, per address, window seconds); `clock`
    gives unix milliseconds (tests inject one)."""

    def __init__(self, limit, clock=_wall_ms, max_tracked=MAX_TRACKED):
        self.per_user, self.per_address, window_s = limit
        self.clock = clock
        self.users = _WindowCounters(window_s * 1000, max_tracked)
        self.addresses = _WindowCounters(window_s * 1000, max_tracked)
        self.lock = threading.Lock()

    def attempt(self, username, address):
        """Reserves one failure; returns None when allowed, else the milliseconds to wait."""
        user, peer = user_key(username), address_key(address)
        with self.lock:
            now = self.clock()
            wait = 0
            user_window = self.users.get(user, now)
            peer_window = self.addresses.get(peer, now)
            if user_window is not None and user_window[0] >= self.per_user:
                wait = user_window[1] - now
            if peer_window is not None and peer_window[0] >= self.per_address:
                wait = max(wait, peer_window[1] - now)
            if wait > 0:
                return wait
            self.users.add(user, now)
            self.addresses.add(peer, now)
            return None

    def succeeded(self, username, address):
        """A successful sign-in: clears the username's failures, gives the address's reservation back."""
        with self.lock:
            self.users.clear(user_key(username))
            self.addresses.remove(address_key(address))

    def tracked(self):
        """How many counters are held (bounded by 2 * max_tracked)."""
        return len(self.users) + len(self.addresses)


# Both scripts take KEYS = [username key, address key]. A window is a hash {count, reset}; `reset`
# (unix ms, from the caller's clock) decides, the key's expiry only collects it afterwards. The
# same scripts as the Node server's; `now` and the window are whole milliseconds, and a wait is
# returned rounded up (Redis would truncate a fractional Lua number to an integer reply).
ATTEMPT_SCRIPT = """
local now = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local limits = { tonumber(ARGV[1]), tonumber(ARGV[2]) }
local counts = {}
local wait = 0
for i = 1, 2 do
  local state = redis.call('HMGET', KEYS[i], 'count', 'reset')
  local count = tonumber(state[1]) or 0
  local reset = tonumber(state[2]) or 0
  if reset <= now then count = 0 end
  counts[i] = count
  if count >= limits[i] then wait = math.max(wait, reset - now) end
end
if wait > 0 then return math.ceil(wait) end
for i = 1, 2 do
  if counts[i] == 0 then
    redis.call('HSET', KEYS[i], 'count', 1, 'reset', now + window)
    redis.call('PEXPIRE', KEYS[i], window)
  else
    redis.call('HINCRBY', KEYS[i], 'count', 1)
  end
end
return 0"""

SUCCEEDED_SCRIPT = """
redis.call('DEL', KEYS[1])
local count = tonumber(redis.call('HGET', KEYS[2], 'count')) or 0
if count > 1 then redis.call('HINCRBY', KEYS[2], 'count', -1) elseif count == 1 then redis.call('DEL', KEYS[2]) end
return 0"""

PREFIX = "permsocket:login:"


class RedisLoginThrottle:
    """A throttle shared by every node through Redis. When Redis cannot answer, this process counts
    in memory instead (and logs it): sign-in keeps working and stays throttled per process."""

    def __init__(self, url, limit, clock=_wall_ms):
        import redis

        self.errors = redis.RedisError
        self.per_user, self.per_address, window_s = limit
        self.window_ms = math.ceil(window_s * 1000)
        self.clock = clock
        self.fallback = MemoryLoginThrottle(limit, clock)
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.attempt_script = client.register_script(ATTEMPT_SCRIPT)
        self.succeeded_script = client.register_script(SUCCEEDED_SCRIPT)

    def _keys(self, username, address):
        return [f"{PREFIX}u:{user_key(username)}", f"{PREFIX}a:{address_key(address)}"]

    def attempt(self, username, address):
        """Reserves one failure; returns None when allowed, else the milliseconds to wait."""
        try:
            wait = int(self.attempt_script(self._keys(username, address), [self.per_user, self.per_address, self.clock(), self.window_ms]))
        except self.errors as error:
            logger.warning("login_throttle.redis_failed message=%s", error)
            return self.fallback.attempt(username, address)
        return wait if wait > 0 else None

    def succeeded(self, username, address):
        """A successful sign-in: clears the username's failures, gives the address's reservation back."""
        self.fallback.succeeded(username, address)
        try:
            self.succeeded_script(self._keys(username, address))
        except self.errors as error:
            logger.warning("login_throttle.redis_failed message=%s", error)


_throttle = None
_throttle_lock = threading.Lock()


def login_throttle():
    """The process's throttle from settings.PERMSOCKET (LOGIN_RATE_LIMIT, REDIS_URL), made on first
    use; None when LOGIN_RATE_LIMIT is off."""
    global _throttle
    from django.conf import settings

    config = settings.PERMSOCKET
    limit = config.get("LOGIN_RATE_LIMIT", DEFAULT_LOGIN_RATE_LIMIT)
    if limit is None:
        return None
    with _throttle_lock:
        if _throttle is None:
            url = config.get("REDIS_URL")
            _throttle = RedisLoginThrottle(url, limit) if url else MemoryLoginThrottle(limit)
        return _throttle
