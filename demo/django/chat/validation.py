"""Payload checks, mirroring each action's `validate` in demo/contract.ts (same limits, same
messages). Lengths of room and id count UTF-16 units as JavaScript's `.length` does; text counts
code points, as the contract does."""
from permsocket_django.frames import js_length

MAX_TEXT_LENGTH = 2000


def _room_error(payload):
    if not isinstance(payload, dict):
        return "expected the payload to be an object"
    room = payload.get("room")
    if not isinstance(room, str) or not 1 <= js_length(room) <= 64:
        return "expected 'room' to be a string of 1-64 characters"
    return None


def validate_history(payload):
    """chat.history {room}."""
    return _room_error(payload)


def validate_send(payload):
    """chat.send {room, text}: text of 1-2000 code points."""
    error = _room_error(payload)
    if error:
        return error
    text = payload.get("text")
    if not isinstance(text, str):
        return "expected 'text' to be a string"
    length = len(text)
    if length < 1 or length > MAX_TEXT_LENGTH:
        return f"expected 'text' to be 1-{MAX_TEXT_LENGTH} characters, got {length}"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate from a JSON escape cannot be stored as text.
        return "expected 'text' to be valid Unicode"
    return None


def validate_delete(payload):
    """chat.delete {room, id}."""
    error = _room_error(payload)
    if error:
        return error
    message_id = payload.get("id")
    if not isinstance(message_id, str) or not 1 <= js_length(message_id) <= 64:
        return "expected 'id' to be a string of 1-64 characters"
    return None


VALIDATORS = {
    "chat.history": validate_history,
    "chat.send": validate_send,
    "chat.delete": validate_delete,
}
