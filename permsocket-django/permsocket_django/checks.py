"""System checks for the PERMSOCKET setting, so `manage.py check` (and every runserver, migrate
and daphne start through Django) names what is missing instead of a failure at the handshake."""
from django.conf import settings
from django.core.checks import Error, Warning, register

from . import conf


def _error(id_, message, hint):
    return Error(message, hint=hint, obj="settings.PERMSOCKET", id=f"permsocket.{id_}")


@register("permsocket")
def check_settings(app_configs=None, **kwargs):
    """E001 secret, E002 RATE_LIMIT, E003 origins, E004 contract, E005 the other numbers, E006 the
    request-key settings (W002: kept per process beside a channels_redis layer)."""
    problems = []
    configured = getattr(settings, "PERMSOCKET", None)
    if configured is not None and not isinstance(configured, dict):
        return [_error("E000", "PERMSOCKET must be a dict.", "PERMSOCKET = {\"JWT_SECRET\": ..., ...}")]
    secret = conf.raw("JWT_SECRET")
    if not isinstance(secret, str) or not secret:
        problems.append(_error("E001", "PERMSOCKET['JWT_SECRET'] is missing: no access token can be signed or verified.",
                               "Set it from the environment, e.g. os.environ['JWT_SECRET'] (32 random bytes or more)."))
    elif len(secret.encode("utf-8", "surrogatepass")) < 32:
        problems.append(Warning("PERMSOCKET['JWT_SECRET'] is shorter than 32 bytes.",
                                hint="Use at least 32 random bytes.", obj="settings.PERMSOCKET", id="permsocket.W001"))
    try:
        conf.parse_rate_limit(conf.raw("RATE_LIMIT"))
    except ValueError as error:
        problems.append(_error("E002", f"PERMSOCKET['RATE_LIMIT'] is malformed: {error}.",
                               'Use (burst, per second) such as (100, 50), the string "100,50", or None / "off".'))
    origins = conf.raw("ALLOWED_ORIGINS")
    if not callable(origins) and not conf.allowed_origins():
        problems.append(_error("E003", "PERMSOCKET['ALLOWED_ORIGINS'] is empty: every socket would be refused.",
                               'List the exact origins of your pages, e.g. ["https://app.example.com"].'))
    path = conf.contract_path()
    if path is None:
        problems.append(_error("E004", "PERMSOCKET['CONTRACT'] is missing.",
                               "Point it at the JSON that `npx permsocket export-contract` writes."))
    else:
        from .contract import load_contract

        try:
            load_contract(path)
        except (OSError, ValueError) as error:
            problems.append(_error("E004", f"PERMSOCKET['CONTRACT'] cannot be used: {error}",
                                   "Regenerate it with `npx permsocket export-contract`."))
    for name in ("ACCESS_TOKEN_TTL", "AUTH_TIMEOUT", "MAX_FRAME_BYTES"):
        value = conf.raw(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value == float("inf"):
            problems.append(_error("E005", f"PERMSOCKET['{name}'] must be a positive number, got {value!r:.64}.",
                                   f"Leave it out for the default ({conf.DEFAULTS[name]})."))
    from django.core.exceptions import ImproperlyConfigured

    try:
        keys = conf.request_keys()
    except ImproperlyConfigured as error:
        problems.append(_error("E006", f"{error}.", "Leave the request-key settings out for their defaults (see docs/django.md)."))
    else:
        if keys.store == "memory" and conf.raw("REQUEST_KEYS_STORE") == "auto" and conf.channels_redis_url() is None and _uses_channels_redis():
            problems.append(Warning(
                "Request keys are kept per process although channels_redis suggests several processes.",
                hint="Set PERMSOCKET['REDIS_URL'] so a request re-sent to another process is not run again.",
                obj="settings.PERMSOCKET", id="permsocket.W002"))
    return problems


def _uses_channels_redis():
    layer = (getattr(settings, "CHANNEL_LAYERS", None) or {}).get("default") or {}
    return "channels_redis" in str(layer.get("BACKEND", ""))
