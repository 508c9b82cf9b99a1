"""Settings of the package's own tests: a project with a UUID user model, on a temporary SQLite."""
import os
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET_KEY = "permsocket-django-tests"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "guardian",
    "permsocket_django",
    "tests.app.apps.DocsConfig",
]
AUTH_USER_MODEL = "docs.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "permsocket_django.backends.ScopedPermissionBackend",
    "permsocket_django.guardian_backend.GuardianResourceBackend",
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(tempfile.mkdtemp(prefix="permsocket-django-tests-"), "db.sqlite3"),
        "CONN_MAX_AGE": None,
    }
}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
USE_TZ = True
PERMSOCKET = {
    "JWT_SECRET": "permsocket-django-tests-secret-of-32-bytes-or-more",
    "ALLOWED_ORIGINS": ["http://app.test"],
    "CONTRACT": HERE / "contract.json",
}
