"""Parsing of client frames, mirroring parseClientFrame in src/protocol.ts."""
import json

SUBPROTOCOL = "permsocket.v1"
MAX_FRAME_BYTES = 64 * 1024
MAX_REQUEST_ID_LENGTH = 64


class FrameError(Exception):
    """A frame the server must refuse by closing with `code` (after an `error` frame)."""

    def __init__(self, code, error_code, message):
        super().__init__(message)
        self.code = code
        self.error_code = error_code
        self.message = message


def js_length(text):
    """A string's length as JavaScript counts it (UTF-16 code units), so limits match the client's."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def describe(value):
    """The kind of a JSON value for error messages: `number`, `null`, `array`, `object`, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _reject_constant(name):
    # JSON has no NaN or Infinity; Python's parser accepts them, JavaScript's does not.
    raise ValueError(f"invalid JSON constant {name}")


def _js_number(digits):
    # JavaScript reads every JSON number as a double; Python refuses an integer of over 4,300
    # digits (a guard against slow parsing). A long one becomes a float, as in the browser.
    return int(digits) if len(digits) <= 4300 else float(digits)


def _bad(message):
    return FrameError(4400, "bad_request", message)


def parse_client_frame(text, max_bytes=MAX_FRAME_BYTES):
    """Returns the frame (a dict with a string `type`) or raises FrameError: oversize -> 1009;
    not a JSON object, unknown type or bad request id -> 4400. An auth without a string token
    comes back with token "" for verification to refuse. A `req` without an action is returned as
    is: it gets a `res` error, not a close."""
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise FrameError(1009, "bad_request", f"frame larger than {max_bytes} bytes")
    try:
        frame = json.loads(text, parse_constant=_reject_constant, parse_int=_js_number)
    except (ValueError, RecursionError):
        raise _bad("expected a JSON object, got invalid JSON") from None
    if not isinstance(frame, dict):
        raise _bad(f"expected a JSON object, got {describe(frame)}")
    kind = frame.get("type")
    if not isinstance(kind, str):
        raise _bad(f"expected 'type' to be a string, got {describe(kind)}")
    if kind in ("auth", "auth.refresh"):
        # A missing token is an invalid one, refused by verification (4401); not refused here, so
        # the state rule applies first and a second auth is 4400 whatever it carries.
        if not isinstance(frame.get("token"), str):
            frame["token"] = ""
    elif kind == "req":
        request_id = frame.get("id")
        if not isinstance(request_id, str) or not 1 <= js_length(request_id) <= MAX_REQUEST_ID_LENGTH:
            got = f"a string of {js_length(request_id)} characters" if isinstance(request_id, str) else describe(request_id)
            raise _bad(f"\"req\" expects 'id' to be a string of 1-{MAX_REQUEST_ID_LENGTH} characters, got {got}")
    elif kind != "ping":
        raise _bad(f'unknown frame type "{kind[:64]}"')
    return frame
