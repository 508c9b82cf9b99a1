"""Sign-in endpoints: login, refresh (rotating httpOnly cookie), logout, and healthz.

CSRF: these views are csrf_exempt on purpose. They take JSON, not forms, and are authenticated
either by credentials in the body (login) or by a SameSite=Strict cookie that a browser never
sends on a cross-site request (refresh, logout); Django's CSRF token would add nothing and
would break non-browser clients.
"""
from django.contrib.auth import authenticate
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import tokens
from .http import allow_methods, json_error, no_content, read_json

REFRESH_COOKIE = "permsocket_refresh"


def _with_refresh_cookie(response, raw):
    response.set_cookie(
        REFRESH_COOKIE,
        raw,
        max_age=tokens.REFRESH_TOKEN_DAYS * 24 * 3600,
        path="/auth",
        httponly=True,
        samesite="Strict",
    )
    return response


def _encodable(text):
    """Whether `text` can be encoded as UTF-8 (it holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _token_response(user, refresh_raw):
    access, ttl = tokens.issue_access_token(user)
    return _with_refresh_cookie(JsonResponse({"accessToken": access, "expiresIn": ttl}), refresh_raw)


@csrf_exempt
@allow_methods("GET", "HEAD")
def healthz(request):
    """200 once the server accepts connections."""
    return JsonResponse({"ok": True})


@csrf_exempt
@allow_methods("POST")
def login(request):
    """{username, password} -> {accessToken, expiresIn} and a refresh cookie; 401 otherwise."""
    body = read_json(request)
    if body is None or not isinstance(body.get("username"), str) or not isinstance(body.get("password"), str):
        return json_error(400, "bad_request", "expected {username: string, password: string}")
    # A lone surrogate (a JSON escape such as "\ud800") cannot be UTF-8 encoded, so it can match
    # no stored username or password hash: wrong credentials, as in the Node server, not a 500.
    if not (_encodable(body["username"]) and _encodable(body["password"])):
        return json_error(401, "unauthenticated", "wrong username or password")
    # authenticate() refuses inactive users (ModelBackend.user_can_authenticate).
    user = authenticate(request, username=body["username"], password=body["password"])
    if user is None:
        return json_error(401, "unauthenticated", "wrong username or password")
    return _token_response(user, tokens.issue_refresh_token(user))


@csrf_exempt
@allow_methods("POST")
def refresh(request):
    """Exchanges the refresh cookie for a new access token and a new cookie."""
    rotated = tokens.rotate_refresh_token(request.COOKIES.get(REFRESH_COOKIE))
    if rotated is None:
        return json_error(401, "unauthenticated", "no valid refresh cookie")
    user, raw = rotated
    return _token_response(user, raw)


@csrf_exempt
@allow_methods("POST")
def logout(request):
    """Revokes the refresh cookie and clears it; 204 whether or not there was one."""
    tokens.revoke_refresh_token(request.COOKIES.get(REFRESH_COOKIE))
    response = no_content()
    response.delete_cookie(REFRESH_COOKIE, path="/auth", samesite="Strict")
    return response
