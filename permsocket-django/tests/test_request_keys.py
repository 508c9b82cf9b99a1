"""Request keys on the consumer, as a client sees them: `features: ["keys"]` in auth.ok, a
repeated key answered with the first answer (after it, while it runs, from a new connection
after a drop), keys of another user apart, the window's bounds, a bad key refused with
bad_request, the key handed to the method as ctx.key, and the settings checked at startup."""
import asyncio
import unittest

from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from tests import django_setup

SUBPROTOCOL = "permsocket.v1"


def setUpModule():
    django_setup.setup()


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def until(condition, rounds=500):
    """Waits for `condition`, which the database thread makes true (bounded)."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def counter_consumer():
    """A consumer with an async action that takes the context, a plain one that does not, and
    one that fails unexpectedly once; its runs are recorded on the class."""
    from permsocket_django.consumer import ActionError, PermsocketConsumer, action
    from permsocket_django.contract import parse_contract

    free = {"permission": None, "resource": None, "idempotent": False, "payload": None}
    guarded = {**free, "permission": "docs.publish_doc"}
    counter_contract = parse_contract({"actions": {"count.add": free, "count.plain": free, "count.flaky": free, "count.refuse": free,
                                                   "count.guarded": guarded, "count.stored": free, "count.busy": free}, "events": []})

    class CounterConsumer(PermsocketConsumer):
        contract = counter_contract
        runs = []
        gate = None

        @action("count.add")
        async def add(self, payload, ctx):
            type(self).runs.append(("add", ctx.key, ctx.request_id, ctx.user.get_username()))
            if type(self).gate is not None:
                await type(self).gate.wait()
            return {"run": len(type(self).runs), "key": ctx.key}

        @action("count.plain")
        def plain(self, payload):
            type(self).runs.append(("plain",))
            return {"run": len(type(self).runs)}

        @action("count.flaky")
        def flaky(self, payload, ctx):
            type(self).runs.append(("flaky", ctx.key))
            if len([run for run in type(self).runs if run[0] == "flaky"]) == 1:
                raise RuntimeError("the database went away")
            return {"run": len(type(self).runs)}

        @action("count.refuse")
        def refuse(self, payload):
            type(self).runs.append(("refuse",))
            raise ActionError("not_found", "nothing here")

        @action("count.guarded")
        def guarded(self, payload):
            type(self).runs.append(("guarded",))
            return {"run": len(type(self).runs)}

        @action("count.stored")
        async def stored(self, payload, ctx):
            # As a method that stored the key with its effect and answers repeats from there.
            type(self).runs.append(("stored", ctx.key))
            ctx.key_handled()
            return {"run": len(type(self).runs)}

        @action("count.busy")
        def busy(self, payload):
            type(self).runs.append(("busy",))
            raise ActionError("rate_limited", "try again soon")

    return CounterConsumer


class RequestKeysTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        from channels.db import database_sync_to_async
        from django.contrib.auth import get_user_model

        from permsocket_django.keys import MemoryKeyWindow

        def users():
            model = get_user_model()
            return [model.objects.get_or_create(username=f"keys-{name}")[0] for name in ("ann", "ben")]

        self.ann, self.ben = await database_sync_to_async(users)()
        self.clock = Clock()
        self.consumer = counter_consumer()
        self.consumer.key_window = MemoryKeyWindow(600, 3, clock=self.clock)
        self.sockets = []

    async def asyncTearDown(self):
        for socket in self.sockets:
            await socket.disconnect()

    async def connect(self, user=None):
        from channels.testing import WebsocketCommunicator

        from permsocket_django.tokens import issue_access_token

        socket = WebsocketCommunicator(self.consumer.as_asgi(), "/ws", subprotocols=[SUBPROTOCOL])
        connected, _ = await socket.connect()
        self.assertTrue(connected)
        await socket.send_json_to({"type": "auth", "token": issue_access_token(user or self.ann)[0]})
        auth_ok = await socket.receive_json_from(timeout=5)
        self.assertEqual(auth_ok["type"], "auth.ok")
        self.sockets.append(socket)
        return socket, auth_ok

    @staticmethod
    async def answer(socket, request_id):
        while True:
            frame = await socket.receive_json_from(timeout=5)
            if frame["type"] == "res" and frame["id"] == request_id:
                return frame

    async def request(self, socket, action, request_id, key=None, payload=None):
        frame = {"type": "req", "id": request_id, "action": action, "payload": payload}
        if key is not None:
            frame["key"] = key
        await socket.send_json_to(frame)
        return await self.answer(socket, request_id)

    async def test_announces_keys_in_auth_ok(self):
        _, auth_ok = await self.connect()
        self.assertEqual(auth_ok["features"], ["keys"])

    async def test_answers_a_re_sent_key_with_the_first_answer_without_running_the_action_again(self):
        socket, _ = await self.connect()
        first = await self.request(socket, "count.add", "1", key="k1")
        again = await self.request(socket, "count.add", "2", key="k1")
        self.assertEqual(first, {"type": "res", "id": "1", "ok": True, "data": {"run": 1, "key": "k1"}})
        self.assertEqual(again, {"type": "res", "id": "2", "ok": True, "data": {"run": 1, "key": "k1"}})
        self.assertEqual(len(self.consumer.runs), 1)

    async def test_runs_a_request_without_a_key_every_time(self):
        socket, _ = await self.connect()
        await self.request(socket, "count.plain", "1")
        second = await self.request(socket, "count.plain", "2")
        self.assertEqual(second["data"], {"run": 2})

    async def test_gives_a_repeat_while_the_first_runs_that_runs_answer(self):
        socket, _ = await self.connect()
        self.consumer.gate = asyncio.Event()
        await socket.send_json_to({"type": "req", "id": "1", "action": "count.add", "payload": None, "key": "k-running"})
        await until(lambda: len(self.consumer.runs) == 1)
        await socket.send_json_to({"type": "req", "id": "2", "action": "count.add", "payload": None, "key": "k-running"})
        self.assertTrue(await socket.receive_nothing(timeout=0.1))
        self.consumer.gate.set()
        answers = {frame["id"]: frame for frame in [await socket.receive_json_from(timeout=5) for _ in range(2)]}
        self.assertEqual(answers["1"]["data"], answers["2"]["data"])
        self.assertEqual(len(self.consumer.runs), 1)

    async def test_finishes_a_run_whose_connection_dropped_and_answers_the_re_send_on_the_next_one(self):
        socket, _ = await self.connect()
        self.consumer.gate = asyncio.Event()
        await socket.send_json_to({"type": "req", "id": "1", "action": "count.add", "payload": None, "key": "k-drop"})
        await until(lambda: len(self.consumer.runs) == 1)
        await socket.disconnect()
        self.sockets.remove(socket)
        again, _ = await self.connect()
        await again.send_json_to({"type": "req", "id": "9", "action": "count.add", "payload": None, "key": "k-drop"})
        self.consumer.gate.set()
        answer = await self.answer(again, "9")
        self.assertEqual(answer["data"], {"run": 1, "key": "k-drop"})
        self.assertEqual(len(self.consumer.runs), 1)

    async def test_keeps_the_same_key_of_another_user_apart(self):
        ann, _ = await self.connect(self.ann)
        ben, _ = await self.connect(self.ben)
        await self.request(ann, "count.add", "1", key="shared")
        answer = await self.request(ben, "count.add", "1", key="shared")
        self.assertEqual(answer["data"], {"run": 2, "key": "shared"})
        self.assertEqual([run[3] for run in self.consumer.runs], ["keys-ann", "keys-ben"])

    async def test_keeps_an_answer_for_ten_minutes_and_at_most_the_count_per_user(self):
        socket, _ = await self.connect()
        await self.request(socket, "count.add", "1", key="old")
        self.clock.now += 599
        self.assertEqual((await self.request(socket, "count.add", "2", key="old"))["data"]["run"], 1)
        self.clock.now += 2
        self.assertEqual((await self.request(socket, "count.add", "3", key="old"))["data"]["run"], 2)
        # Three per user here: a fourth key pushes the oldest out.
        for index, key in enumerate(("b", "c", "d")):
            await self.request(socket, "count.add", f"n{index}", key=key)
        self.assertEqual((await self.request(socket, "count.add", "4", key="old"))["data"]["run"], 6)
        self.assertEqual((await self.request(socket, "count.add", "5", key="d"))["data"]["run"], 5)

    async def test_refuses_a_key_that_is_not_a_string_of_1_to_64_characters_with_bad_request(self):
        socket, _ = await self.connect()
        for index, key in enumerate(["", "x" * 65, 7, None, ["k"], {"k": 1}, False]):
            await socket.send_json_to({"type": "req", "id": f"bad{index}", "action": "count.add", "payload": None, "key": key})
            answer = await self.answer(socket, f"bad{index}")
            self.assertEqual(answer["error"]["code"], "bad_request", key)
            self.assertIn("'key'", answer["error"]["message"])
        self.assertEqual(self.consumer.runs, [])
        ok = await self.request(socket, "count.add", "good", key="\U0001f511" * 32)
        self.assertTrue(ok["ok"])

    async def test_gives_the_method_the_key_and_the_request_id_and_a_plain_method_works_without_them(self):
        socket, _ = await self.connect()
        await self.request(socket, "count.add", "r-1", key="ctx-key")
        await self.request(socket, "count.add", "r-2")
        await self.request(socket, "count.plain", "r-3", key="plain-key")
        self.assertEqual(self.consumer.runs, [("add", "ctx-key", "r-1", "keys-ann"), ("add", None, "r-2", "keys-ann"), ("plain",)])

    async def test_remembers_an_action_error_but_runs_again_after_an_internal_error(self):
        socket, _ = await self.connect()
        await self.request(socket, "count.refuse", "1", key="refused")
        refused = await self.request(socket, "count.refuse", "2", key="refused")
        self.assertEqual(refused["error"], {"code": "not_found", "message": "nothing here"})
        self.assertEqual(self.consumer.runs, [("refuse",)])
        with self.assertLogs("permsocket", "ERROR"):
            failed = await self.request(socket, "count.flaky", "3", key="flaky")
        self.assertEqual(failed["error"]["code"], "internal")
        retried = await self.request(socket, "count.flaky", "4", key="flaky")
        self.assertTrue(retried["ok"])

    async def test_checks_a_repeat_of_a_refusal_again_so_a_new_grant_lets_it_run(self):
        from channels.db import database_sync_to_async

        from permsocket_django.admin_ops import set_grant

        socket, _ = await self.connect()
        refused = await self.request(socket, "count.guarded", "1", key="guarded")
        self.assertEqual(refused["error"]["code"], "permission_denied")
        await database_sync_to_async(set_grant)(self.ann, "docs.publish_doc", True)
        try:
            allowed = await self.request(socket, "count.guarded", "2", key="guarded")
        finally:
            await database_sync_to_async(set_grant)(self.ann, "docs.publish_doc", False)
        self.assertTrue(allowed["ok"], allowed)
        self.assertEqual(self.consumer.runs, [("guarded",)])

    async def test_keeps_no_copy_of_an_answer_the_method_stored_itself_nor_of_rate_limited(self):
        socket, _ = await self.connect()
        await self.request(socket, "count.stored", "1", key="stored")
        await self.request(socket, "count.stored", "2", key="stored")
        await self.request(socket, "count.busy", "3", key="busy")
        busy = await self.request(socket, "count.busy", "4", key="busy")
        self.assertEqual(busy["error"]["code"], "rate_limited")
        self.assertEqual(self.consumer.runs, [("stored", "stored"), ("stored", "stored"), ("busy",), ("busy",)])
        self.assertEqual(len(self.consumer.key_window), 0)

    async def test_with_request_keys_off_announces_nothing_and_ignores_keys(self):
        config = {**django_setup.permsocket_settings(), "REQUEST_KEYS": False}
        with override_settings(PERMSOCKET=config):
            socket, auth_ok = await self.connect()
            self.assertNotIn("features", auth_ok)
            await self.request(socket, "count.add", "1", key="k")
            again = await self.request(socket, "count.add", "2", key="k")
            bad = await self.request(socket, "count.add", "3", key=5)
        self.assertEqual(again["data"]["run"], 2)
        self.assertTrue(bad["ok"])


class RequestKeySettingsTest(unittest.TestCase):
    def test_defaults_to_keys_on_for_ten_minutes_a_thousand_per_user_in_memory(self):
        from permsocket_django import conf

        keys = conf.request_keys()
        self.assertEqual((keys.enabled, keys.ttl, keys.per_user, keys.store, keys.redis_url), (True, 600.0, 1000, "memory", None))

    def test_shares_the_window_through_redis_with_redis_url_or_a_channels_redis_layer(self):
        from permsocket_django import conf

        with override_settings(PERMSOCKET={**django_setup.permsocket_settings(), "REDIS_URL": "redis://127.0.0.1:6390/2"}):
            self.assertEqual((conf.request_keys().store, conf.request_keys().redis_url), ("redis", "redis://127.0.0.1:6390/2"))
        for hosts, url in ([["redis://10.0.0.1:6379/0"]], "redis://10.0.0.1:6379/0"), ([[("10.0.0.2", 6380)]], "redis://10.0.0.2:6380"), ([[{"address": "redis://10.0.0.3"}]], "redis://10.0.0.3"):
            layers = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": hosts[0]}}}
            with override_settings(CHANNEL_LAYERS=layers):
                self.assertEqual(conf.request_keys().redis_url, url)
            with override_settings(CHANNEL_LAYERS=layers, PERMSOCKET={**django_setup.permsocket_settings(), "REQUEST_KEYS_STORE": "memory"}):
                self.assertEqual(conf.request_keys().store, "memory")

    def test_refuses_a_wrong_setting_by_name_at_class_definition_and_in_the_checks(self):
        from permsocket_django.checks import check_settings

        for name, value, words in [
            ("REQUEST_KEY_TTL", 599, "at least 600"),
            ("REQUEST_KEY_TTL", "600", "at least 600"),
            ("REQUEST_KEYS_PER_USER", 0, "positive integer"),
            ("REQUEST_KEYS_PER_USER", 2.5, "positive integer"),
            ("REQUEST_KEYS_STORE", "memcached", '"auto", "memory" or "redis"'),
            ("REQUEST_KEYS_STORE", "redis", "no Redis URL is known"),
            ("REQUEST_KEYS", "yes", "True or False"),
            ("REDIS_URL", "http://:secret@example.com", "redis://"),
        ]:
            with self.subTest(name=name, value=value), override_settings(PERMSOCKET={**django_setup.permsocket_settings(), name: value}):
                with self.assertRaisesRegex(ImproperlyConfigured, f"PERMSOCKET\\['{name}'\\]"):
                    counter_consumer()
                errors = [problem for problem in check_settings() if problem.id == "permsocket.E006"]
                self.assertEqual(len(errors), 1)
                self.assertIn(words, errors[0].msg)
                self.assertNotIn("secret", errors[0].msg)


if __name__ == "__main__":
    unittest.main()
