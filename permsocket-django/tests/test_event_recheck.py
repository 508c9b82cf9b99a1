"""An event published after a permission change returned is checked on the new grants, even while
the background fan-out (the `perms` push) has not run: with the in-memory layer and with a real
Redis channel layer (channels_redis), whatever changed the grants (the ORM here, as Django's admin,
a shell or a management command do)."""
import shutil
import threading
import unittest
from contextlib import contextmanager

from tests import django_setup
from tests.test_consumer import SUBPROTOCOL, counting_queries

EVENT = "docs.published"
PERMISSION = "docs.publish_doc"


def setUpModule():
    django_setup.setup()


@contextmanager
def fanout_held():
    """Keeps the fan-out's single worker busy, so no `perms` push is computed or sent until the
    block ends (as under load, when the background thread lags behind the requests)."""
    from permsocket_django import fanout

    release = threading.Event()
    fanout._pool().submit(release.wait, 10)
    try:
        yield
    finally:
        release.set()
        fanout.wait()


class EventRecheckCase(unittest.IsolatedAsyncioTestCase):
    """One signed-in socket listening to "docs", whose user holds docs.publish_doc."""

    consumer_attributes = {}
    # What an event with a permission costs once its answer is kept, while nothing changes.
    queries_per_event = None

    async def asyncSetUp(self):
        from channels.db import database_sync_to_async
        from channels.testing import WebsocketCommunicator
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission

        from permsocket_django.tokens import issue_access_token
        from tests.consumers import DocsConsumer

        def prepare():
            user = get_user_model().objects.create_user(f"reader-{type(self).__name__}-{self._testMethodName}")
            permission = Permission.objects.get(codename="publish_doc")
            user.user_permissions.add(permission)
            return user, permission

        self.db = database_sync_to_async
        self.user, self.permission = await self.db(prepare)()
        consumer = type("Consumer", (DocsConsumer,), dict(self.consumer_attributes))
        self.socket = WebsocketCommunicator(consumer.as_asgi(), "/ws", subprotocols=[SUBPROTOCOL])
        self.assertTrue((await self.socket.connect())[0])
        await self.socket.send_json_to({"type": "auth", "token": issue_access_token(self.user)[0]})
        self.assertEqual((await self.socket.receive_json_from(timeout=5))["type"], "auth.ok")

    async def asyncTearDown(self):
        from permsocket_django import fanout

        await self.socket.disconnect()
        await self.db(fanout.wait)()

    async def publish(self, n):
        from permsocket_django import pushes

        # From synchronous code in a thread, as a view or a task would.
        await self.db(pushes.publish)(EVENT, {"n": n}, "docs", PERMISSION)

    async def events(self):
        """The event frames received until nothing more comes (`perms` pushes are skipped)."""
        frames = []
        while not await self.socket.receive_nothing(timeout=0.3):
            frame = await self.socket.receive_json_from(timeout=5)
            if frame["type"] == "event":
                frames.append(frame["data"]["n"])
        return frames

    async def check_revocation_is_honoured_before_the_push(self, revoke):
        await self.publish(1)
        self.assertEqual(await self.events(), [1])  # the answer is now kept
        with fanout_held():
            await self.db(revoke)()
            await self.publish(2)
            self.assertEqual(await self.events(), [])
        await self.publish(3)
        self.assertEqual(await self.events(), [])

    async def test_does_not_deliver_an_event_after_a_direct_grant_was_revoked_before_the_push(self):
        await self.check_revocation_is_honoured_before_the_push(lambda: self.user.user_permissions.remove(self.permission))

    async def test_does_not_deliver_an_event_after_the_users_group_lost_the_permission_before_the_push(self):
        from django.contrib.auth.models import Group

        from permsocket_django import fanout

        def through_a_group():
            group = Group.objects.create(name=f"publishers-{type(self).__name__}-{self._testMethodName}")
            group.permissions.add(self.permission)
            group.user_set.add(self.user)
            self.user.user_permissions.remove(self.permission)
            return group

        group = await self.db(through_a_group)()
        await self.db(fanout.wait)()
        await self.events()  # the pushes of the set-up
        await self.check_revocation_is_honoured_before_the_push(lambda: group.permissions.remove(self.permission))

    async def test_a_burst_of_events_costs_what_the_layer_needs_while_nothing_changes(self):
        await self.publish(0)
        self.assertEqual(await self.events(), [0])
        with counting_queries() as queries:
            for n in range(1, 11):
                await self.publish(n)
            self.assertEqual(await self.events(), list(range(1, 11)))
        self.assertEqual(len(queries), 10 * self.queries_per_event, queries)
        self.assertTrue(all("stamp" in sql for sql in queries), queries)

    async def test_delivers_an_event_once_a_grant_is_given_before_the_push(self):
        from permsocket_django import fanout

        await self.db(self.user.user_permissions.remove)(self.permission)
        await self.db(fanout.wait)()
        await self.publish(1)
        self.assertEqual(await self.events(), [])  # the refusal is now kept
        with fanout_held():
            await self.db(self.user.user_permissions.add)(self.permission)
            await self.publish(2)
            self.assertEqual(await self.events(), [2])


class InMemoryLayerTest(EventRecheckCase):
    queries_per_event = 0


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed (apt-get install -y redis-server)")
class RedisLayerTest(EventRecheckCase):
    """channels_redis orders a channel's messages by the senders' clocks, so by default each event
    reads the change counter before a kept answer is reused."""

    queries_per_event = 1

    @classmethod
    def setUpClass(cls):
        from django.test import override_settings

        from tests.redis_process import RedisProcess

        cls.redis = RedisProcess()
        cls.layer_settings = override_settings(
            CHANNEL_LAYERS={"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [cls.redis.url]}}}
        )
        cls.layer_settings.enable()

    @classmethod
    def tearDownClass(cls):
        cls.layer_settings.disable()
        cls.redis.stop()

    async def asyncTearDown(self):
        from channels.layers import get_channel_layer

        await super().asyncTearDown()
        # The layer's connections belong to this test's event loop.
        await get_channel_layer().close_pools()
        self.redis.flush()


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed (apt-get install -y redis-server)")
class RedisLayerTrustingOrderTest(RedisLayerTest):
    """One node (one clock): the `stale` message, sent before the change returns, is enough."""

    consumer_attributes = {"trust_event_order": True}
    queries_per_event = 0


del EventRecheckCase

if __name__ == "__main__":
    unittest.main()
