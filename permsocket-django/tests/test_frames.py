"""Frame parsing mirrors parseClientFrame in src/protocol.ts."""
import json
import unittest

from permsocket_django.frames import FrameError, js_length, parse_client_frame


class ParseClientFrameTest(unittest.TestCase):
    def refused(self, text):
        with self.assertRaises(FrameError) as caught:
            parse_client_frame(text)
        return caught.exception.code

    def test_accepts_the_four_client_frames(self):
        for frame in ({"type": "auth", "token": "t"}, {"type": "auth.refresh", "token": "t"}, {"type": "ping"},
                      {"type": "req", "id": "1", "action": "a", "payload": None}):
            self.assertEqual(parse_client_frame(json.dumps(frame))["type"], frame["type"])

    def test_closes_4400_on_what_is_not_a_frame(self):
        for text in ("", "{", "[]", "null", "1", '{"type":1}', '{"type":"nope"}', '{"type":"ping","x":NaN}'):
            self.assertEqual(self.refused(text), 4400, text)

    def test_reads_an_integer_too_long_for_python_as_a_float_like_javascript(self):
        frame = parse_client_frame('{"type":"req","id":"1","action":"a","payload":' + "9" * 5000 + "}")
        self.assertIsInstance(frame["payload"], float)
        self.assertEqual(parse_client_frame('{"type":"req","id":"1","action":"a","payload":12}')["payload"], 12)

    def test_hands_a_missing_token_over_as_empty_for_verification_to_refuse(self):
        for text in ('{"type":"auth"}', '{"type":"auth","token":""}', '{"type":"auth.refresh","token":5}'):
            self.assertEqual(parse_client_frame(text)["token"], "", text)

    def test_closes_4400_on_a_bad_request_id(self):
        for request_id in ("", "x" * 65, 7, None):
            self.assertEqual(self.refused(json.dumps({"type": "req", "id": request_id, "action": "a"})), 4400)

    def test_counts_id_length_in_utf16_units_as_javascript_does(self):
        self.assertEqual(js_length("😀"), 2)
        self.assertEqual(self.refused(json.dumps({"type": "req", "id": "😀" * 33, "action": "a"})), 4400)
        parse_client_frame(json.dumps({"type": "req", "id": "😀" * 32, "action": "a"}))

    def test_leaves_a_missing_action_to_the_consumer(self):
        self.assertNotIn("action", parse_client_frame('{"type":"req","id":"1"}'))

    def test_closes_1009_past_64_kib_of_utf8(self):
        self.assertEqual(self.refused(json.dumps({"type": "ping", "pad": "é" * 33000})), 1009)


if __name__ == "__main__":
    unittest.main()
