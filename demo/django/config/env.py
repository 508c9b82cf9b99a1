"""
Reads the server's configuration from the environment, with the same names and defaults as the
Node reference server (see PROTOCOL.md). Shared by settings.py, run.py and manage.py so a
management command run from another shell sees the same database and secret as the server.
"""
import os
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _int(name, default):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"{name} must be an integer, got {raw!r}")


def _float(name, default):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        sys.exit(f"{name} must be a number, got {raw!r}")
    if value <= 0:
        sys.exit(f"{name} must be positive, got {raw!r}")
    return value


def _rate_limit():
    """`<burst>,<per second>` or `off`; returns (burst, rate) or None when disabled."""
    raw = os.environ.get("RATE_LIMIT", "").strip() or "100,50"
    if raw == "off":
        return None
    try:
        burst, rate = (float(part) for part in raw.split(","))
    except ValueError:
        sys.exit(f"RATE_LIMIT must be '<burst>,<per second>' or 'off', got {raw!r}")
    if burst < 1 or rate <= 0:
        sys.exit(f"RATE_LIMIT needs a burst of at least 1 and a positive rate, got {raw!r}")
    return burst, rate


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
PORT = _int("PORT", 8787)
DATABASE = Path(os.environ.get("DATABASE", "").strip() or BASE_DIR / ".data" / "permsocket.sqlite3")
JWT_SECRET = _jwt_secret(DATABASE)
ACCESS_TOKEN_TTL = _int("ACCESS_TOKEN_TTL", 300)
ALLOWED_ORIGINS = [
    origin.strip()
    for origin in (
        os.environ.get("ALLOWED_ORIGINS", "").strip() or f"http://127.0.0.1:{PORT},http://localhost:{PORT}"
    ).split(",")
    if origin.strip()
]
REDIS_URL = os.environ.get("REDIS_URL", "").strip() or None
RATE_LIMIT = _rate_limit()
AUTH_TIMEOUT = _float("AUTH_TIMEOUT", 5.0)
