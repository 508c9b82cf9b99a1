"""The admin HTTP endpoints: grants, groups, activation and the user list, for superusers.

csrf_exempt: authenticated only by an `Authorization: Bearer` header, which a browser never
attaches by itself, so a cross-site request cannot carry it and a CSRF token adds nothing.
"""
from functools import wraps

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .admin_ops import Malformed, NotFound, get_user, set_active, set_grant, set_group, user_summary
from .grants import fresh_user
from .http import allow_methods, json_error, no_content, read_json
from .tokens import decode_access_token


def superuser_required(view):
    """401 without a valid bearer token of an active user, 403 for anyone but a superuser."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        claims = decode_access_token(token.strip()) if scheme.lower() == "bearer" else None
        user = fresh_user(claims["sub"]) if claims else None
        if user is None or not user.is_active:
            return json_error(401, "unauthenticated", "a valid bearer token is required")
        if not user.is_superuser:
            return json_error(403, "forbidden", "superusers only")
        return view(request, *args, **kwargs)

    return wrapper


@superuser_required
@allow_methods("GET")
def users(request):
    """GET: {users: [{name, active, superuser, groups, grants}]}."""
    everyone = get_user_model().objects.order_by("pk")
    return JsonResponse({"users": [user_summary(user) for user in everyone]})


@superuser_required
@allow_methods("PUT", "DELETE")
def grant(request, username, grant):
    """PUT / DELETE a direct grant (`<grant>` URL-encoded; the server has decoded it already)."""
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
