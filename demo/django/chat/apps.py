"""The reference chat app."""
from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Chat rooms `general` and `random`; its permissions are `chat.*`."""

    name = "chat"
    default_auto_field = "django.db.models.AutoField"
