"""Small helpers for the JSON HTTP API."""
import json
from functools import wraps

from django.http import HttpResponse, JsonResponse


def json_error(status, code, message):
    """A JSON error body `{error: {code, message}}` with `status`."""
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def no_content():
    """204 with no body."""
    return HttpResponse(status=204)


def read_json(request):
    """The request's JSON object body, or None when it is not one."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def allow_methods(*methods):
    """Like Django's require_http_methods, but the 405 is JSON like every other error."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = json_error(405, "method_not_allowed", f"allowed: {', '.join(methods)}")
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
