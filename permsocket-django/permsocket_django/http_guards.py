"""Guards of the cookie endpoints and the admin API, as in the Node reference server: an Origin
check, the JSON-only login body, the client's address and whether the refresh cookie is Secure.

TRUST_PROXY (settings.PERMSOCKET["TRUST_PROXY"]) makes the last X-Forwarded-For entry, the one the
proxy in front appended, the client's address; the scheme comes from Django's
SECURE_PROXY_SSL_HEADER, which config/settings.py sets to X-Forwarded-Proto: https under it.
"""
from functools import wraps

from django.conf import settings

from .http import json_error


def _permsocket(name, default=None):
    return settings.PERMSOCKET.get(name, default)


def allowed_origins(request):
    """The Origins the WebSocket handshake allows: ALLOWED_ORIGINS as a list, a comma-separated
    string or a callable taking the ASGI scope; unset, 127.0.0.1 and localhost on the port this
    request came in on (the bound one, also when PORT=0 let the system pick it)."""
    scope = getattr(request, "scope", None) or {}
    configured = _permsocket("ALLOWED_ORIGINS")
    if callable(configured):
        configured = configured(scope)
    if isinstance(configured, str):
        configured = configured.split(",")
    origins = [origin.strip() for origin in configured or () if isinstance(origin, str) and origin.strip()]
    if origins:
        return origins
    server = scope.get("server")
    port = server[1] if server and len(server) > 1 and server[1] is not None else request.get_port()
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def foreign_origin(request):
    """A 403 answer when the request carries an Origin that is not allowed, else None. Browsers send
    Origin on every cross-site POST, so a page elsewhere cannot spend the user's refresh cookie or
    drive the admin API; clients that send no Origin (curl, servers) are not riding on a cookie."""
    origin = request.headers.get("Origin")
    if origin is not None and origin not in allowed_origins(request):
        return json_error(403, "forbidden", "origin not allowed")
    return None


def allowed_origin_required(view):
    """Refuses (403) a request with an Origin that is not allowed."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        refused = foreign_origin(request)
        return refused if refused is not None else view(request, *args, **kwargs)

    return wrapper


def json_body_required(view):
    """Refuses (415) a body not declared application/json: a cross-site form can send text/plain or
    urlencoded bodies without a preflight, never application/json."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        media_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            return json_error(415, "unsupported_media_type", "expected Content-Type: application/json")
        return view(request, *args, **kwargs)

    return wrapper


def client_address(request):
    """The client's address: the connection's peer, or with TRUST_PROXY the proxy's last
    X-Forwarded-For entry (earlier entries are whatever the client sent). Bounded: it is the
    client's text as far as this server can tell."""
    peer = request.META.get("REMOTE_ADDR") or "unknown"
    if not _permsocket("TRUST_PROXY", False):
        return peer
    last = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    return last[:64] if last else peer


def cookie_secure(request):
    """Whether the refresh cookie is Secure: SECURE_COOKIES, or a request that came over https
    (through a trusted proxy's X-Forwarded-Proto)."""
    return bool(_permsocket("SECURE_COOKIES", False)) or request.is_secure()
