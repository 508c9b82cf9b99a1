"""Payload validation mirrors each action's validate in demo/contract.ts."""
import unittest

from chat.validation import validate_delete, validate_history, validate_send


class ValidationTest(unittest.TestCase):
    def test_room_is_a_string_of_1_to_64_characters(self):
        self.assertIsNone(validate_history({"room": "general"}))
        for payload in (None, [], "general", {}, {"room": ""}, {"room": "x" * 65}, {"room": 5}):
            self.assertIsNotNone(validate_history(payload), payload)

    def test_text_counts_code_points(self):
        self.assertIsNone(validate_send({"room": "general", "text": "😀" * 2000}))
        self.assertEqual(
            validate_send({"room": "general", "text": "😀" * 2001}), "expected 'text' to be 1-2000 characters, got 2001"
        )
        self.assertIsNotNone(validate_send({"room": "general", "text": ""}))
        self.assertIsNotNone(validate_send({"room": "general", "text": 5}))

    def test_delete_needs_an_id_of_1_to_64_characters(self):
        self.assertIsNone(validate_delete({"room": "general", "id": "12"}))
        for message_id in ("", "x" * 65, 12, None):
            self.assertIsNotNone(validate_delete({"room": "general", "id": message_id}))


if __name__ == "__main__":
    unittest.main()
