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

    class Meta:
        default_permissions = ("view", "delete")
        permissions = [("send_message", "Can send a message")]

    def as_wire(self):
        """The contract's Message: {id, room, text, user, at}."""
        return {"id": str(self.pk), "room": self.room, "text": self.text, "user": self.user.get_username(), "at": self.at}
