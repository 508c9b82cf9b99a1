"""App config: connects the signals that keep permission versions and pushes current."""
from django.apps import AppConfig


class PermsocketConfig(AppConfig):
    """The permsocket app: scoped grants, permission versions, refresh tokens, the consumer base."""

    name = "permsocket_django"
    label = "permsocket"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from . import signals  # noqa: F401  (connects receivers)
