"""Django settings for the permsocket reference server. Every value comes from config/env.py."""
import secrets

from django.db.backends.signals import connection_created

from . import env

BASE_DIR = env.BASE_DIR
# Nothing here signs data that must survive a restart (no sessions, no password-reset links):
# access tokens use JWT_SECRET, refresh tokens are random and stored hashed.
SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
# The API never builds absolute URLs from the Host header, so any host may reach it.
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "permsocket_django",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]

# ModelBackend answers global permissions; the scoped backend answers has_perm(perm, obj) for
# object-level grants such as chat.send_message@room:general.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "permsocket_django.backends.ScopedPermissionBackend",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

env.DATABASE.parent.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(env.DATABASE),
        # Channels closes "old" connections around every database_sync_to_async call; with the
        # default CONN_MAX_AGE of 0 each request reopened the file and re-ran the PRAGMA.
        "CONN_MAX_AGE": None,
        # A management command in another process may write while the server does.
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# A full channel drops what is sent to it without a word, a `perms` push or a deactivation as
# readily as a chat event: room for a burst of events (the default is 100 per socket).
CHANNEL_CAPACITY = 2000
if env.REDIS_URL:
    # Several processes (server nodes, manage.py commands) share pushes only through Redis.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [env.REDIS_URL], "capacity": CHANNEL_CAPACITY},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": CHANNEL_CAPACITY}}}

USE_TZ = True
TIME_ZONE = "UTC"

PERMSOCKET = {
    "JWT_SECRET": env.JWT_SECRET,
    "ACCESS_TOKEN_TTL": env.ACCESS_TOKEN_TTL,
    # Unset: 127.0.0.1 and localhost on the port this socket was accepted on (also with PORT=0).
    "ALLOWED_ORIGINS": env.ALLOWED_ORIGINS or env.origins_of_bound_port,
    "RATE_LIMIT": env.RATE_LIMIT,
    "AUTH_TIMEOUT": env.AUTH_TIMEOUT,
    "CONTRACT": BASE_DIR / "contract.json",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"permsocket": {"level": "INFO"}},
}


def _sqlite_wal(sender, connection, **kwargs):
    """WAL lets the server read while a management command in another process writes."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")


connection_created.connect(_sqlite_wal)
