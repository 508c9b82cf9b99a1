"""App config: registers the system checks, connects the signals that keep permission versions
and pushes current, and fits daphne to the protocol (transport.py)."""
from django.apps import AppConfig


class PermsocketConfig(AppConfig):
    """The permsocket app: scoped grants, permission versions, refresh tokens, the consumer base."""

    name = "permsocket_django"
    label = "permsocket"
    verbose_name = "permsocket"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from . import checks, signals, transport  # noqa: F401  (registers checks, connects receivers)

        transport.apply()
