"""The security headers Django 3.2 cannot set itself, on every answer (JSON, HTML, static files,
errors), as the Node reference server sends them: a Content-Security-Policy and
Cross-Origin-Opener-Policy. X-Frame-Options (XFrameOptionsMiddleware, X_FRAME_OPTIONS = "DENY"),
Referrer-Policy and X-Content-Type-Options (SecurityMiddleware, SECURE_REFERRER_POLICY =
"no-referrer") come from Django's own middleware; config/settings.py lists all three.

The demo page loads only its own script and stylesheet (no inline script or style), talks only
to its own origin over fetch and to its own /ws, and may not be framed.
"""
import re

# A Host header that is safe to echo into the policy: a name or an IP, and an optional port.
_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


def content_security_policy(host, https):
    """The policy for a request. connect-src names the page's own WebSocket origin (wss: when served
    over https, also ws: otherwise) as well as 'self', since not every browser lets 'self' cover
    ws: and wss:."""
    sockets = []
    if host and _HOST.fullmatch(host):
        sockets = [f"wss://{host}"] if https else [f"ws://{host}", f"wss://{host}"]
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src " + " ".join(["'self'", *sockets]),
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Cross-Origin-Opener-Policy: same-origin to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The raw header: get_host() would raise on a Host that ALLOWED_HOSTS refuses.
        response["Content-Security-Policy"] = content_security_policy(request.META.get("HTTP_HOST"), request.is_secure())
        response["Cross-Origin-Opener-Policy"] = "same-origin"
        return response
