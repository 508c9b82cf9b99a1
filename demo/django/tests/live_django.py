"""Django set up once per test process, on a temporary SQLite database, for the tests that drive
the real consumer (the other tests need no Django at all)."""
import atexit
import os
import shutil
import tempfile

_ready = False


def setup():
    """Configures settings from a temporary environment, sets Django up and migrates; once."""
    global _ready
    if _ready:
        return
    data_dir = tempfile.mkdtemp(prefix="permsocket-django-test-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["DATABASE"] = os.path.join(data_dir, "db.sqlite3")
    os.environ["JWT_SECRET"] = "consumer-test-secret-of-enough-length"
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    _ready = True
