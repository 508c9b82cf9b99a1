"""Messages sent through the channel layer to open sockets, from any process.

With the in-memory layer they only reach sockets of this process; with channels_redis
(REDIS_URL) they reach every server node, including from a `manage.py` command.
"""
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger("permsocket")

# One group for every authenticated socket; chat events are filtered per recipient.
BROADCAST_GROUP = "permsocket.all"


def user_group(user_id):
    """The channel-layer group holding every open socket of one user."""
    return f"permsocket.user.{user_id}"


def _send(group, message):
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # A push that cannot be delivered must not fail the change that caused it.
        logger.exception("could not push %s to %s", message.get("type"), group)


def push_perms(user_id, version):
    """Tells every socket of the user that its permissions are now at `version`."""
    _send(user_group(user_id), {"type": "permsocket.perms", "version": version})


def push_deactivated(user_id):
    """Closes every socket of the user with 4403."""
    _send(user_group(user_id), {"type": "permsocket.deactivated"})


def event_message(name, data, permission, resource):
    """A contract event for BROADCAST_GROUP; each socket forwards it only when its user holds
    `permission` on `resource` (checked on a freshly loaded user)."""
    return {"type": "permsocket.event", "name": name, "data": data, "permission": permission, "resource": resource}
