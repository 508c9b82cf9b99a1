"""Django set up once per test process from tests/settings.py, with its tables created."""
import os

_ready = False


def setup():
    """Configures Django and creates the tables; once."""
    global _ready
    if _ready:
        return
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    _ready = True


def permsocket_settings():
    """A copy of the tests' PERMSOCKET setting, for override_settings with one value changed."""
    from django.conf import settings

    return dict(settings.PERMSOCKET)
