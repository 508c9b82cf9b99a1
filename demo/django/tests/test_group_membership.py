"""A socket stays in its channel-layer groups for as long as it stays signed in.

Channel layers drop a group member after `group_expiry` (a day by default), so a socket open
longer than that would silently stop getting pushes. Each `auth.refresh` joins the groups again.
This drives the real consumer through a WebsocketCommunicator with the in-memory layer, on a
temporary SQLite database, and ages the layer's memberships instead of waiting.
"""
import unittest

from tests import live_django

SUBPROTOCOL = "permsocket.v1"
GROUP_EXPIRY = 60


def setUpModule():
    live_django.setup()


class GroupMembershipTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        from channels.db import database_sync_to_async
        from channels.layers import get_channel_layer
        from channels.testing import WebsocketCommunicator
        from django.contrib.auth import get_user_model

        from chat.consumers import ChatConsumer
        from permsocket_django.tokens import issue_access_token

        self.layer = get_channel_layer()
        self.default_group_expiry = self.layer.group_expiry
        self.layer.group_expiry = GROUP_EXPIRY
        self.user = await database_sync_to_async(get_user_model().objects.create_user)(
            f"member-{self._testMethodName}", password="member-pass"
        )
        self.token = lambda: issue_access_token(self.user)[0]
        self.socket = WebsocketCommunicator(ChatConsumer.as_asgi(), "/ws", subprotocols=[SUBPROTOCOL])
        connected, _ = await self.socket.connect()
        self.assertTrue(connected)

    async def asyncTearDown(self):
        await self.socket.disconnect()
        self.layer.group_expiry = self.default_group_expiry

    def age_memberships(self, seconds):
        """What `seconds` of wall time do to the layer's group memberships."""
        for members in self.layer.groups.values():
            for channel in members:
                members[channel] -= seconds

    async def sign_in(self, kind):
        await self.socket.send_json_to({"type": kind, "token": self.token()})
        frame = await self.socket.receive_json_from(timeout=5)
        self.assertEqual(frame["type"], "auth.ok")
        return frame

    async def grant(self, grant):
        from channels.db import database_sync_to_async

        from permsocket_django.admin_ops import set_grant

        await database_sync_to_async(set_grant)(self.user, grant, True)

    async def test_a_socket_that_refreshed_still_gets_pushes_after_the_group_expiry(self):
        await self.sign_in("auth")
        self.age_memberships(GROUP_EXPIRY - 10)
        await self.sign_in("auth.refresh")
        # Longer than group_expiry since the socket joined, but not since it last refreshed.
        self.age_memberships(GROUP_EXPIRY - 10)
        await self.grant("chat.view_message")
        frame = await self.socket.receive_json_from(timeout=5)
        self.assertEqual(frame["type"], "perms")
        self.assertIn("chat.view_message", frame["grants"])

    async def test_a_socket_that_never_refreshed_is_dropped_by_the_layer_after_the_group_expiry(self):
        # The layer's own rule, which the refresh above works around: this is why it must join again.
        await self.sign_in("auth")
        self.age_memberships(GROUP_EXPIRY + 10)
        await self.grant("chat.view_message")
        self.assertTrue(await self.socket.receive_nothing(timeout=0.5))


if __name__ == "__main__":
    unittest.main()
