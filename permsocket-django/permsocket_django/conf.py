"""The PERMSOCKET setting, read with defaults. Names as in the protocol's environment table.

    PERMSOCKET = {
        "JWT_SECRET": "...",                  # required: HS256 key for access tokens
        "ALLOWED_ORIGINS": ["https://app.example.com"],   # required, non-empty (or a callable)
        "CONTRACT": BASE_DIR / "contract.json",           # required: `npx permsocket export-contract`
        "ACCESS_TOKEN_TTL": 300,              # seconds
        "RATE_LIMIT": (100, 50),              # burst, frames per second; "100,50" too; None or "off": none
        "AUTH_TIMEOUT": 5,                    # seconds to send the auth frame
        "MAX_FRAME_BYTES": 65536,             # a longer frame closes with 1009
        "REQUEST_KEYS": True,                 # announce "keys" in auth.ok and answer repeats
        "REQUEST_KEY_TTL": 600,               # seconds an answer is kept (at least 600)
        "REQUEST_KEYS_PER_USER": 1000,        # answers kept per user
        "REQUEST_KEYS_STORE": "auto",         # "memory", "redis", or "auto": redis when a URL is known
    }

`manage.py check` reports what is missing or malformed (checks.py); a bad value never becomes an
HTTP 500 at the handshake: the reader below falls back to the default and the check says why.
"""
import math
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    "JWT_SECRET": "",
    "ALLOWED_ORIGINS": (),
    "CONTRACT": None,
    "ACCESS_TOKEN_TTL": 300,
    "RATE_LIMIT": (100, 50),
    "AUTH_TIMEOUT": 5.0,
    "MAX_FRAME_BYTES": 64 * 1024,
    "REQUEST_KEYS": True,
    "REQUEST_KEY_TTL": 600,
    "REQUEST_KEYS_PER_USER": 1000,
    "REQUEST_KEYS_STORE": "auto",
    "REDIS_URL": None,
}
#: The protocol keeps an answer at least this long.
MIN_REQUEST_KEY_TTL = 600


def raw(name):
    """The configured value of `name`, or its default."""
    configured = getattr(settings, "PERMSOCKET", None)
    if isinstance(configured, dict) and name in configured:
        return configured[name]
    return DEFAULTS[name]


def parse_rate_limit(value):
    """(burst, per second) or None (off) from a tuple, a list or "<burst>,<per second>"; raises
    ValueError with the reason for anything else."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "off"):
        return None
    if isinstance(value, str):
        parts = value.split(",")
        if len(parts) != 2:
            raise ValueError(f'expected "<burst>,<per second>" or "off", got "{value[:64]}"')
        try:
            value = tuple(float(part) for part in parts)
        except ValueError:
            raise ValueError(f'expected two numbers, got "{value[:64]}"') from None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"expected (burst, per second), got {value!r:.64}")
    burst, rate = value
    for number in (burst, rate):
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number) or number <= 0:
            raise ValueError(f"expected two positive numbers, got {value!r:.64}")
    return (burst, rate)


def _positive(name):
    value = raw(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return DEFAULTS[name]
    return value


def jwt_secret():
    """The HS256 key, or "" when missing (every token is then refused and the check says so)."""
    value = raw("JWT_SECRET")
    return value if isinstance(value, str) else ""


def access_token_ttl():
    """Whole seconds, at least 1."""
    return max(1, int(_positive("ACCESS_TOKEN_TTL")))


def auth_timeout():
    """Seconds a socket has to send its auth frame."""
    return float(_positive("AUTH_TIMEOUT"))


def max_frame_bytes():
    """The longest frame accepted, in UTF-8 bytes."""
    return int(_positive("MAX_FRAME_BYTES"))


def rate_limit():
    """(burst, per second) or None; a malformed value means the default (and a check error)."""
    try:
        return parse_rate_limit(raw("RATE_LIMIT"))
    except ValueError:
        return DEFAULTS["RATE_LIMIT"]


def allowed_origins(scope=None):
    """The Origin values allowed to open a socket. ALLOWED_ORIGINS may be a callable taking the
    ASGI scope (a server that learns its port only once bound builds its list from it)."""
    value = raw("ALLOWED_ORIGINS")
    if callable(value):
        value = value(scope or {})
    if isinstance(value, str):
        value = [origin.strip() for origin in value.split(",")]
    try:
        return [origin for origin in value if isinstance(origin, str) and origin]
    except TypeError:
        return []


def contract_path():
    """Where the contract JSON is, or None."""
    value = raw("CONTRACT")
    return Path(value) if isinstance(value, (str, Path)) and str(value) else None


def channels_redis_url():
    """The Redis URL of a channels_redis default layer (a URL string, a (host, port) pair or a
    dict with "address"), or None."""
    layer = (getattr(settings, "CHANNEL_LAYERS", None) or {}).get("default") or {}
    if "channels_redis" not in str(layer.get("BACKEND", "")):
        return None
    hosts = (layer.get("CONFIG") or {}).get("hosts") or []
    first = hosts[0] if isinstance(hosts, (list, tuple)) and hosts else None
    if isinstance(first, dict):
        first = first.get("address")
    if isinstance(first, str) and first.startswith(("redis://", "rediss://", "unix://")):
        return first
    if isinstance(first, (list, tuple)) and len(first) == 2:
        return f"redis://{first[0]}:{first[1]}"
    return None


class RequestKeySettings:
    """The request-key settings, checked: `enabled`, `ttl` (seconds), `per_user`, `store`
    ("memory" or "redis") and `redis_url` (None for memory)."""

    def __init__(self, enabled, ttl, per_user, store, redis_url):
        self.enabled, self.ttl, self.per_user, self.store, self.redis_url = enabled, ttl, per_user, store, redis_url


def request_keys():
    """The RequestKeySettings; raises ImproperlyConfigured naming the setting that is wrong (the
    consumer class definition calls it, so daphne refuses to start, and `manage.py check` reports
    it as permsocket.E006)."""
    enabled = raw("REQUEST_KEYS")
    if not isinstance(enabled, bool):
        raise ImproperlyConfigured(f"PERMSOCKET['REQUEST_KEYS'] must be True or False, got {enabled!r:.64}")
    ttl = raw("REQUEST_KEY_TTL")
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not math.isfinite(ttl) or ttl < MIN_REQUEST_KEY_TTL:
        raise ImproperlyConfigured(
            f"PERMSOCKET['REQUEST_KEY_TTL'] must be a number of seconds of at least {MIN_REQUEST_KEY_TTL} "
            f"(the protocol keeps an answer 10 minutes), got {ttl!r:.64}"
        )
    per_user = raw("REQUEST_KEYS_PER_USER")
    if isinstance(per_user, bool) or not isinstance(per_user, int) or per_user < 1:
        raise ImproperlyConfigured(f"PERMSOCKET['REQUEST_KEYS_PER_USER'] must be a positive integer, got {per_user!r:.64}")
    store = raw("REQUEST_KEYS_STORE")
    if store not in ("auto", "memory", "redis"):
        raise ImproperlyConfigured(f'PERMSOCKET[\'REQUEST_KEYS_STORE\'] must be "auto", "memory" or "redis", got {store!r:.64}')
    url = raw("REDIS_URL") or None
    if url is not None and (not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://"))):
        # Not echoed: a URL may hold a password.
        raise ImproperlyConfigured("PERMSOCKET['REDIS_URL'] must be a redis://, rediss:// or unix:// URL")
    url = url or channels_redis_url()
    if store == "redis" and url is None:
        raise ImproperlyConfigured(
            'PERMSOCKET[\'REQUEST_KEYS_STORE\'] is "redis" but no Redis URL is known: set PERMSOCKET[\'REDIS_URL\'] '
            "or use a channels_redis layer with a redis:// host"
        )
    if store == "memory" or url is None:
        return RequestKeySettings(enabled, float(ttl), per_user, "memory", None)
    return RequestKeySettings(enabled, float(ttl), per_user, "redis", url)
