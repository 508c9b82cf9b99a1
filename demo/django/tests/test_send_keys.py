"""chat.send stores its request key with the message: a re-send of the same key, on the same
process or on a fresh one whose key window is empty (as after a crash), returns the stored
message and adds no second row; keys of different users never collide; a send without a key
stores one message per call. Drives the real consumer on a temporary SQLite database."""
import unittest

from tests import live_django

SUBPROTOCOL = "permsocket.v1"


def setUpModule():
    live_django.setup()


class SendKeysTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        from channels.db import database_sync_to_async
        from django.contrib.auth import get_user_model

        from permsocket_django.admin_ops import set_grant

        def users():
            made = []
            for name in ("ada", "bea"):
                user, _ = get_user_model().objects.get_or_create(username=f"{name}-{self._testMethodName}"[:150])
                for grant in ("chat.send_message", "chat.view_message"):
                    set_grant(user, grant, True)
                made.append(user)
            return made

        self.db = database_sync_to_async
        self.ada, self.bea = await self.db(users)()
        self.sockets = []
        self.fresh_process()

    def fresh_process(self):
        """An empty key window, as in a process started after the last one was killed."""
        from chat.consumers import ChatConsumer
        from permsocket_django.keys import MemoryKeyWindow

        ChatConsumer.key_window = MemoryKeyWindow()

    async def asyncTearDown(self):
        from chat.consumers import ChatConsumer

        ChatConsumer.key_window = None
        for socket in self.sockets:
            await socket.disconnect()

    async def connect(self, user):
        from channels.testing import WebsocketCommunicator

        from chat.consumers import ChatConsumer
        from permsocket_django.tokens import issue_access_token

        socket = WebsocketCommunicator(ChatConsumer.as_asgi(), "/ws", subprotocols=[SUBPROTOCOL])
        connected, _ = await socket.connect()
        self.assertTrue(connected)
        await socket.send_json_to({"type": "auth", "token": issue_access_token(user)[0]})
        auth_ok = await socket.receive_json_from(timeout=5)
        self.assertEqual(auth_ok["features"], ["keys"])
        self.sockets.append(socket)
        return socket

    @staticmethod
    async def send(socket, request_id, text, key=None):
        frame = {"type": "req", "id": request_id, "action": "chat.send", "payload": {"room": "general", "text": text}}
        if key is not None:
            frame["key"] = key
        await socket.send_json_to(frame)
        while True:
            answer = await socket.receive_json_from(timeout=5)
            if answer["type"] == "res" and answer["id"] == request_id:
                return answer

    async def rows(self, text):
        from chat.models import Message

        return await self.db(lambda: list(Message.objects.filter(text=text).values_list("user__username", "key")))()

    async def test_a_re_sent_key_gets_the_stored_message_and_adds_no_row(self):
        socket = await self.connect(self.ada)
        first = await self.send(socket, "1", "once", key="send-1")
        again = await self.send(socket, "2", "once", key="send-1")
        self.assertTrue(first["ok"])
        self.assertEqual(again["data"], first["data"])
        self.assertEqual(await self.rows("once"), [(self.ada.username, "send-1")])

    async def test_a_re_send_to_a_fresh_process_is_answered_from_the_database(self):
        socket = await self.connect(self.ada)
        first = await self.send(socket, "1", "before the crash", key="send-crash")
        self.fresh_process()
        other = await self.connect(self.ada)
        again = await self.send(other, "7", "before the crash", key="send-crash")
        self.assertEqual(again["data"], first["data"])
        self.assertEqual(len(await self.rows("before the crash")), 1)
        # Nobody hears about it twice: the re-send answered from the row publishes nothing.
        events = []
        while not await socket.receive_nothing(timeout=0.2):
            events.append(await socket.receive_json_from())
        heard = [event for event in events if event["type"] == "event" and event["data"]["message"]["text"] == "before the crash"]
        self.assertEqual(len(heard), 1)

    async def test_the_same_key_of_two_users_makes_two_messages(self):
        ada, bea = await self.connect(self.ada), await self.connect(self.bea)
        first = await self.send(ada, "1", "same key", key="shared")
        second = await self.send(bea, "1", "same key", key="shared")
        self.assertNotEqual(first["data"]["message"]["id"], second["data"]["message"]["id"])
        self.assertEqual(sorted(await self.rows("same key")), sorted([(self.ada.username, "shared"), (self.bea.username, "shared")]))

    async def test_sends_without_a_key_store_one_message_each(self):
        socket = await self.connect(self.ada)
        await self.send(socket, "1", "no key")
        await self.send(socket, "2", "no key")
        self.assertEqual(await self.rows("no key"), [(self.ada.username, None)] * 2)

    def test_refuses_a_second_row_with_the_same_user_and_key_in_the_database(self):
        import time

        from django.db import IntegrityError, transaction

        from chat.consumers import ChatConsumer
        from chat.models import Message

        stored, created = ChatConsumer._create("general", "raced", self.ada, "race")
        self.assertTrue(created)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Message.objects.create(room="general", text="raced", user=self.ada, at=int(time.time() * 1000), key="race")
        # A second process whose lookup came before the first one's commit: its insert fails on
        # the constraint and it answers with the stored message.
        from unittest import mock

        with mock.patch("django.db.models.query.QuerySet.first", return_value=None):
            self.assertEqual(ChatConsumer._create("general", "raced", self.ada, "race"), (stored, False))
        self.assertEqual(Message.objects.filter(key="race").count(), 1)
