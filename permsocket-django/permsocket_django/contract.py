"""The action -> permission/resource table, read from contract.json, which
demo/django/export-contract.ts generates from the TypeScript contract so the two cannot drift."""
import json
import re
from dataclasses import dataclass
from typing import Optional

_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_$]+)\}")


@dataclass(frozen=True)
class ActionSpec:
    """One contract action: the permission it needs and the template of its resource."""

    name: str
    permission: Optional[str]
    resource: Optional[str]
    idempotent: bool

    def resource_for(self, payload):
        """Fills the template (`room:{room}`) from a payload that already passed validation."""
        if self.resource is None:
            return None
        return _PLACEHOLDER.sub(lambda match: _js_string(payload.get(match.group(1))), self.resource)


@dataclass(frozen=True)
class Contract:
    """The contract's actions by name and its event names."""

    actions: dict
    events: tuple


def _js_string(value):
    """What a JavaScript template literal makes of a JSON value, for the common cases."""
    if isinstance(value, str):
        return value
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def load_contract(path):
    """Reads contract.json; raises ValueError when it is not what export-contract.ts writes."""
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    if not isinstance(raw, dict) or not isinstance(raw.get("actions"), dict) or not isinstance(raw.get("events"), list):
        raise ValueError(f"{path}: expected {{actions: {{...}}, events: [...]}}")
    actions = {}
    for name, spec in raw["actions"].items():
        if not isinstance(spec, dict) or not isinstance(spec.get("permission"), (str, type(None))):
            raise ValueError(f"{path}: action {name!r} needs a permission (string or null)")
        actions[name] = ActionSpec(
            name=name,
            permission=spec["permission"],
            resource=spec.get("resource"),
            idempotent=bool(spec.get("idempotent", False)),
        )
    return Contract(actions=actions, events=tuple(raw["events"]))
