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


def cookie_path(request):
    """The folder the sign-in views are mounted under (`/auth` for /auth/refresh), so the cookie
    goes only to them wherever the project includes permsocket_django.urls."""
    return request.path.rsplit("/", 1)[0] or "/"


def _with_refresh_cookie(response, raw, path="/auth"):
    response.set_cookie(
        REFRESH_COOKIE,
        raw,
        max_age=tokens.REFRESH_TOKEN_DAYS * 24 * 3600,
        path=path,
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


def _token_response(user, refresh_raw, request=None):
    access, ttl = tokens.issue_access_token(user)
    path = cookie_path(request) if request is not None else "/auth"
    return _with_refresh_cookie(JsonResponse({"accessToken": access, "expiresIn": ttl}), refresh_raw, path)


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
    return _token_response(user, tokens.issue_refresh_token(user), request)


@csrf_exempt
@allow_methods("POST")
def refresh(request):
    """Exchanges the refresh cookie for a new access token and a new cookie."""
    rotated = tokens.rotate_refresh_token(request.COOKIES.get(REFRESH_COOKIE))
    if rotated is None:
        return json_error(401, "unauthenticated", "no valid refresh cookie")
    user, raw = rotated
    return _token_response(user, raw, request)


@csrf_exempt
@allow_methods("POST")
def logout(request):
    """Revokes the refresh cookie and clears it; 204 whether or not there was one."""
    tokens.revoke_refresh_token(request.COOKIES.get(REFRESH_COOKIE))
    response = no_content()
    response.delete_cookie(REFRESH_COOKIE, path=cookie_path(request), samesite="Strict")
    return response


@allow_methods("POST")
def session_token(request):
    """An access token for the user of the current Django session, so a cookie-session app
    needs no second login: 200 {accessToken, expiresIn}, 401 without a signed-in active user.
    Not csrf_exempt: it is authenticated by the session cookie, which a cross-site page's
    request would carry, so Django's CSRF check (the X-CSRFToken header) applies."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return json_error(401, "unauthenticated", "no signed-in user in this session")
    access, ttl = tokens.issue_access_token(user)
    return JsonResponse({"accessToken": access, "expiresIn": ttl})
