"""The admin HTTP endpoints: grants, groups, activation and the user list, for superusers.

csrf_exempt: authenticated only by an `Authorization: Bearer` header, which a browser never
attaches by itself, so a cross-site request cannot carry it and a CSRF token adds nothing.
"""
import re
from functools import wraps

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .admin_ops import Malformed, NotFound, get_user, set_active, set_grant, set_group, user_summary
from .grants import fresh_user
from .http import allow_methods, json_error, no_content, read_json
from .tokens import decode_access_token


# `Authorization: Bearer <token>`, the scheme in any case, as the Node server reads it.
BEARER = re.compile(r"Bearer\s+(\S+)", re.IGNORECASE)


def superuser_required(view):
    """As in the Node server: 401 without a valid bearer token of a known user; 403 for a known
    user who is inactive (a token issued before the deactivation) or not a superuser."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        match = BEARER.fullmatch(request.headers.get("Authorization", ""))
        claims = decode_access_token(match.group(1)) if match else None
        if claims is None:
            return json_error(401, "unauthenticated", "a valid bearer token is required")
        # decode_access_token and fresh_user take only a canonical decimal id ("01" names no user).
        user = fresh_user(claims["sub"])
        if user is None:
            return json_error(401, "unauthenticated", "token subject is not a known user")
        if not user.is_active or not user.is_superuser:
            return json_error(403, "forbidden", "the admin API needs a superuser")
        return view(request, *args, **kwargs)

    return wrapper


@superuser_required
@allow_methods("GET")
def users(request):
    """GET: {users: [{name, active, superuser, groups, grants}]}."""
    everyone = get_user_model().objects.order_by("pk")
    return JsonResponse({"users": [user_summary(user) for user in everyone]})


_PERCENT_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")


def _strictly_decodable(raw_path):
    """Whether a raw request path decodes as decodeURIComponent would (the Node server answers
    400 otherwise): every `%` starts a two-digit hex escape and the bytes are valid UTF-8 (no
    encoded surrogate either). daphne's unquote() would turn %ED%A0%80 into U+FFFD instead."""
    if b"%" in _PERCENT_ESCAPE.sub(b"", raw_path):
        return False
    try:
        _PERCENT_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), raw_path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _malformed_path(request, grant):
    """Whether the grant path was badly percent-encoded. Read from the raw path the ASGI server
    passes on; without one, a U+FFFD in the decoded grant is the trace of a bad escape."""
    raw_path = getattr(request, "scope", {}).get("raw_path")
    if isinstance(raw_path, bytes):
        return not _strictly_decodable(raw_path)
    return "\ufffd" in grant


@superuser_required
@allow_methods("PUT", "DELETE")
def grant(request, username, grant):
    """PUT / DELETE a direct grant (`<grant>` URL-encoded; the server has decoded it already)."""
    if _malformed_path(request, grant):
        return json_error(400, "bad_request", "malformed percent-encoding in the path")
    try:
        set_grant(get_user(username), grant, present=request.method == "PUT")
    except NotFound as error:
        return json_error(404, "not_found", str(error))
    except Malformed as error:
        return json_error(400, "bad_request", str(error))
    return no_content()


@superuser_required
@allow_methods("PUT", "DELETE")
def group(request, username, group):
    """PUT / DELETE a group membership."""
    try:
        set_group(get_user(username), group, member=request.method == "PUT")
    except NotFound as error:
        return json_error(404, "not_found", str(error))
    return no_content()


@superuser_required
@allow_methods("PUT")
def active(request, username):
    """PUT {active: bool}: deactivation closes the user's sockets with 4403."""
    body = read_json(request)
    if body is None or not isinstance(body.get("active"), bool):
        return json_error(400, "bad_request", "expected {active: boolean}")
    try:
        set_active(get_user(username), body["active"])
    except NotFound as error:
        return json_error(404, "not_found", str(error))
    return no_content()
