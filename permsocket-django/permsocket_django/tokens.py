"""Access tokens (HS256 JWTs) and rotating refresh tokens."""
import hashlib
import secrets
import time
from datetime import timedelta

import jwt
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from . import conf
from .grants import canonical_user_id
from .models import RefreshToken

AUDIENCE = "permsocket"
# Larger tokens are refused before any parsing (PROTOCOL.md: a token over 8 KiB is rejected).
MAX_TOKEN_BYTES = 8 * 1024
REFRESH_TOKEN_DAYS = 30


def issue_access_token(user):
    """Returns (token, ttl seconds) for `user`: sub (the id as a string), name, aud, iat, exp."""
    ttl = conf.access_token_ttl()
    now = int(time.time())
    claims = {"sub": str(user.pk), "name": user.get_username(), "aud": AUDIENCE, "iat": now, "exp": now + ttl}
    secret = conf.jwt_secret()
    if not secret:
        raise ImproperlyConfigured("PERMSOCKET['JWT_SECRET'] is missing (see `manage.py check`)")
    return jwt.encode(claims, secret, algorithm="HS256"), ttl


def decode_access_token(token):
    """The verified claims of an access token, or None. The algorithm is pinned to HS256 (so
    `alg: none` and RS/HS confusion are refused) and exp, sub and aud are required."""
    secret = conf.jwt_secret()
    if not secret or not isinstance(token, str) or not token or len(token.encode("utf-8", "surrogatepass")) > MAX_TOKEN_BYTES:
        return None
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            options={"require": ["exp", "sub", "aud"]},
        )
    except Exception:  # PyJWTError, and anything a hostile token may provoke: all mean "invalid".
        return None
    # PyJWT 2.6 does not check the type of sub. It must name a user exactly as issued: for an
    # integer key canonical ASCII decimal, as in the Node server ("01" or "\u0661" name no one).
    sub = claims.get("sub")
    if not isinstance(sub, str) or canonical_user_id(sub) is None or not isinstance(claims.get("exp"), (int, float)):
        return None
    return claims


def _hash(raw):
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_refresh_token(user, family=None):
    """Creates a refresh token (in `family`, or a new one) and returns its raw value for the cookie."""
    raw = secrets.token_urlsafe(32)
    RefreshToken.objects.create(
        user=user,
        token_hash=_hash(raw),
        family=family or secrets.token_hex(16),
        expires_at=timezone.now() + timedelta(days=REFRESH_TOKEN_DAYS),
    )
    return raw


def rotate_refresh_token(raw):
    """Exchanges a refresh token for (user, new raw token), or returns None. Presenting a token
    that was already rotated out revokes its whole family: one of the two holders is a thief."""
    if not isinstance(raw, str) or not raw or len(raw) > 200:
        return None
    with transaction.atomic():
        row = RefreshToken.objects.select_related("user").filter(token_hash=_hash(raw)).first()
        if row is None or row.revoked:
            return None
        if row.rotated:
            RefreshToken.objects.filter(family=row.family).update(revoked=True)
            return None
        if row.expires_at <= timezone.now() or not row.user.is_active:
            return None
        row.rotated = True
        row.save(update_fields=["rotated"])
        return row.user, issue_refresh_token(row.user, row.family)


def revoke_refresh_token(raw):
    """Revokes the family of a refresh token (logout); unknown tokens are ignored."""
    if not isinstance(raw, str) or not raw or len(raw) > 200:
        return
    row = RefreshToken.objects.filter(token_hash=_hash(raw)).first()
    if row is not None:
        RefreshToken.objects.filter(family=row.family).update(revoked=True)
