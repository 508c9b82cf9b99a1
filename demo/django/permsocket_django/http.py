"""Small helpers for the JSON HTTP API."""
import json

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
