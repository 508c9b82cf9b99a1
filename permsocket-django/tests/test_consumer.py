"""The consumer base class as a project uses it: @action methods, scope["user"], validation from
the contract's JSON Schema, refusals, frame limits, and what a request costs in queries."""
import json
import unittest
from contextlib import contextmanager

from tests import django_setup

SUBPROTOCOL = "permsocket.v1"


def setUpModule():
    django_setup.setup()


@contextmanager
def counting_queries():
    """Counts SQL statements on every thread (the consumer runs the ORM in Channels' thread)."""
    from unittest import mock

    from django.db.backends.utils import CursorWrapper

    seen = []
    original = CursorWrapper._execute_with_wrappers

    def execute(self, sql, *args, **kwargs):
        seen.append(sql)
        return original(self, sql, *args, **kwargs)

    with mock.patch.object(CursorWrapper, "_execute_with_wrappers", execute):
        yield seen


class ConsumerTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        from channels.db import database_sync_to_async
        from channels.testing import WebsocketCommunicator
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission

        from permsocket_django.tokens import issue_access_token
        from tests.app.models import Doc
        from tests.consumers import DocsConsumer

        def prepare():
            user = get_user_model().objects.create_user(f"writer-{self._testMethodName}")
            return user, Doc.objects.create(title="draft"), Permission.objects.get(codename="publish_doc")

        self.user, self.doc, self.permission = await database_sync_to_async(prepare)()
        self.db = database_sync_to_async
        self.socket = WebsocketCommunicator(DocsConsumer.as_asgi(), "/ws", subprotocols=[SUBPROTOCOL])
        connected, _ = await self.socket.connect()
        self.assertTrue(connected)
        await self.socket.send_json_to({"type": "auth", "token": issue_access_token(self.user)[0]})
        self.auth_ok = await self.socket.receive_json_from(timeout=5)
        self.assertEqual(self.auth_ok["type"], "auth.ok")

    async def asyncTearDown(self):
        await self.socket.disconnect()

    async def request(self, action, payload, request_id="1"):
        await self.socket.send_json_to({"type": "req", "id": request_id, "action": action, "payload": payload})
        while True:
            frame = await self.socket.receive_json_from(timeout=5)
            if frame["type"] == "res":
                return frame

    async def test_signs_in_a_uuid_user_and_sets_scope_user_for_the_action(self):
        self.assertEqual(self.auth_ok["user"], {"id": str(self.user.pk), "name": self.user.username})
        answer = await self.request("docs.whoami", None)
        self.assertEqual(answer["data"], {"id": str(self.user.pk), "name": self.user.username})

    async def test_checks_the_payload_against_the_contract_schema_before_the_permission(self):
        for payload in (None, {}, {"id": 5}, {"id": str(self.doc.pk), "extra": 1}, {"id": "x" * 36}):
            answer = await self.request("docs.publish", payload)
            self.assertEqual(answer["error"]["code"], "bad_request", payload)

    async def test_refuses_without_the_permission_and_allows_with_a_grant_on_that_object(self):
        from permsocket_django.models import ScopedGrant

        refused = await self.request("docs.publish", {"id": str(self.doc.pk)})
        self.assertEqual(refused["error"], {"code": "permission_denied", "message": "docs.publish_doc is required",
                                            "permission": "docs.publish_doc", "resource": f"doc:{self.doc.pk}"})
        await self.db(ScopedGrant.objects.create)(user=self.user, permission=self.permission, resource=f"doc:{self.doc.pk}")
        allowed = await self.request("docs.publish", {"id": str(self.doc.pk)}, "2")
        self.assertEqual(allowed["data"], {"id": str(self.doc.pk), "by": self.user.username})

    async def test_a_request_costs_one_query_besides_the_action_when_nothing_changed(self):
        await self.request("docs.whoami", None)
        with counting_queries() as queries:
            for n in range(5):
                await self.request("docs.whoami", None, str(n))
        self.assertEqual(len(queries), 5, queries)
        self.assertTrue(all(sql.lstrip().upper().startswith("SELECT") for sql in queries), queries)

    async def test_a_refusal_costs_one_query_and_moves_no_version(self):
        from permsocket_django.models import PermissionVersion

        await self.request("docs.publish", {"id": str(self.doc.pk)})
        with counting_queries() as queries:
            await self.request("docs.publish", {"id": str(self.doc.pk)}, "2")
        self.assertEqual(len(queries), 1, queries)
        row = await self.db(PermissionVersion.objects.get)(user_id=self.user.pk)
        self.assertEqual(row.version, self.auth_ok["perms"]["version"])

    async def test_pushes_a_grant_given_through_the_orm(self):
        from permsocket_django import fanout

        await self.db(self.user.user_permissions.add)(self.permission)
        await self.db(fanout.wait)()
        frame = await self.socket.receive_json_from(timeout=5)
        self.assertEqual(frame["type"], "perms")
        self.assertEqual(frame["grants"], ["docs.publish_doc"])
        self.assertGreater(frame["version"], self.auth_ok["perms"]["version"])

    async def test_answers_requests_of_one_connection_concurrently(self):
        for n in range(20):
            await self.socket.send_json_to({"type": "req", "id": str(n), "action": "docs.whoami", "payload": None})
        ids = {(await self.socket.receive_json_from(timeout=5))["id"] for _ in range(20)}
        self.assertEqual(ids, {str(n) for n in range(20)})

    async def test_receives_the_events_of_the_resources_it_listens_to_only(self):
        from channels.layers import get_channel_layer

        from permsocket_django import pushes

        layer = get_channel_layer()
        await layer.group_send(pushes.resource_group("elsewhere"), pushes.event_message("docs.published", {"n": 1}, "elsewhere", None))
        await layer.group_send(pushes.resource_group("docs"), pushes.event_message("docs.published", {"n": 2}, "docs", None))
        # Needs a permission this user lacks: not forwarded.
        await layer.group_send(pushes.resource_group("docs"), pushes.event_message("docs.published", {"n": 3}, "docs", "docs.publish_doc"))
        self.assertEqual(await self.socket.receive_json_from(timeout=5), {"type": "event", "name": "docs.published", "data": {"n": 2}})
        self.assertTrue(await self.socket.receive_nothing(timeout=0.3))

    async def closed_with(self):
        frames = []
        while True:
            output = await self.socket.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                return output.get("code"), frames
            frames.append(json.loads(output["text"]))

    async def test_closes_a_binary_frame_with_1003_after_an_error_frame(self):
        await self.socket.send_to(bytes_data=b"\x00\x01")
        code, frames = await self.closed_with()
        self.assertEqual(code, 1003)
        self.assertEqual(frames[-1]["error"]["code"], "bad_request")

    async def test_closes_a_frame_over_64_kib_with_1009(self):
        await self.socket.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 70000}))
        code, _ = await self.closed_with()
        self.assertEqual(code, 1009)


class ContractMismatchTest(unittest.TestCase):
    def test_a_consumer_without_a_method_for_each_action_is_refused_when_defined(self):
        from django.core.exceptions import ImproperlyConfigured

        from permsocket_django.consumer import PermsocketConsumer, action

        with self.assertRaisesRegex(ImproperlyConfigured, r"no @action for \['docs.whoami'\]"):
            class Partial(PermsocketConsumer):
                @action("docs.publish")
                def publish(self, payload):
                    return {}

        with self.assertRaisesRegex(ImproperlyConfigured, r"no such action \['docs.nope'\]"):
            class Unknown(PermsocketConsumer):
                @action("docs.publish")
                def publish(self, payload):
                    return {}

                @action("docs.whoami")
                def whoami(self, payload):
                    return {}

                @action("docs.nope")
                def nope(self, payload):
                    return {}


class BareSettingsTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_setting_without_a_secret_closes_auth_with_4401_instead_of_failing_the_handshake(self):
        from channels.testing import WebsocketCommunicator
        from django.test import override_settings

        from tests import settings
        from tests.consumers import DocsConsumer

        with override_settings(PERMSOCKET={"CONTRACT": settings.PERMSOCKET["CONTRACT"]}):
            socket = WebsocketCommunicator(DocsConsumer.as_asgi(), "/ws", subprotocols=[SUBPROTOCOL])
            connected, subprotocol = await socket.connect()
            self.assertEqual((connected, subprotocol), (True, SUBPROTOCOL))
            await socket.send_json_to({"type": "auth", "token": "a.b.c"})
            self.assertEqual((await socket.receive_json_from(timeout=5))["error"]["code"], "unauthenticated")
            self.assertEqual((await socket.receive_output(timeout=5))["code"], 4401)
            await socket.disconnect()


class OtherSocketTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_change_one_socket_noticed_first_is_pushed_to_the_users_other_sockets(self):
        from channels.db import database_sync_to_async
        from channels.testing import WebsocketCommunicator
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Permission

        from permsocket_django.grants import bump_stamps
        from permsocket_django.tokens import issue_access_token
        from tests.consumers import DocsConsumer

        user = await database_sync_to_async(get_user_model().objects.create_user)("two-sockets")
        sockets = []
        for _ in range(2):
            socket = WebsocketCommunicator(DocsConsumer.as_asgi(), "/ws", subprotocols=[SUBPROTOCOL])
            await socket.connect()
            await socket.send_json_to({"type": "auth", "token": issue_access_token(user)[0]})
            self.assertEqual((await socket.receive_json_from(timeout=5))["type"], "auth.ok")
            sockets.append(socket)

        def change_without_signals():
            # As a QuerySet.update or raw SQL would, then the documented counter move.
            permission = Permission.objects.get(codename="publish_doc")
            user.user_permissions.through.objects.bulk_create([user.user_permissions.through(user_id=user.pk, permission_id=permission.pk)])
            bump_stamps(pk__in=[user.pk])

        await database_sync_to_async(change_without_signals)()
        # The first socket's next request sees the moved counter and moves the version...
        await sockets[0].send_json_to({"type": "req", "id": "1", "action": "docs.whoami", "payload": None})
        # ...and the second socket, which sent nothing, is told.
        frame = await sockets[1].receive_json_from(timeout=5)
        self.assertEqual((frame["type"], frame["grants"]), ("perms", ["docs.publish_doc"]))
        for socket in sockets:
            await socket.disconnect()


if __name__ == "__main__":
    unittest.main()
