"""The chat message model; its Meta declares the permissions the contract names."""
from django.conf import settings
from django.db import models

ROOMS = ("general", "random")


class Message(models.Model):
    """One chat message. Permissions: chat.view_message and chat.delete_message (Django's
    defaults, trimmed to the two the app uses) and chat.send_message (a custom one, which only
    Meta.permissions can create: it is not a model operation Django knows)."""

    room = models.CharField(max_length=64, db_index=True)
    text = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    at = models.BigIntegerField(help_text="unix milliseconds")
    # The request key of the chat.send that made it (PROTOCOL.md, "Request keys"): stored in the
    # same transaction as the message, so a re-send after a crash finds it instead of adding a
    # second one. Null for a send without a key.
    key = models.CharField(max_length=64, null=True, blank=True, help_text="request key of the send that made it")

    class Meta:
        default_permissions = ("view", "delete")
        permissions = [("send_message", "Can send a message")]
        constraints = [
            # One message per key and user; keys of different users never collide.
            models.UniqueConstraint(fields=["user", "key"], condition=models.Q(key__isnull=False), name="chat_message_user_key"),
        ]

    def as_wire(self):
        """The contract's Message: {id, room, text, user, at}."""
        return {"id": str(self.pk), "room": self.room, "text": self.text, "user": self.user.get_username(), "at": self.at}
