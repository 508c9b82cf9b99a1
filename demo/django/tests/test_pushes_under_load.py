"""Pushes that must not be lost behind a burst of chat events.

A channel layer silently drops a message sent to a full channel. When every event cost the
socket a database call, a chat burst filled a watching socket's channel and a deactivation sent
then was dropped: the user stayed connected. This drives the real consumer through a
WebsocketCommunicator with the in-memory layer on a temporary SQLite database.
"""
import unittest

from tests import live_django

SUBPROTOCOL = "permsocket.v1"
BURST = 500


def setUpModule():
    live_django.setup()


class PushesUnderLoadTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        from channels.db import database_sync_to_async
        from channels.testing import WebsocketCommunicator
        from django.contrib.auth import get_user_model

        from chat.consumers import ChatConsumer
        from permsocket_django.admin_ops import set_grant
        from permsocket_django.tokens import issue_access_token

        self.user = await database_sync_to_async(get_user_model().objects.create_user)(
            f"watcher-{self._testMethodName}", password="watcher-pass"
        )
        await database_sync_to_async(set_grant)(self.user, "chat.view_message", True)
        self.socket = WebsocketCommunicator(ChatConsumer.as_asgi(), "/ws", subprotocols=[SUBPROTOCOL])
        connected, _ = await self.socket.connect()
        self.assertTrue(connected)
        await self.socket.send_json_to({"type": "auth", "token": issue_access_token(self.user)[0]})
        self.assertEqual((await self.socket.receive_json_from(timeout=5))["type"], "auth.ok")

    async def asyncTearDown(self):
        await self.socket.disconnect()

    async def burst_of_events(self):
        """BURST chat events reach the socket's channel before it can handle any of them."""
        from channels.layers import get_channel_layer

        from permsocket_django import pushes

        layer = get_channel_layer()
        for i in range(BURST):
            message = {"id": str(i + 1), "room": "general", "text": "x", "user": "carol", "at": i}
            await layer.group_send(
                pushes.resource_group("room:general"),
                pushes.event_message("chat.message", {"message": message}, "room:general", "chat.view_message"),
            )

    async def test_closes_a_deactivated_user_with_4403_even_behind_a_burst_of_events(self):
        from channels.layers import get_channel_layer

        from permsocket_django import pushes

        await self.burst_of_events()
        # Sent right behind the burst, as pushes.push_deactivated sends it, before the socket ran.
        await get_channel_layer().group_send(pushes.user_group(self.user.pk), {"type": "permsocket.deactivated"})
        frames = []
        while True:
            output = await self.socket.receive_output(timeout=10)
            if output["type"] == "websocket.close":
                break
            frames.append(output["text"])
        self.assertEqual(output.get("code"), 4403)
        self.assertIn('"forbidden"', frames[-1])
        # Every event of the burst reached the user before the close.
        self.assertEqual(sum('"type":"event"' in frame for frame in frames), BURST)

    async def test_checks_the_permission_once_for_a_burst_of_events_in_one_room(self):
        from unittest import mock

        from django.contrib.auth.models import User

        with mock.patch.object(User, "has_perm", autospec=True, side_effect=User.has_perm) as check:
            await self.burst_of_events()
            for _ in range(BURST):
                self.assertEqual((await self.socket.receive_json_from(timeout=10))["type"], "event")
        self.assertEqual(check.call_count, 1)


if __name__ == "__main__":
    unittest.main()
