"""The token bucket and the contract table's resource templates."""
import json
import tempfile
import unittest

from permsocket_django.contract import load_contract
from permsocket_django.ratelimit import TokenBucket


class TokenBucketTest(unittest.TestCase):
    def test_allows_a_burst_then_refills_at_the_rate(self):
        now = [0.0]
        bucket = TokenBucket(3, 2, clock=lambda: now[0])
        self.assertEqual([bucket.take() for _ in range(4)], [True, True, True, False])
        now[0] = 0.5
        self.assertEqual([bucket.take(), bucket.take()], [True, False])


class ContractTest(unittest.TestCase):
    def test_fills_the_resource_template_from_the_payload(self):
        table = {"actions": {"chat.send": {"permission": "chat.send_message", "resource": "room:{room}", "idempotent": False},
                             "ping": {"permission": None, "resource": None, "idempotent": True}}, "events": []}
        with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            json.dump(table, handle)
            handle.flush()
            contract = load_contract(handle.name)
        self.assertEqual(contract.actions["chat.send"].resource_for({"room": "general"}), "room:general")
        self.assertIsNone(contract.actions["ping"].resource_for({}))

    def test_refuses_a_file_that_is_not_a_contract(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
            handle.write("[]")
            handle.flush()
            with self.assertRaises(ValueError):
                load_contract(handle.name)


if __name__ == "__main__":
    unittest.main()
