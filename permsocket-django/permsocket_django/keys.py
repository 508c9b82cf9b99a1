"""Request keys (PROTOCOL.md, "Request keys"): a `req` may carry `key`, kept the same when the
client re-sends it on a new connection. A repeated key of the same user gets the first answer
without running the handler again; a repeat while the first run is going gets that run's answer.

Two windows hold the answers:

- `MemoryKeyWindow`, for one process: an answer is kept REQUEST_KEY_TTL seconds after it is known,
  at most REQUEST_KEYS_PER_USER per user (the oldest goes first) and MAX_KEYS in all. A repeat of a
  running key awaits the same future.
- `RedisKeyWindow`, shared by every process through Redis (PERMSOCKET["REDIS_URL"], or the URL of
  a channels_redis layer): a run claims its key with a lease that it renews while it runs, so a
  repeat in another process polls for the answer, and runs the request itself only when the
  process that had it died (its lease ran out).

Neither survives the loss of everything: where the effect is durable, the handler stores
`ctx.key` with it in the same transaction (see RequestContext) and answers a repeat from there.
"""
import asyncio
import json
import logging
import time
import uuid
from collections import OrderedDict

from .frames import describe, js_length

logger = logging.getLogger("permsocket")

#: The longest key, in UTF-16 code units as JavaScript counts them (the same bound as request ids).
MAX_KEY_LENGTH = 64
#: Answers kept by one process's window, all users together; the oldest goes first.
MAX_KEYS = 100_000
#: A shared run holds its key this long without renewing it; it renews every third of that.
LEASE_SECONDS = 10.0
#: How often a repeat in another process looks for the answer of a running key.
POLL_SECONDS = 0.05
#: How long such a repeat waits at most (a client gave up long before): then it answers
#: `internal`, not kept, and the next repeat looks again.
WAIT_SECONDS = 60.0


def key_error(frame):
    """Why the frame's `key` cannot be used (a message for a `bad_request` answer), or None when
    it is absent or a string of 1-64 characters."""
    if "key" not in frame:
        return None
    key = frame["key"]
    if isinstance(key, str) and 1 <= js_length(key) <= MAX_KEY_LENGTH:
        return None
    got = f"a string of {js_length(key)} characters" if isinstance(key, str) else describe(key)
    return f"\"req\" expects 'key' to be a string of 1-{MAX_KEY_LENGTH} characters, got {got}"


#: Error codes a repeat runs again for: the condition passes (as in the Node engine).
TRANSIENT_CODES = frozenset({"internal", "rate_limited"})


class Unkept(dict):
    """A `res` body that is sent, also to repeats waiting for this run, but not kept for later
    ones: a refusal before the method ran (`unknown_action`, `bad_request`, `permission_denied`:
    a repeat is checked again on fresh grants), or the answer of a method that stored the key with
    its effect itself (`ctx.key_handled()`)."""


def remembered(answer):
    """Whether an answer is kept for repeats: the method's result and its ActionErrors, except
    the transient `internal` (an unexpected exception rolled its transaction back) and
    `rate_limited`; never an Unkept one or None (no answer)."""
    if answer is None or isinstance(answer, Unkept):
        return False
    return answer.get("ok") is not False or answer.get("error", {}).get("code") not in TRANSIENT_CODES


#: The answer to a run that raised an unexpected exception (not kept).
INTERNAL = {"ok": False, "error": {"code": "internal", "message": "internal server error"}}


class _Entry:
    __slots__ = ("future", "done_at")

    def __init__(self, future):
        self.future = future
        self.done_at = None


class MemoryKeyWindow:
    """The answers of one process's keyed requests.

    `ttl` seconds an answer is kept once known (at least 600 by the protocol), `per_user` answers
    per user at most, `max_keys` in all; `clock` gives monotonic seconds (tests inject one)."""

    def __init__(self, ttl=600.0, per_user=1000, max_keys=MAX_KEYS, clock=time.monotonic):
        self.ttl = ttl
        self.per_user = per_user
        self.max_keys = max_keys
        self.clock = clock
        self.entries = OrderedDict()  # (user, key) -> _Entry, oldest first
        self.by_user = {}  # user -> OrderedDict of its keys, oldest first

    async def run(self, user_id, key, compute):
        """The answer of `compute()` (a coroutine function returning a `res` body such as
        {"ok": True, "data": ...}, or None for no answer) for this user's key: computed once,
        then repeated (None is not kept); a repeat while it runs awaits the same future.

        The run is the first caller's, inline (no task of its own, so no extra trip through the
        event loop per request): cancelling that caller ends the run and its waiters get None.
        The consumer therefore does not cancel a keyed request when its socket closes, and the
        re-send on the next connection gets the answer."""
        self._sweep()
        slot = (str(user_id), key)
        entry = self.entries.get(slot)
        if entry is not None:
            return await asyncio.shield(entry.future)
        entry = _Entry(asyncio.get_running_loop().create_future())
        self._add(slot, entry)
        answer = None
        try:
            answer = await compute()
        except Exception:
            logger.exception("a keyed request failed")
            answer = INTERNAL
        finally:
            self._finished(slot, entry, answer)
        return answer

    def _finished(self, slot, entry, answer):
        if not remembered(answer):
            # Waiters get this run's answer; the next repeat runs again.
            self._remove(slot, entry)
        else:
            entry.done_at = self.clock()
        # None (no answer: the run closed its connection, or was cancelled) reaches waiters as
        # None: they send nothing, and are not cancelled as if their own connection had gone.
        entry.future.set_result(answer)

    def _add(self, slot, entry):
        user, _ = slot
        keys = self.by_user.setdefault(user, OrderedDict())
        self.entries[slot] = entry
        keys[slot] = None
        while len(keys) > self.per_user:
            self._remove(next(iter(keys)))
        while len(self.entries) > self.max_keys:
            self._remove(next(iter(self.entries)))

    def _remove(self, slot, entry=None):
        if entry is not None and self.entries.get(slot) is not entry:
            return
        self.entries.pop(slot, None)
        keys = self.by_user.get(slot[0])
        if keys is not None:
            keys.pop(slot, None)
            if not keys:
                del self.by_user[slot[0]]

    def _sweep(self):
        """Drops expired answers from the front (the oldest claims); a running one stops the sweep."""
        now = self.clock()
        while self.entries:
            slot, entry = next(iter(self.entries.items()))
            if entry.done_at is None or entry.done_at + self.ttl > now:
                break
            self._remove(slot)

    def __len__(self):
        return len(self.entries)


# Per user, a hash of key -> state and a sorted set of key -> time, both under one hash tag so a
# cluster keeps them on one node. A state is "r<lease end, unix ms>:<owner>" while running and
# "d<answer JSON>" once answered. Times come from the caller's clock (tests inject one); Redis
# expiry only collects what the script would drop anyway.
# ARGV: key, now, ttl, the claimer's running state, its lease end, the per-user bound.
CLAIM_SCRIPT = """
local now = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
for _, field in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - ttl)) do
  local state = redis.call('HGET', KEYS[1], field)
  if not state or string.sub(state, 1, 1) == 'd' then
    redis.call('HDEL', KEYS[1], field)
    redis.call('ZREM', KEYS[2], field)
  end
end
local state = redis.call('HGET', KEYS[1], ARGV[1])
if state and (string.sub(state, 1, 1) == 'd' or tonumber(string.match(state, '^r(%d+)')) > now) then
  return state
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('ZADD', KEYS[2], now, ARGV[1])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[6])
if extra > 0 then
  for _, field in ipairs(redis.call('ZRANGE', KEYS[2], 0, extra - 1)) do
    redis.call('HDEL', KEYS[1], field)
    redis.call('ZREM', KEYS[2], field)
  end
end
local keep = ttl + tonumber(ARGV[5]) - now
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
return false"""

# ARGV: key, the owner's running state, the new state ("" forgets the key), now, expiry ms. Only
# the owner writes (its state still there): a run whose lease ran out while it hung must not
# overwrite the run that took the key over.
SETTLE_SCRIPT = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[2], tonumber(ARGV[4]), ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[5]) then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]))
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]))
end
return 1"""

#: The Redis keys' prefix: permsocket:keys:{<user id>}:answers and :order.
PREFIX = "permsocket:keys:"


def _wall_ms():
    return int(time.time() * 1000)


class _Claim:
    """A run's hold on its key: the running state it wrote last, whether it ended."""

    __slots__ = ("state", "ended", "lock")

    def __init__(self, state):
        self.state = state
        self.ended = False
        self.lock = asyncio.Lock()


class RedisKeyWindow:
    """The answers of keyed requests, shared by every process through Redis.

    `ttl` and `per_user` as for MemoryKeyWindow; `clock` gives unix milliseconds and `sleep`
    waits between polls and lease renewals (tests inject both); `lease`, `poll` and `wait` are
    seconds (LEASE_SECONDS, POLL_SECONDS, WAIT_SECONDS). When Redis cannot answer, this
    process's MemoryKeyWindow is used instead (and it is logged)."""

    def __init__(self, url, ttl=600.0, per_user=1000, clock=_wall_ms, sleep=asyncio.sleep, lease=LEASE_SECONDS, poll=POLL_SECONDS, wait=WAIT_SECONDS):
        import redis
        import redis.asyncio

        self.errors = (redis.RedisError, OSError)
        self.ttl_ms = int(ttl * 1000)
        self.per_user = per_user
        self.clock = clock
        self.sleep = sleep
        self.lease_ms = int(lease * 1000)
        self.poll = poll
        self.wait_ms = int(wait * 1000)
        self.fallback = MemoryKeyWindow(ttl, per_user)
        self.quiet_until = 0.0
        self.client = redis.asyncio.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.claim_script = self.client.register_script(CLAIM_SCRIPT)
        self.settle_script = self.client.register_script(SETTLE_SCRIPT)

    @staticmethod
    def names(user_id):
        """The Redis keys of one user's answers and of their order."""
        tag = f"{PREFIX}{{{user_id}}}"
        return [f"{tag}:answers", f"{tag}:order"]

    def _running(self):
        end = self.clock() + self.lease_ms
        return f"r{end}:{uuid.uuid4().hex}", end

    async def run(self, user_id, key, compute):
        """As MemoryKeyWindow.run, across processes: the first claim runs `compute`, a repeat
        polls until the answer is there, or claims the key when its owner's lease ran out."""
        # Detached from the awaiting request, which goes when its connection drops: the run goes
        # on for the re-send, and no Redis command is cancelled halfway (redis-py 4.3 can then
        # misread the next reply on that connection).
        return await asyncio.shield(asyncio.ensure_future(self._run(user_id, key, compute)))

    async def _run(self, user_id, key, compute):
        names = self.names(str(user_id))
        give_up = self.clock() + self.wait_ms
        while True:
            state, end = self._running()
            try:
                found = await self.claim_script(names, [key, self.clock(), self.ttl_ms, state, end, self.per_user])
            except self.errors as error:
                self._warn(error)
                return await self.fallback.run(user_id, key, compute)
            if found is None:
                return await self._own(names, key, state, compute)
            found = found.decode("utf-8", "surrogatepass")
            if found.startswith("d"):
                return json.loads(found[1:])
            if self.clock() >= give_up:
                logger.warning("request_keys.wait_timeout the first run of a key is still going after %.0f s", self.wait_ms / 1000)
                return Unkept({"ok": False, "error": {"code": "internal", "message": "the first run of this request is still going"}})
            await self.sleep(self.poll)

    async def _own(self, names, key, state, compute):
        claim = _Claim(state)
        task = asyncio.ensure_future(compute())
        renewer = asyncio.ensure_future(self._renew(names, key, claim, task))
        try:
            answer = await task
        except Exception:
            logger.exception("a keyed request failed")
            answer = INTERNAL
        except asyncio.CancelledError:
            answer = None
        if not claim.lock.locked():
            # Waiting, not in a Redis command: safe to stop (and no sleeping task per request).
            renewer.cancel()
        new = "d" + json.dumps(answer, separators=(",", ":")) if remembered(answer) else ""
        async with claim.lock:
            claim.ended = True
            try:
                await self.settle_script(names, [key, claim.state, new, self.clock(), self.ttl_ms])
            except self.errors as error:
                self._warn(error)
        return answer

    async def _renew(self, names, key, claim, task):
        """Moves the lease on every third of it while the run goes. Cancelled only between
        commands (see run); the lock keeps a renewal from landing after the answer."""
        while not task.done():
            await self.sleep(self.lease_ms / 3000)
            async with claim.lock:
                if claim.ended:
                    return
                fresh, _ = self._running()
                try:
                    if not await self.settle_script(names, [key, claim.state, fresh, self.clock(), self.ttl_ms + self.lease_ms]):
                        return
                    claim.state = fresh
                except self.errors as error:
                    self._warn(error)

    def _warn(self, error):
        # Once a minute at most: with Redis down every keyed request would log it.
        now = time.monotonic()
        if now >= self.quiet_until:
            self.quiet_until = now + 60
            logger.warning("request_keys.redis_failed message=%s", error)

    async def close(self):
        """Closes the Redis connections (redis-py 4.3's close() leaves the pool's open)."""
        await self.client.close()
        await self.client.connection_pool.disconnect()


_windows = {}


def window():
    """This process's key window from the settings (PERMSOCKET["REQUEST_KEY_TTL"],
    ["REQUEST_KEYS_PER_USER"], ["REQUEST_KEYS_STORE"], ["REDIS_URL"]), made on first use in the
    running event loop (futures and Redis connections belong to one loop)."""
    from . import conf

    loop = asyncio.get_running_loop()
    made = _windows.get("current")
    if made is not None and made[0] is loop:
        return made[1]
    settings = conf.request_keys()
    if settings.store == "redis":
        made = RedisKeyWindow(settings.redis_url, settings.ttl, settings.per_user)
    else:
        made = MemoryKeyWindow(settings.ttl, settings.per_user)
    _windows["current"] = (loop, made)
    return made
