"""The request-key windows on an injected clock: in one process (MemoryKeyWindow) and, when
redis-server is installed, shared through a private Redis (RedisKeyWindow): a repeat gets the
first answer without a second run, a repeat while running gets that run's answer, users never
share keys, and answers are kept for the TTL and up to the count per user."""
import asyncio
import shutil
import unittest

from permsocket_django.keys import MemoryKeyWindow, RedisKeyWindow, Unkept, key_error

from tests.redis_process import RedisProcess


class Clock:
    """Unix milliseconds that move only when a test says so."""

    def __init__(self, start=1_800_000_000_000):
        self.now = start

    def __call__(self):
        return self.now


class Handler:
    """A compute function that counts its runs and can be held until released."""

    def __init__(self, answer=None):
        self.runs = 0
        self.gate = None
        self.answer = answer

    def hold(self):
        self.gate = asyncio.Event()

    def release(self):
        self.gate.set()

    def __call__(self):
        async def compute():
            self.runs += 1
            if self.gate is not None:
                await self.gate.wait()
            return self.answer or {"ok": True, "data": {"run": self.runs}}

        return compute()


class WindowCases:
    """The cases both windows must pass; `make(clock, ttl, per_user)` builds one and `settled()`
    lets every ready task go as far as it can."""

    async def asyncSetUp(self):
        self.clock = Clock()
        self.window = self.make(self.clock)

    async def settled(self):
        for _ in range(20):
            await asyncio.sleep(0)

    async def test_answers_a_repeated_key_with_the_first_answer_without_running_again(self):
        handler = Handler()
        first = await self.window.run("u1", "k1", handler)
        second = await self.window.run("u1", "k1", handler)
        self.assertEqual(first, {"ok": True, "data": {"run": 1}})
        self.assertEqual(second, first)
        self.assertEqual(handler.runs, 1)

    async def test_gives_a_repeat_while_running_that_runs_answer(self):
        handler = Handler()
        handler.hold()
        first = asyncio.ensure_future(self.window.run("u1", "k-running", handler))
        await self.settled()
        second = asyncio.ensure_future(self.window.run("u1", "k-running", handler))
        await self.settled()
        self.assertFalse(second.done())
        handler.release()
        self.assertEqual(await first, await second)
        self.assertEqual(handler.runs, 1)

    async def test_keeps_the_keys_of_different_users_apart(self):
        handler = Handler()
        await self.window.run("u1", "same", handler)
        other = await self.window.run("u2", "same", handler)
        self.assertEqual(other, {"ok": True, "data": {"run": 2}})
        self.assertEqual(handler.runs, 2)

    async def test_keeps_an_answer_for_the_ttl_and_runs_again_after_it(self):
        handler = Handler()
        await self.window.run("u1", "k-ttl", handler)
        self.clock.now += 599_000
        self.assertEqual((await self.window.run("u1", "k-ttl", handler))["data"], {"run": 1})
        self.clock.now += 1_001
        self.assertEqual((await self.window.run("u1", "k-ttl", handler))["data"], {"run": 2})

    async def test_keeps_at_most_the_count_per_user_forgetting_the_oldest_first(self):
        window = self.make(self.clock, per_user=3)
        handler = Handler()
        for key in ("a", "b", "c", "d"):
            await window.run("u-bound", key, handler)
            self.clock.now += 1
        self.assertEqual(handler.runs, 4)
        for key in ("b", "c", "d"):
            await window.run("u-bound", key, handler)
        self.assertEqual(handler.runs, 4)
        await window.run("u-bound", "a", handler)
        self.assertEqual(handler.runs, 5)
        # Another user's keys are not counted against this one's.
        await window.run("u-other", "z", handler)
        await window.run("u-bound", "d", handler)
        self.assertEqual(handler.runs, 6)

    async def test_remembers_an_action_error_but_runs_again_after_an_unexpected_failure(self):
        refused = Handler({"ok": False, "error": {"code": "not_found", "message": "no such room"}})
        await self.window.run("u1", "k-refused", refused)
        self.assertEqual((await self.window.run("u1", "k-refused", refused))["error"]["code"], "not_found")
        self.assertEqual(refused.runs, 1)

        failures = []

        def crashing():
            async def compute():
                failures.append(1)
                if len(failures) == 1:
                    raise RuntimeError("database went away")
                return {"ok": True, "data": {"run": len(failures)}}

            return compute()

        with self.assertLogs("permsocket", "ERROR"):
            first = await self.window.run("u1", "k-crash", crashing)
        self.assertEqual(first["error"]["code"], "internal")
        self.assertEqual(await self.window.run("u1", "k-crash", crashing), {"ok": True, "data": {"run": 2}})


    async def test_gives_an_unkept_or_rate_limited_answer_to_its_caller_but_runs_a_later_repeat_again(self):
        for answer in (Unkept({"ok": False, "error": {"code": "permission_denied", "message": "no"}}),
                       Unkept({"ok": True, "data": {"stored": "by the method"}}),
                       {"ok": False, "error": {"code": "rate_limited", "message": "later"}}):
            handler = Handler(answer)
            self.assertEqual(await self.window.run("u1", f"k-{answer}", handler), answer)
            await self.window.run("u1", f"k-{answer}", handler)
            self.assertEqual(handler.runs, 2, answer)

    async def test_keeps_nothing_for_a_run_that_closed_its_connection_instead_of_answering(self):
        runs = []

        def closing():
            async def compute():
                runs.append(1)
                return None

            return compute()

        self.assertIsNone(await self.window.run("u1", "k-none", closing))
        self.assertIsNone(await self.window.run("u1", "k-none", closing))
        self.assertEqual(len(runs), 2)


class MemoryWindowTest(WindowCases, unittest.IsolatedAsyncioTestCase):
    def make(self, clock, ttl=600, per_user=1000):
        return MemoryKeyWindow(ttl, per_user, clock=lambda: clock() / 1000)

    async def test_keeps_at_most_max_keys_in_all(self):
        window = MemoryKeyWindow(600, 10, max_keys=50, clock=lambda: self.clock() / 1000)
        handler = Handler()
        for user in range(20):
            for key in range(5):
                await window.run(f"u{user}", f"k{key}", handler)
        self.assertEqual(len(window), 50)
        self.assertEqual(len(window.by_user), 10)

    async def test_ends_a_run_with_its_caller_and_gives_waiters_no_answer_and_keeps_nothing(self):
        handler = Handler()
        handler.hold()
        first = asyncio.ensure_future(self.window.run("u1", "k-cancelled", handler))
        await self.settled()
        waiting = asyncio.ensure_future(self.window.run("u1", "k-cancelled", handler))
        await self.settled()
        first.cancel()
        self.assertIsNone(await waiting)
        self.assertTrue(first.cancelled())
        handler.gate = None
        self.assertEqual(await self.window.run("u1", "k-cancelled", handler), {"ok": True, "data": {"run": 2}})

    async def test_sweeps_expired_answers(self):
        handler = Handler()
        for key in range(30):
            await self.window.run("u1", f"k{key}", handler)
        self.clock.now += 600_000
        await self.window.run("u2", "late", handler)
        self.assertEqual(len(self.window), 1)


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed (apt-get install -y redis-server)")
class RedisWindowTest(WindowCases, unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisProcess()

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()

    async def asyncSetUp(self):
        self.redis.flush()
        self.windows = []
        await super().asyncSetUp()

    async def asyncTearDown(self):
        # Renewals and settles still under way finish before their connections close.
        await self.settled()
        for window in self.windows:
            await window.close()

    async def settled(self):
        # Each round trip to Redis lets the other coroutines' Redis calls come back too.
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(self.redis.url)
        for _ in range(10):
            await client.ping()
            await asyncio.sleep(0)
        await client.close()

    def make(self, clock, ttl=600, per_user=1000, sleep=None):
        async def poll(seconds):
            await asyncio.sleep(0)

        window = RedisKeyWindow(self.redis.url, ttl, per_user, clock=clock, sleep=sleep or poll)
        self.windows.append(window)
        return window

    async def test_finishes_a_run_whose_first_caller_went_away_and_gives_its_answer_to_the_repeat(self):
        handler = Handler()
        handler.hold()
        first = asyncio.ensure_future(self.window.run("u1", "k-dropped", handler))
        await self.settled()
        first.cancel()
        await self.settled()
        repeat = asyncio.ensure_future(self.window.run("u1", "k-dropped", handler))
        handler.release()
        self.assertEqual(await repeat, {"ok": True, "data": {"run": 1}})
        self.assertEqual(handler.runs, 1)

    async def test_answers_a_repeat_in_another_process_from_redis(self):
        handler = Handler()
        other = self.make(self.clock)
        first = await self.window.run(7, "k-shared", handler)
        self.assertEqual(await other.run(7, "k-shared", handler), first)
        self.assertEqual(handler.runs, 1)

    async def test_a_repeat_in_another_process_waits_for_the_running_one(self):
        handler = Handler()
        handler.hold()
        other = self.make(self.clock)
        first = asyncio.ensure_future(self.window.run(7, "k-wait", handler))
        await self.settled()
        second = asyncio.ensure_future(other.run(7, "k-wait", handler))
        await self.settled()
        self.assertFalse(second.done())
        handler.release()
        self.assertEqual(await first, await second)
        self.assertEqual(handler.runs, 1)

    async def test_takes_over_a_key_whose_owner_died_once_its_lease_ran_out(self):
        forever = asyncio.Event()

        async def dead(seconds):
            # The owner's process is gone: it never renews its lease.
            await forever.wait()

        owner = self.make(self.clock, sleep=dead)
        hung = Handler()
        hung.hold()
        asyncio.ensure_future(owner.run(7, "k-orphan", hung))
        await self.settled()
        survivor_clock = Clock(self.clock.now)
        survivor = self.make(survivor_clock)
        waiting = asyncio.ensure_future(survivor.run(7, "k-orphan", Handler()))
        await self.settled()
        self.assertFalse(waiting.done())
        survivor_clock.now += 10_001
        self.assertEqual(await waiting, {"ok": True, "data": {"run": 1}})
        # The hung run ends later: it no longer owns the key and does not overwrite the answer.
        hung.release()
        await self.settled()
        self.assertEqual(await survivor.run(7, "k-orphan", Handler()), {"ok": True, "data": {"run": 1}})
        forever.set()

    async def test_renews_the_lease_of_a_long_run_so_no_other_process_takes_it(self):
        ticks = []

        async def tick(seconds):
            ticks.append(seconds)
            self.clock.now += int(seconds * 1000)
            await asyncio.sleep(0)

        owner = self.make(self.clock, sleep=tick)
        handler = Handler()
        handler.hold()
        first = asyncio.ensure_future(owner.run(7, "k-long", handler))
        for _ in range(100):
            if len(ticks) >= 10:
                break
            await self.settled()
        # Ten renewals: 33 s on the clock, three leases.
        self.assertGreaterEqual(len(ticks), 10)
        other = asyncio.ensure_future(self.make(self.clock).run(7, "k-long", handler))
        await self.settled()
        self.assertFalse(other.done())
        handler.release()
        self.assertEqual(await first, await other)
        self.assertEqual(handler.runs, 1)

    async def test_a_repeat_waits_at_most_a_minute_for_a_run_that_never_ends(self):
        async def tick(seconds):
            self.clock.now += 1_000
            await asyncio.sleep(0)

        hung = Handler()
        hung.hold()
        owner = asyncio.ensure_future(self.make(self.clock).run(7, "k-hung", hung))
        await self.settled()
        with self.assertLogs("permsocket", "WARNING") as logs:
            answer = await self.make(self.clock, sleep=tick).run(7, "k-hung", hung)
        self.assertEqual(answer["error"]["code"], "internal")
        self.assertIn("request_keys.wait_timeout", logs.output[0])
        self.assertEqual(hung.runs, 1)
        hung.release()
        self.assertTrue((await owner)["ok"])

    async def test_runs_in_this_process_when_redis_does_not_answer(self):
        window = RedisKeyWindow("redis://127.0.0.1:1/0", clock=self.clock)
        self.windows.append(window)
        handler = Handler()
        with self.assertLogs("permsocket", "WARNING") as logs:
            await window.run(7, "k-offline", handler)
            await window.run(7, "k-offline", handler)
        self.assertEqual(handler.runs, 1)
        self.assertIn("request_keys.redis_failed", logs.output[0])


class KeyErrorTest(unittest.TestCase):
    def test_accepts_a_missing_key_and_strings_of_1_to_64_characters_as_javascript_counts_them(self):
        for frame in ({}, {"key": "k"}, {"key": "x" * 64}, {"key": "\U0001f600" * 32}, {"key": "\ud800"}):
            self.assertIsNone(key_error(frame), frame)

    def test_names_what_is_wrong_with_any_other_key(self):
        for key, got in [("", "a string of 0 characters"), ("x" * 65, "a string of 65 characters"),
                         ("\U0001f600" * 33, "a string of 66 characters"), (5, "number"), (None, "null"),
                         (["k"], "array"), ({"k": 1}, "object"), (True, "boolean")]:
            self.assertEqual(key_error({"key": key}), f"\"req\" expects 'key' to be a string of 1-64 characters, got {got}")


if __name__ == "__main__":
    unittest.main()
