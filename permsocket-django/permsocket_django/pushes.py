"""Messages sent through the channel layer to open sockets, from any process and any thread.

With the in-memory layer they only reach sockets of this process; with channels_redis they reach
every server node, including from a `manage.py` command in another shell.
"""
import asyncio
import hashlib
import logging
import re

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger("permsocket")
# The server's event loop, remembered by the first socket: the in-memory layer's queues belong to
# it, so a push from a background thread is handed to that loop rather than run in a new one.
_server_loop = None
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,60}")


def remember_server_loop():
    """Called from a consumer: the loop that serves the sockets of this process."""
    global _server_loop
    _server_loop = asyncio.get_running_loop()


def user_group(user_id):
    """The channel-layer group holding every open socket of one user (any primary key type)."""
    text = str(user_id)
    return f"permsocket.user.{text}" if _SAFE_NAME.fullmatch(text) else f"permsocket.user.h{_digest(text)}"


def resource_group(resource):
    """The channel-layer group of the sockets that listen to events on `resource`."""
    return f"permsocket.res.{_digest(resource)}"


def _digest(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def send(group, message):
    """Sends `message` to `group` from synchronous code; a push that cannot be delivered is
    logged and must not fail the change that caused it."""
    send_many([group], message)


def send_many(groups, message):
    """Sends `message` to each of `groups` from synchronous code, in one hand-over to the event
    loop, and returns once the channel layer holds every copy (except when called on the server's
    loop itself, where it can only be scheduled). Failures are logged, never raised."""
    groups = list(groups)
    layer = get_channel_layer()
    if layer is None or not groups:
        return

    async def deliver():
        for group in groups:
            await layer.group_send(group, message)

    try:
        loop = _server_loop
        if loop is not None and loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                loop.create_task(deliver())
            else:
                asyncio.run_coroutine_threadsafe(deliver(), loop).result(timeout=10)
        else:
            async_to_sync(deliver)()
    except Exception:
        logger.exception("could not push %s", message.get("type"))


def push_perms(user_id, version, grants):
    """Tells every socket of the user that its permissions are now `grants`, at `version` (the
    sockets send them on as they are, without reading the database first)."""
    send(user_group(user_id), {"type": "permsocket.perms", "version": version, "grants": list(grants)})


def push_stale(user_ids):
    """Tells every socket of these users, before the change's request returns, that their
    permissions changed: each forgets the event answers it kept, so an event published after this
    returns is checked on the new grants even when the `perms` push (computed off the request)
    has not arrived yet. A channel layer delivers the messages of one channel in the order they
    were sent (channels_redis: in the order of the senders' clocks)."""
    send_many([user_group(user_id) for user_id in user_ids], {"type": "permsocket.stale"})


def push_deactivated(user_id):
    """Closes every socket of the user with 4403."""
    send(user_group(user_id), {"type": "permsocket.deactivated"})


def event_message(name, data, resource, permission):
    """A contract event for resource_group(resource); each socket forwards it only when its user
    holds `permission` on `resource` (None: every signed-in listener)."""
    return {"type": "permsocket.event", "name": name, "data": data, "permission": permission, "resource": resource}


def publish(name, data, resource, permission=None):
    """Sends a contract event from synchronous code (a view, a task, a shell) to the sockets
    listening to `resource`. In a consumer, `await self.publish(...)` does the same."""
    send(resource_group(resource), event_message(name, data, resource, permission))
