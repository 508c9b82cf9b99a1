"""The chat app's socket: the contract's actions on top of PermsocketConsumer."""
import re
import time

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from permsocket_django import pushes
from permsocket_django.consumer import ActionError, PermsocketConsumer
from permsocket_django.contract import load_contract

from .models import ROOMS, Message
from .validation import VALIDATORS

CONTRACT = load_contract(settings.PERMSOCKET["CONTRACT"])
HISTORY_LIMIT = 100
# A message id is a canonical decimal row id, as in the Node server: no sign, no leading zero, no
# non-ASCII digits ("01", "\u0661" and "\u00b2" name no message), at most 16 digits.
MESSAGE_ID = re.compile(r"[1-9][0-9]{0,15}")


def _history(room):
    newest = Message.objects.filter(room=room).select_related("user").order_by("-at", "-pk")[:HISTORY_LIMIT]
    return [message.as_wire() for message in reversed(list(newest))]


def _send(room, text, user):
    message = Message.objects.create(room=room, text=text, user=user, at=int(time.time() * 1000))
    return message.as_wire()


def _delete(room, message_id):
    if not MESSAGE_ID.fullmatch(message_id):
        return False
    deleted, _ = Message.objects.filter(room=room, pk=int(message_id)).delete()
    return deleted > 0


class ChatConsumer(PermsocketConsumer):
    """chat.history, chat.send and chat.delete; events chat.message and chat.deleted."""

    contract = CONTRACT
    handlers = {"chat.history": "_do_history", "chat.send": "_do_send", "chat.delete": "_do_delete"}

    def validate(self, action, payload):
        """The contract's payload check for `action`."""
        return VALIDATORS[action](payload)

    async def perform(self, spec, payload, user):
        """Runs an action that passed validation and the permission check."""
        # Existence is checked only now: a user without the permission learns nothing about rooms.
        if payload["room"] not in ROOMS:
            raise ActionError("not_found", f"no room \"{payload['room'][:64]}\"")
        return await getattr(self, self.handlers[spec.name])(payload, user)

    async def _do_history(self, payload, user):
        return {"messages": await database_sync_to_async(_history)(payload["room"])}

    async def _do_send(self, payload, user):
        message = await database_sync_to_async(_send)(payload["room"], payload["text"], user)
        await self._broadcast("chat.message", {"message": message}, payload["room"])
        return {"message": message}

    async def _do_delete(self, payload, user):
        room, message_id = payload["room"], payload["id"]
        if not await database_sync_to_async(_delete)(room, message_id):
            raise ActionError("not_found", f"no message \"{message_id[:64]}\" in room \"{room}\"")
        await self._broadcast("chat.deleted", {"room": room, "id": message_id}, room)
        return {}

    async def _broadcast(self, name, data, room):
        """Sends an event to every socket whose user may read the room, by the same rule as
        chat.history (each socket checks its own user, freshly loaded)."""
        audience = CONTRACT.actions["chat.history"]
        await self.channel_layer.group_send(
            pushes.BROADCAST_GROUP,
            pushes.event_message(name, data, audience.permission, audience.resource_for({"room": room})),
        )


def _check_contract():
    """Fails at startup when contract.json and this app disagree, instead of at a request."""
    names = set(CONTRACT.actions)
    if names != set(VALIDATORS) or names != set(ChatConsumer.handlers):
        raise ImproperlyConfigured(
            f"contract.json actions {sorted(names)} do not match the chat app's validators "
            f"{sorted(VALIDATORS)} and handlers {sorted(ChatConsumer.handlers)}"
        )
    if set(CONTRACT.events) != {"chat.message", "chat.deleted"}:
        raise ImproperlyConfigured(f"contract.json events {list(CONTRACT.events)} are not the chat app's")


_check_contract()
