"""The contract as `npx permsocket export-contract` writes it, the one source of each action's
permission, resource template and payload schema (JSON Schema, checked with jsonschema), so the
browser and the server cannot disagree and no payload rule is written a second time in Python.

    {"actions": {"chat.send": {"permission": "chat.send_message", "resource": "room:{room}",
                               "idempotent": false, "payload": {<JSON Schema> or null}}},
     "events": ["chat.message", ...]}
"""
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_$]+)\}")


@dataclass(frozen=True)
class ActionSpec:
    """One contract action: the permission it needs, the template of its resource and the
    validator of its payload (None: any JSON)."""

    name: str
    permission: Optional[str]
    resource: Optional[str]
    idempotent: bool
    validator: Any = field(default=None, compare=False, repr=False)

    def resource_for(self, payload):
        """Fills the template (`room:{room}`) from a payload that already passed validation."""
        if self.resource is None:
            return None
        values = payload if isinstance(payload, dict) else {}
        return _PLACEHOLDER.sub(lambda match: _js_string(values.get(match.group(1))), self.resource)

    def payload_error(self, payload):
        """A message saying what is wrong with `payload`, or None when it is good. Besides the
        schema, a string holding a lone surrogate (a JSON escape such as "\\ud800") is refused:
        it is no text at all and could not be stored."""
        if self.validator is not None:
            error = next(iter(sorted(self.validator.iter_errors(payload), key=lambda e: list(e.path))), None)
            if error is not None:
                where = "/".join(str(part) for part in error.path)
                return f"{where}: {error.message}"[:300] if where else error.message[:300]
        if _has_lone_surrogate(payload):
            return "expected valid Unicode text (a lone surrogate is no character)"
        return None


@dataclass(frozen=True)
class Contract:
    """The contract's actions by name and its event names."""

    actions: dict
    events: tuple


def _has_lone_surrogate(value):
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _js_string(value):
    """What a JavaScript template literal makes of a JSON value, for the common cases."""
    if isinstance(value, str):
        return value
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def parse_contract(raw, source="contract"):
    """Builds a Contract from the decoded JSON; raises ValueError saying what is wrong."""
    if not isinstance(raw, dict) or not isinstance(raw.get("actions"), dict) or not isinstance(raw.get("events"), list):
        raise ValueError(f"{source}: expected {{actions: {{...}}, events: [...]}}")
    actions = {}
    for name, spec in raw["actions"].items():
        if not isinstance(spec, dict) or not isinstance(spec.get("permission"), (str, type(None))):
            raise ValueError(f"{source}: action {name!r} needs a permission (string or null)")
        if not isinstance(spec.get("resource"), (str, type(None))):
            raise ValueError(f"{source}: action {name!r} has a resource that is not a string or null")
        schema = spec.get("payload")
        validator = None
        if schema is not None:
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as error:
                raise ValueError(f"{source}: action {name!r} has an invalid payload schema: {error.message}") from None
            # Formats (uuid, email, date-time) are asserted, as the client's schema library does.
            validator = Draft202012Validator(schema, format_checker=FormatChecker())
        actions[name] = ActionSpec(
            name=name,
            permission=spec["permission"],
            resource=spec.get("resource"),
            idempotent=bool(spec.get("idempotent", False)),
            validator=validator,
        )
    events = tuple(event["name"] if isinstance(event, dict) else event for event in raw["events"])
    return Contract(actions=actions, events=events)


@functools.lru_cache(maxsize=None)
def _load(path):
    with open(path, encoding="utf-8") as handle:
        try:
            raw = json.load(handle)
        except ValueError as error:
            raise ValueError(f"{path}: not JSON ({error})") from None
    return parse_contract(raw, str(path))


def load_contract(path):
    """Reads (once per path) the contract JSON; raises OSError or ValueError."""
    return _load(str(path))
