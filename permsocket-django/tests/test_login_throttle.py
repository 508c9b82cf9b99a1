"""The Django server's login throttle on an injected clock, in memory and, when redis-server is
installed, against a private Redis (the Lua the nodes share): the window, the reset on success,
the memory bound and the address keys, without waiting out a single window."""
import shutil
import unittest

from permsocket_django.throttle import MemoryLoginThrottle, RedisLoginThrottle, address_key
from tests.redis_process import RedisProcess, free_port

LIMIT = (3, 5, 60.0)


class Clock:
    """A clock the test moves (unix ms)."""

    def __init__(self, start=1_800_000_000_000):
        self.now = start

    def __call__(self):
        return self.now


class ThrottleCases:
    """The behaviour every throttle shares; subclasses give make(clock)."""

    def setUp(self):
        self.clock = Clock()
        self.throttle = self.make(self.clock)
        self.prefix = f"{self.id()}-"

    def name(self, base):
        return self.prefix + base

    def test_allows_three_failures_then_refuses_until_the_window_that_began_at_the_first_ends(self):
        user = self.name("alice")
        self.assertIsNone(self.throttle.attempt(user, "192.0.2.1"))
        self.clock.now += 20_000
        self.assertIsNone(self.throttle.attempt(user, "192.0.2.2"))
        self.assertIsNone(self.throttle.attempt(user, "192.0.2.3"))
        self.assertEqual(self.throttle.attempt(user, "192.0.2.4"), 40_000)
        self.clock.now += 39_999
        self.assertEqual(self.throttle.attempt(user, "192.0.2.4"), 1)
        self.clock.now += 1
        self.assertIsNone(self.throttle.attempt(user, "192.0.2.4"))

    def test_does_not_count_a_refused_attempt(self):
        user = self.name("bob")
        for i in range(3):
            self.throttle.attempt(user, f"192.0.2.{10 + i}")
        for _ in range(10):
            self.assertIsNotNone(self.throttle.attempt(user, "192.0.2.20"))
        self.clock.now += 60_000
        for i in range(5):
            self.assertIsNone(self.throttle.attempt(self.name(f"other-{i}"), "192.0.2.20"))
        self.assertIsNotNone(self.throttle.attempt(self.name("other-5"), "192.0.2.20"))

    def test_clears_a_usernames_failures_on_success_and_gives_the_address_its_reservation_back(self):
        user = self.name("carol")
        for _ in range(3):
            self.throttle.attempt(user, "198.51.100.1")
        self.throttle.succeeded(user, "198.51.100.1")
        for _ in range(3):
            self.assertIsNone(self.throttle.attempt(user, "198.51.100.2"))
        for i in range(3):
            self.assertIsNone(self.throttle.attempt(self.name(f"x-{i}"), "198.51.100.1"))
        self.assertEqual(self.throttle.attempt(self.name("x-3"), "198.51.100.1"), 60_000)

    def test_refuses_an_address_after_five_failures_over_any_usernames(self):
        for i in range(5):
            self.assertIsNone(self.throttle.attempt(self.name(f"u{i}"), "203.0.113.9"))
            self.clock.now += 1_000
        self.assertEqual(self.throttle.attempt(self.name("someone"), "203.0.113.9"), 55_000)
        self.assertIsNone(self.throttle.attempt(self.name("someone"), "203.0.113.10"))

    def test_takes_a_username_with_a_lone_surrogate(self):
        self.assertIsNone(self.throttle.attempt(self.name("alice\ud800"), "192.0.2.1"))


class MemoryThrottleTest(ThrottleCases, unittest.TestCase):
    def make(self, clock):
        return MemoryLoginThrottle(LIMIT, clock)

    def test_keeps_at_most_max_tracked_counters_per_kind_forgetting_the_oldest_first(self):
        throttle = MemoryLoginThrottle((1, 1000, 60.0), self.clock, max_tracked=100)
        for i in range(1000):
            throttle.attempt(f"user-{i}", f"10.0.{i >> 8}.{i & 255}")
            self.clock.now += 1
        self.assertEqual(throttle.tracked(), 200)
        self.assertIsNotNone(throttle.attempt("user-999", "192.0.2.1"))
        self.assertIsNone(throttle.attempt("user-0", "192.0.2.1"))

    def test_sweeps_windows_that_have_ended(self):
        for i in range(50):
            self.throttle.attempt(f"user-{i}", f"10.0.0.{i}")
        self.assertEqual(self.throttle.tracked(), 100)
        self.clock.now += 60_000
        self.throttle.attempt("late", "10.1.1.1")
        self.assertEqual(self.throttle.tracked(), 2)


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed (apt-get install -y redis-server)")
class RedisThrottleTest(ThrottleCases, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisProcess()
        cls.url = cls.redis.url

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()

    def make(self, clock):
        return RedisLoginThrottle(self.url, LIMIT, clock)

    def test_shares_the_counts_of_two_nodes_on_one_clock(self):
        other = self.make(self.clock)
        user = self.name("shared")
        self.throttle.attempt(user, "192.0.2.1")
        other.attempt(user, "192.0.2.2")
        self.throttle.attempt(user, "192.0.2.3")
        self.assertEqual(other.attempt(user, "192.0.2.4"), 60_000)
        other.succeeded(user, "192.0.2.4")
        self.assertIsNone(self.throttle.attempt(user, "192.0.2.4"))

    def test_rounds_a_fractional_window_up_to_whole_milliseconds(self):
        throttle = RedisLoginThrottle(self.url, (1, 100, 0.0015), self.clock)
        throttle.attempt(self.name("fraction"), "192.0.2.1")
        self.assertEqual(throttle.attempt(self.name("fraction"), "192.0.2.1"), 2)

    def test_falls_back_to_counting_in_memory_when_redis_does_not_answer(self):
        throttle = RedisLoginThrottle(f"redis://127.0.0.1:{free_port()}/0", LIMIT, self.clock)
        with self.assertLogs("permsocket", "WARNING") as logs:
            for _ in range(3):
                self.assertIsNone(throttle.attempt("offline", "192.0.2.1"))
            self.assertIsNotNone(throttle.attempt("offline", "192.0.2.1"))
        self.assertIn("login_throttle.redis_failed", logs.output[0])


class AddressKeyTest(unittest.TestCase):
    def test_keys_ipv4_as_is_and_ipv6_by_its_64(self):
        for address, key in [
            ("192.0.2.1", "192.0.2.1"),
            ("::ffff:192.0.2.1", "192.0.2.1"),
            ("2001:db8:1:2::5", "2001:db8:1:2::/64"),
            ("2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("fe80::1%eth0", "fe80::/64"),
            ("not an address", "not an address"),
        ]:
            self.assertEqual(address_key(address), key, address)


if __name__ == "__main__":
    unittest.main()
