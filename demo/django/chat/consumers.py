"""The chat app's socket: one method per contract action on top of PermsocketConsumer. Payloads
are checked against contract.json's schemas and the permission by has_perm before these run."""
import re
import time

from django.db import IntegrityError, transaction
from permsocket_django.consumer import ActionError, PermsocketConsumer, action

from .models import ROOMS, Message

HISTORY_LIMIT = 100
# A message id is a canonical decimal row id, as in the Node server: no sign, no leading zero, no
# non-ASCII digits ("01", "\u0661" and "\u00b2" name no message), at most 16 digits.
MESSAGE_ID = re.compile(r"[1-9][0-9]{0,15}")
# Who may see a room's events: the same rule as chat.history.
AUDIENCE = "chat.view_message"


def _room(payload):
    """The payload's room; existence is checked only after the permission, so a user without
    it learns nothing about which rooms exist."""
    if payload["room"] not in ROOMS:
        raise ActionError("not_found", f"no room \"{payload['room'][:64]}\"")
    return payload["room"]


class ChatConsumer(PermsocketConsumer):
    """chat.history, chat.send and chat.delete; events chat.message and chat.deleted."""

    subscriptions = [f"room:{room}" for room in ROOMS]

    @action("chat.history")
    def history(self, payload):
        newest = Message.objects.filter(room=_room(payload)).select_related("user").order_by("-at", "-pk")[:HISTORY_LIMIT]
        return {"messages": [message.as_wire() for message in reversed(list(newest))]}

    @action("chat.send")
    async def send_message(self, payload, ctx):
        room = _room(payload)
        message, created = await self.database(self._create, room, payload["text"], ctx.user, ctx.key)
        if created:
            # A re-send answered from the stored message publishes nothing: the first send did,
            # unless its process died before it could (chat.history has the message either way).
            await self.publish("chat.message", {"message": message}, resource=f"room:{room}", permission=AUDIENCE)
        return {"message": message}

    @action("chat.delete")
    async def delete(self, payload):
        room, message_id = _room(payload), payload["id"]
        if not await self.database(self._delete, room, message_id):
            raise ActionError("not_found", f"no message \"{message_id[:64]}\" in room \"{room}\"")
        await self.publish("chat.deleted", {"room": room, "id": message_id}, resource=f"room:{room}", permission=AUDIENCE)
        return {}

    @staticmethod
    def _create(room, text, user, key):
        """(the message, whether this call stored it). The request key is stored with the message
        in one INSERT under a unique (user, key) constraint, so a re-send of a send that was
        committed (also by a process that died before answering) gets the stored message back."""
        if key is not None:
            stored = Message.objects.filter(user=user, key=key).select_related("user").first()
            if stored is not None:
                return stored.as_wire(), False
        try:
            with transaction.atomic():
                message = Message.objects.create(room=room, text=text, user=user, at=int(time.time() * 1000), key=key)
        except IntegrityError:
            # The same key committed meanwhile by another process (a re-send to another node).
            if key is None:
                raise
            return Message.objects.select_related("user").get(user=user, key=key).as_wire(), False
        return message.as_wire(), True

    @staticmethod
    def _delete(room, message_id):
        if not MESSAGE_ID.fullmatch(message_id):
            return False
        deleted, _ = Message.objects.filter(room=room, pk=int(message_id)).delete()
        return deleted > 0
