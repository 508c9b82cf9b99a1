"""
Reads the server's configuration from the environment, with the same names and defaults as the
Node reference server (see PROTOCOL.md). Shared by settings.py, run.py and manage.py so a
management command run from another shell sees the same database and secret as the server.
"""
import math
import os
import re
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


# What JavaScript's String.prototype.trim (and Number()) strip: WhiteSpace and LineTerminator.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RADIX = re.compile(r"0([xXoObB])([0-9a-zA-Z]+)")


def _js_number(raw):
    """What the Node server's Number(raw) gives, so both servers accept and refuse the same values:
    surrounding whitespace ignored, blank is 0, and NaN for anything that is no JavaScript number
    literal (Python's float() would also take "nan", "inf" or "1_000")."""
    text = raw.strip(_JS_SPACE)
    if not text:
        return 0.0
    if _DECIMAL.fullmatch(text):
        return float(text)
    radix = _RADIX.fullmatch(text)
    if radix:
        try:
            value = int(radix.group(2), {"x": 16, "o": 8, "b": 2}[radix.group(1).lower()])
        except ValueError:
            return math.nan
        try:
            return float(value)
        except OverflowError:
            return math.inf
    if text in ("Infinity", "+Infinity"):
        return math.inf
    if text == "-Infinity":
        return -math.inf
    return math.nan


def _port():
    """PORT: an integer 0-65535 (0 lets the system pick one; the server reports the one it got)."""
    raw = os.environ.get("PORT")
    if raw is None or raw == "":
        return 8787
    port = _js_number(raw)
    if not port.is_integer() or port < 0 or port > 65535:
        sys.exit(f'PORT expects 0-65535, got "{raw}"')
    return int(port)


def _positive(name, default):
    """A positive, finite number of seconds; a non-positive one (ACCESS_TOKEN_TTL=0 would issue
    tokens born expired) stops the server before it starts, as in the Node server."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = _js_number(raw)
    if not math.isfinite(value) or value <= 0:
        sys.exit(f'{name} expects a positive number, got "{raw}"')
    return value


def _rate_limit():
    """`<burst>,<per second>` or `off` (any case, surrounding whitespace ignored); returns
    (burst, rate) or None when disabled."""
    raw = os.environ.get("RATE_LIMIT")
    if raw is None or raw == "":
        return 100.0, 50.0
    if raw.strip(_JS_SPACE).lower() == "off":
        return None
    parts = [_js_number(part) for part in raw.split(",")]
    if (
        len(parts) != 2
        # Also refuses NaN (no comparison holds for it) and infinities.
        or not all(math.isfinite(part) for part in parts)
        or not parts[0] >= 1
        or not parts[1] > 0
    ):
        sys.exit(f'RATE_LIMIT expects "<burst>,<per second>" or "off", got "{raw}"')
    return parts[0], parts[1]


def _allowed_origins():
    """The listed origins, trimmed; None when there are none (the server then allows
    127.0.0.1 and localhost on the port it bound, see default_origins)."""
    origins = [origin.strip(_JS_SPACE) for origin in os.environ.get("ALLOWED_ORIGINS", "").split(",")]
    return [origin for origin in origins if origin] or None


def default_origins(port):
    """The default allowlist for a bound port: the same origin by IP and by name."""
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def origins_of_bound_port(scope):
    """default_origins for the port a socket was accepted on (PORT=0 binds one at start)."""
    server = scope.get("server")
    port = server[1] if server and len(server) > 1 and server[1] is not None else PORT
    return default_origins(port)


def _jwt_secret(database):
    """The configured secret, or a development one kept beside the database so restarts and
    management commands agree on it."""
    secret = os.environ.get("JWT_SECRET", "")
    if secret:
        return secret
    path = Path(str(database) + ".jwt-secret")
    if path.exists():
        secret = path.read_text().strip()
    if not secret:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        # Written owner-only: anyone who reads it can mint tokens for any user.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret)
    print(
        f"warning: JWT_SECRET is not set; using a development secret stored in {path}",
        file=sys.stderr,
    )
    return secret


HOST = os.environ.get("HOST", "").strip() or "127.0.0.1"
# 0 lets the system pick a free port; run.py prints the bound one and the default allowlist uses it.
PORT = _port()
DATABASE = Path(os.environ.get("DATABASE", "").strip() or BASE_DIR / ".data" / "permsocket.sqlite3")
JWT_SECRET = _jwt_secret(DATABASE)
# Whole seconds, rounded half up and at least 1, as the Node server signs them.
ACCESS_TOKEN_TTL = max(1, math.floor(_positive("ACCESS_TOKEN_TTL", 300) + 0.5))
# None: 127.0.0.1 and localhost on the bound port (config/asgi.py reads it per connection).
ALLOWED_ORIGINS = _allowed_origins()
REDIS_URL = os.environ.get("REDIS_URL", "").strip() or None
RATE_LIMIT = _rate_limit()
AUTH_TIMEOUT = _positive("AUTH_TIMEOUT", 5.0)
