"""Serves the built demo web app (demo/web/dist, from `npm run build:demo`) when it exists, as the
Node server does, so the same browser app runs against this server on the same origin."""
import mimetypes
import re
from pathlib import Path

from django.http import FileResponse
from django.views.decorators.csrf import csrf_exempt

from permsocket_django.http import json_error

WEB_ROOT = (Path(__file__).resolve().parent.parent.parent / "web" / "dist").resolve()
# Only a content-hashed build output (app-36WXNOS2.js) may be cached; anything else is revalidated.
HASHED = re.compile(r"-[A-Za-z0-9]{8,}\.[a-z0-9]+$")


def _pick(path):
    """The file to serve for a URL path, or None. Never a file outside WEB_ROOT."""
    try:
        candidate = (WEB_ROOT / path).resolve()
    except (OSError, ValueError):
        return None
    if candidate != WEB_ROOT and WEB_ROOT not in candidate.parents:
        return None
    if candidate.is_file():
        return candidate
    # Client-side routes (no extension) get the app's index.html.
    index = WEB_ROOT / "index.html"
    if not Path(path).suffix and index.is_file():
        return index
    return None


# Exempt so that a POST to an unknown path gets the JSON 404, not Django's HTML CSRF page; this
# view only ever reads files.
@csrf_exempt
def web_app(request, path=""):
    """GET/HEAD a file of the built web app; JSON 404 for anything else."""
    chosen = _pick(path) if request.method in ("GET", "HEAD") else None
    if chosen is None:
        return json_error(404, "not_found", "no such endpoint")
    content_type = mimetypes.guess_type(chosen.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
        content_type += "; charset=utf-8"
    response = FileResponse(open(chosen, "rb"))
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=31536000, immutable" if HASHED.search(chosen.name) else "no-cache"
    return response
